// GET /: the web page.
import { ApiResponse } from "../http";
import { pageResponse } from "../page";

export async function servePage(): Promise<ApiResponse> {
  return pageResponse();
}
