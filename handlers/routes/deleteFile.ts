// DELETE /files/{id}: with the delete token shown once at upload, mark the record `deleting` (from then on the
// share is gone for everyone), remove the object, then the record. Should a step fail, a retry finishes the job.
import { Deps } from "../deps";
import { ApiRequest, ApiResponse } from "../http";
import { abortMultipartUpload } from "../multipart";
import { deleteObject } from "../objects";
import { deleteRecord, markDeleting } from "../records";
import { assertOwner, fileIdOf, findRecord } from "./files";

export async function deleteFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const id = fileIdOf(request);
  const record = await findRecord(deps, id, true);
  assertOwner(request, record);
  await markDeleting(deps, id, record.deleteTokenHash);
  // An upload still open leaves no parts behind (and no object: a `complete` racing this one is deleted below).
  if (record.multipart !== undefined && record.multipart.completedAt === undefined) {
    await abortMultipartUpload(deps, { key: record.fileKey, uploadId: record.multipart.uploadId });
  }
  await deleteObject(deps, record.fileKey);
  await deleteRecord(deps, id, record.deleteTokenHash);
  request.log.info("file deleted", { fileId: id });
  return { status: 204 };
}
