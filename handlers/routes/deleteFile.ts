// DELETE /files/{id}: with the delete token shown once at upload, mark the record `deleting` (from then on the
// share is gone for everyone), remove the object, then the record. Should a step fail, a retry finishes the job.
import { Deps } from "../deps";
import { forbidden, notFound } from "../errors";
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
    throw forbidden("Send the delete token you got when you created the upload in the X-Delete-Token header.");
  }
  if (!tokenMatches(token, record.deleteTokenHash)) {
    throw forbidden("The delete token is not the one issued for this file.");
  }
  // A concurrent DELETE that removed the record first: the file is gone, as this caller wanted, but not by it.
  if (!(await markDeleting(deps, id, record.deleteTokenHash))) {
    throw notFound(`No file has the id ${JSON.stringify(id)}; it may have been deleted.`);
  }
  // Every version: on a versioned bucket a plain DeleteObject would only hide the bytes behind a delete marker.
  await abortMultipartUploads(deps, record.fileKey);
  await deleteAllVersions(deps, record.fileKey);
  await deleteRecord(deps, id, record.deleteTokenHash);
  request.log.info("file deleted", { file: deps.fingerprint(id) });
  return { status: 204 };
}
