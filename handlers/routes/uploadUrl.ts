// POST /uploads/{id}/url: a fresh pre-signed PUT for the owner of a pending single-PUT share, signed for the same
// headers as the first (type, length, SHA-256, write-once), for when that URL expired or died with a restart.
import { Deps } from "../deps";
import { conflict, gone, notFound } from "../errors";
import { ApiRequest, ApiResponse, parseJsonObject } from "../http";
import { signUpload } from "../objects";
import { extendPendingSweep, isExpired, pendingSweepAt } from "../records";
import { assertOwner, fileIdOf, findRecord } from "../shareAccess";

export async function renewUploadUrl(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  parseJsonObject(request); // {} today: a JSON body keeps the route behind a CORS preflight, as every write route
  const id = fileIdOf(request);
  const record = await findRecord(deps, id);
  await assertOwner(request, record, deps);
  if (record.multipart !== undefined) {
    throw notFound("This share goes up in parts: ask POST /uploads/{id}/parts for fresh part URLs instead.");
  }
  if (record.status !== "pending") throw conflict("This file has been uploaded already; there is nothing to send.");
  const now = deps.now();
  if (isExpired(record, now)) throw gone(`This share expired at ${record.expiresAt}; start a new upload.`);
  const nowEpoch = Math.floor(now.getTime() / 1000);
  // As at creation: the URL never outlives the share, and the share waits for the upload this URL may bring.
  const expiresIn = Math.min(deps.config.uploadUrlTtlSeconds, record.expiresAtEpoch - nowEpoch);
  if (!(await extendPendingSweep(deps, record.id, pendingSweepAt(record.expiresAtEpoch, nowEpoch, expiresIn)))) {
    throw conflict("This file was uploaded or deleted meanwhile; there is nothing to send.");
  }
  const signed = await signUpload(deps, record.fileKey, record, expiresIn);
  request.log.info("upload URL renewed", { file: deps.fingerprint(record.id) });
  return { status: 200, body: { uploadUrl: signed.url, method: "PUT", headers: signed.headers, expiresIn } };
}
