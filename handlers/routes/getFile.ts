// GET /files/{id}: metadata only. No side effects, so link previews and mail scanners can call it freely.
// A browser following a share link (Accept: text/html) gets the page, which then asks for the JSON.
import { Deps } from "../deps";
import { ApiRequest, ApiResponse } from "../http";
import { pageResponse, wantsHtml } from "../page";
import { assertMayAccess, assertNotGone, fileIdOf, findRecord, loadShareView } from "../shareAccess";

export async function getFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  if (wantsHtml(request.headers["accept"])) return pageResponse(deps);
  const id = fileIdOf(request);
  const record = await findRecord(deps, id);
  // Who may see it comes first: a non-recipient learns nothing, not even that it expired or was used up.
  await assertMayAccess(request, deps, record);
  assertNotGone(record, deps.now());
  // A password share shows no name, type, SHA-256 or title until its password is given (POST /files/{id}/unlock).
  return { status: 200, body: await loadShareView(deps, id, record, record.passwordHash !== undefined) };
}
