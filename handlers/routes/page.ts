// GET /: the web page, with this stack's limits.
import { Deps } from "../deps";
import { ApiRequest, ApiResponse } from "../http";
import { pageResponse } from "../page";

export async function servePage(_request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  return pageResponse(deps.config);
}
