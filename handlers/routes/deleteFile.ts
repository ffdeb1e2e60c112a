// DELETE /files/{id}: with the delete token shown once at upload, mark the record `deleting` (from then on the
// share is gone for everyone), remove the object, then the record. Should a step fail, a retry finishes the job.
import { signedInUser } from "../auth";
import { Deps } from "../deps";
import { forbidden } from "../errors";
import { ApiRequest, ApiResponse } from "../http";
import { deleteRecord, markDeleting } from "../records";
import { tokenMatches } from "../tokens";
import { abortMultipartUploads, deleteAllVersions } from "../versions";
import { fileIdOf, findRecord } from "./files";

export async function deleteFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const id = fileIdOf(request);
  const token = request.headers["x-delete-token"];
  const record = await findRecord(deps, id, true);
  if (token === undefined || token === "") {
    // The owner may delete with their sign-in instead (API v1.1).
    const user = await signedInUser(request, deps.verifyToken);
    if (user === undefined) {
      throw forbidden("Send the delete token you got when you created the upload in the X-Delete-Token header.");
    }
    if (record.owner === undefined || user.sub !== record.owner)
      throw forbidden("Only the owner may delete this file.");
  } else if (!tokenMatches(token, record.deleteTokenHash)) {
    throw forbidden("The delete token is not the one issued for this file.");
  }
  await markDeleting(deps, id, record.deleteTokenHash);
  // Every version: on a versioned bucket a plain DeleteObject would only hide the bytes behind a delete marker.
  await abortMultipartUploads(deps, record.fileKey);
  await deleteAllVersions(deps, record.fileKey);
  await deleteRecord(deps, id, record.deleteTokenHash);
  request.log.info("file deleted", { fileId: id });
  return { status: 204 };
}
