// DELETE /files/{id}: with the delete token shown once at upload, mark the record `deleting` (from then on the
// share is gone for everyone), remove the object, then the record. Should a step fail, a retry finishes the job.
import { emitAudit, shareFields } from "../audit";
import { Deps } from "../deps";
import { ApiRequest, ApiResponse, callerFields } from "../http";
import { deleteFileItems } from "../store/shareFiles";
import { deleteRecord, markDeleting } from "../store/records";
import { purgeObjects } from "../versions";
import { assertOwner, fileIdOf, findRecord } from "../shareAccess";
import { notFound } from "../errors";

/** A concurrent DELETE removed the share first: gone, as this caller wanted, but not by it (docs/api.md). */
const deletedMeanwhile = (id: string) =>
  notFound(`No file has the id ${JSON.stringify(id)}; it may have been deleted (by another request).`);

export async function deleteFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const id = fileIdOf(request);
  const record = await findRecord(deps, id, true);
  await assertOwner(request, record, deps);
  if (!(await markDeleting(deps, record.id, record.deleteTokenHash))) throw deletedMeanwhile(id);
  // Open uploads leave no parts behind (and no object: a `complete` racing this one is deleted too), and every
  // version goes: on a versioned bucket a plain DeleteObject would only hide the bytes behind a delete marker.
  await purgeObjects(deps, record);
  // A share of several files: its file items, before the share item (until that goes, a retry or the clean-up
  // finds the share and finishes).
  await deleteFileItems(deps, record);
  // Removing the record is the one step that only one request can do: it decides which DELETE answers 204, logs
  // and writes the audit event. The others (concurrent ones, or the clean-up) did the same idempotent S3 work.
  if (!(await deleteRecord(deps, record.id, record.deleteTokenHash))) throw deletedMeanwhile(id);
  request.log.info("file deleted", { file: deps.fingerprint(record.id) });
  await emitAudit(deps, request.log, {
    type: "share.deleted",
    file: deps.fingerprint(record.id),
    requestId: request.requestId,
    ...shareFields(record),
    ...callerFields(request, deps.fingerprint),
  });
  return { status: 204 };
}
