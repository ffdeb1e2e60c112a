// POST /files/{id}/download: check who may download (recipients, password), then consume one download
// atomically and sign a short-lived GET. A refused caller consumes nothing.
import { emitAudit, shareFields } from "../audit";
import { Deps } from "../deps";
import { notReady } from "../errors";
import { ApiRequest, ApiResponse, callerFields, parseJsonObject } from "../http";
import { signDownload } from "../objects";
import { checkPassword } from "../passwords";
import { consumeDownload, returnDownload } from "../records";
import { assertMayAccess, assertNotGone, downloadsRemaining, fileIdOf, findRecord } from "../shareAccess";

export async function downloadFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const id = fileIdOf(request);
  const current = await findRecord(deps, id);
  // Who may see it comes first: a non-recipient learns nothing, not even that it expired or was used up.
  await assertMayAccess(request, deps, current);
  assertNotGone(current, deps.now());
  if (current.passwordHash !== undefined) await checkPassword(deps, current, parseJsonObject(request)["password"]);
  const record = await consumeDownload(deps, current.id, current.expiresAtEpoch);
  if (record === undefined) {
    // The conditional write refused: read the record again to tell the client why.
    assertNotGone(await findRecord(deps, id), deps.now());
    throw notReady("The file has not finished uploading yet; try again in a moment.");
  }
  let downloadUrl: string;
  try {
    downloadUrl = await signDownload(deps, record.fileKey, record);
  } catch (e) {
    await returnDownload(deps, record.id); // no URL went out: the download was not used
    throw e;
  }
  request.log.info("download granted", { file: deps.fingerprint(record.id), downloads: record.downloads });
  await emitAudit(deps, request.log, {
    type: "share.downloaded",
    file: deps.fingerprint(record.id),
    requestId: request.requestId,
    ...shareFields(record),
    ...callerFields(request, deps.fingerprint),
  });
  return {
    status: 200,
    body: {
      downloadUrl,
      expiresIn: deps.config.downloadUrlTtlSeconds,
      fileName: record.fileName,
      contentType: record.contentType,
      size: record.size,
      downloadsRemaining: downloadsRemaining(record),
    },
  };
}
