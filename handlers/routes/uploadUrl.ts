// POST /uploads/{id}/url: a fresh pre-signed PUT for the owner of a pending single-PUT file, signed for the same
// headers as the first (type, length, SHA-256, write-once), for when that URL expired or died with a restart, or
// the file was rejected (its object did not match and was deleted). `file` names the file (v1.2; default 1).
import { Deps } from "../deps";
import { conflict, gone, notFound } from "../errors";
import { ApiRequest, ApiResponse, parseJsonObject } from "../http";
import { signUpload } from "../objects";
import { epoch, extendPendingSweep, isExpired, pendingSweepAt } from "../store/records";
import { fileCountOf, getFileOf, reopenFile } from "../store/shareFiles";
import { assertOwner, fileIdOf, findRecord } from "../shareAccess";
import { parseFileNumber } from "../validation";

export async function renewUploadUrl(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  // {} or {"file": n}: a JSON body keeps the route behind a CORS preflight, as every write route.
  const fileNumber = parseFileNumber(parseJsonObject(request)["file"]);
  const id = fileIdOf(request);
  const record = await findRecord(deps, id);
  await assertOwner(request, record, deps);
  const file = await getFileOf(deps, record, fileNumber);
  if (file === undefined) throw notFound(`This share has no file ${fileNumber} (it has ${fileCountOf(record)}).`);
  if (file.multipart !== undefined) {
    throw notFound("This file goes up in parts: ask POST /uploads/{id}/parts for fresh part URLs instead.");
  }
  if (file.status === "available") throw conflict("This file has been uploaded already; there is nothing to send.");
  const now = deps.now();
  if (isExpired(record, now)) throw gone(`This share expired at ${record.expiresAt}; start a new upload.`);
  const nowEpoch = epoch(now);
  // As at creation: the URL never outlives the share, and the share waits for the upload this URL may bring
  // (never less long than it already waits: another file may be a multipart upload open until the share expires).
  const expiresIn = Math.min(deps.config.uploadUrlTtlSeconds, record.expiresAtEpoch - nowEpoch);
  const sweepAt = Math.max(record.sweepAtEpoch ?? 0, pendingSweepAt(record.expiresAtEpoch, nowEpoch, expiresIn));
  const stillPending =
    (await extendPendingSweep(deps, record.id, sweepAt)) &&
    (file.status !== "rejected" || (await reopenFile(deps, record, file.file)));
  if (!stillPending) throw conflict("This file was uploaded or deleted meanwhile; there is nothing to send.");
  const signed = await signUpload(deps, file.fileKey, file, expiresIn);
  request.log.info("upload URL renewed", { file: deps.fingerprint(record.id), number: file.file });
  return { status: 200, body: { uploadUrl: signed.url, method: "PUT", headers: signed.headers, expiresIn } };
}
