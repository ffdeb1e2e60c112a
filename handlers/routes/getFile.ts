// GET /files/{id}: metadata only. No side effects, so link previews and mail scanners can call it freely.
import { Deps } from "../deps";
import { ApiRequest, ApiResponse } from "../http";
import { assertNotGone, fileIdOf, findRecord, publicView } from "./files";

export async function getFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const record = await findRecord(deps, fileIdOf(request));
  assertNotGone(record, deps.now());
  return { status: 200, body: publicView(record) };
}
