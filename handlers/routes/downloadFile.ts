// POST /files/{id}/download: check who may download (recipients, password), then consume one download
// atomically and sign a short-lived GET for each file asked for (all by default). A refused caller consumes
// nothing; one call counts one download however many files it grants (docs/api.md v1.2).
import { emitAudit, shareFields } from "../audit";
import { Deps } from "../deps";
import { notReady } from "../errors";
import { ApiRequest, ApiResponse, callerFields, parseJsonObject } from "../http";
import { signDownload } from "../objects";
import { checkPassword } from "../passwords";
import { nameFields } from "../encryption";
import { consumeDownload, returnDownload } from "../store/records";
import { fileCountOf, getFiles, hasFileItems } from "../store/shareFiles";
import { assertMayAccess, assertNotGone, downloadsRemaining, fileIdOf, findRecord } from "../shareAccess";
import { parseFileSelection } from "../validation";

export async function downloadFile(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const id = fileIdOf(request);
  const current = await findRecord(deps, id);
  // Who may see it comes first: a non-recipient learns nothing, not even that it expired or was used up.
  await assertMayAccess(request, deps, current);
  assertNotGone(current, deps.now());
  // v1 clients send no body (a password share's always needs one); v1.2 may name the files it wants.
  const hasBody = current.passwordHash !== undefined || (request.body ?? "").trim() !== "";
  const body = hasBody ? parseJsonObject(request) : {};
  const only = parseFileSelection(body, fileCountOf(current));
  if (current.passwordHash !== undefined) await checkPassword(deps, current, body["password"]);
  const record = await consumeDownload(deps, current.id, current.expiresAtEpoch);
  if (record === undefined) {
    // The conditional write refused: read the record again to tell the client why.
    assertNotGone(await findRecord(deps, id), deps.now());
    throw notReady("The share's files have not all finished uploading yet; try again in a moment.");
  }
  const expiresIn = deps.config.downloadUrlTtlSeconds;
  let downloads;
  try {
    const files = await getFiles(deps, record, only);
    downloads = await Promise.all(
      files.map(async (f) => ({
        file: f.file,
        ...nameFields(f),
        size: f.size,
        downloadUrl: await signDownload(deps, f.fileKey, f),
        expiresIn,
      })),
    );
  } catch (e) {
    await returnDownload(deps, record.id); // no URL went out: the download was not used
    throw e;
  }
  request.log.info("download granted", {
    file: deps.fingerprint(record.id),
    downloads: record.downloads,
    files: downloads.length,
  });
  await emitAudit(deps, request.log, {
    type: "share.downloaded",
    file: deps.fingerprint(record.id),
    requestId: request.requestId,
    ...shareFields(record),
    ...(hasFileItems(record) ? { filesGranted: downloads.length } : {}),
    ...callerFields(request, deps.fingerprint),
  });
  const one = hasFileItems(record) ? undefined : downloads[0];
  return {
    status: 200,
    body: {
      // v1: a one-file share's download at the top.
      ...(one !== undefined
        ? {
            downloadUrl: one.downloadUrl,
            expiresIn,
            ...nameFields(one),
            size: one.size,
          }
        : {}),
      downloadsRemaining: downloadsRemaining(record),
      downloads,
    },
  };
}
