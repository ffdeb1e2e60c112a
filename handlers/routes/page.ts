// GET /: the web page, with this stack's limits.
import type { ConfigOnly, ApiRequest, ApiResponse } from "../http";
import { pageResponse } from "../page";

/** Needs only the stack's config (the route's `needs: "none"`): its Lambda function carries no AWS SDK. */
export async function servePage(_request: ApiRequest, deps: ConfigOnly): Promise<ApiResponse> {
  return pageResponse(deps);
}
