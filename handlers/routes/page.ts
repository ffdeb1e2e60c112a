// GET /: the web page, with this stack's limits.
import type { Deps } from "../deps";
import { ApiRequest, ApiResponse } from "../http";
import { pageResponse } from "../page";

/** Needs only the stack's config: its Lambda function carries no AWS SDK (handlers/lambda.ts). */
export async function servePage(_request: ApiRequest, deps: Pick<Deps, "config">): Promise<ApiResponse> {
  return pageResponse(deps.config);
}
