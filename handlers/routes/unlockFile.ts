// POST /files/{id}/unlock {password}: a password share's full metadata, without consuming a download.
// A wrong password counts towards the share's attempt limit (handlers/passwords.ts).
import { Deps } from "../deps";
import { ApiRequest, ApiResponse, parseJsonObject } from "../http";
import { checkPassword } from "../passwords";
import { parseUnlockRequest } from "../validation";
import { assertMayAccess, assertNotGone, fileIdOf, findRecord, loadShareView } from "../shareAccess";

export async function unlockFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const id = fileIdOf(request);
  const record = await findRecord(deps, id);
  // Who may see it comes first: a non-recipient learns nothing, not even that it expired or was used up.
  await assertMayAccess(request, deps, record);
  assertNotGone(record, deps.now());
  await checkPassword(deps, record, parseUnlockRequest(parseJsonObject(request)));
  return { status: 200, body: await loadShareView(deps, id, record) };
}
