// POST /shares (docs/api.md v1.2): one share of 1 to maxFilesPerShare files, each a single PUT or a multipart upload
// by its size. Everything is checked before anything is stored or signed; nothing of the bytes passes through here.
import { emitAudit, shareFields } from "../audit";
import { signedInUser } from "../auth";
import { Deps } from "../deps";
import { unauthorized } from "../errors";
import { ApiRequest, ApiResponse, callerFields, parseJsonObject } from "../http";
import { fileItemKeyOf, fileKeyOf, keyNameFor, shareFileKeyOf } from "../ids";
import { newShareRecord } from "../newShare";
import { abortMultipartUpload, createMultipartUpload } from "../multipart";
import { planParts } from "../../contract/parts";
import { signUpload } from "../objects";
import { FileItem, putShare } from "../store/shareFiles";
import { epoch, FileRecord, MultipartState, pendingSweepAt, putRecord } from "../store/records";
import { FileSpec, parseShareRequest } from "../validation";

/** How many S3 calls (CreateMultipartUpload, AbortMultipartUpload) one request makes at a time. */
const S3_CONCURRENCY = 8;

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function createShare(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  // A token, when sent, must be good even where sign-in is optional: a bad one is a 401, never "anonymous".
  const user = await signedInUser(request, deps.verifyToken);
  if (user === undefined && deps.config.authUploadsRequireSignIn) {
    throw unauthorized("Sign in to share files on this service (send Authorization: Bearer <ID token>).");
  }
  const body = parseShareRequest(parseJsonObject(request), deps.config);
  const now = deps.now();
  const nowEpoch = epoch(now);
  const id = deps.random(16);
  const keyName = keyNameFor(id);
  const deleteToken = deps.random(32);
  const expiresAtEpoch = nowEpoch + body.expiresInSeconds;
  const several = body.files.length > 1;
  // A one-file share is stored as every share before (its file in the share item, its object at uploads/<key
  // name>); file k of a larger one has its own item and uploads/<key name>/<k> (docs/architecture.md).
  const keyOf = (file: number) => (several ? shareFileKeyOf(keyName, file) : fileKeyOf(keyName));
  const isMultipart = (f: FileSpec) => f.size > deps.config.multipartThresholdBytes;

  // Large files go up in parts: each gets its S3 upload now (the only S3 calls here; pre-signing is local).
  const multiparts = await startMultipartUploads(deps, body.files, keyOf, isMultipart);
  const uploadExpiresIn = Math.min(deps.config.uploadUrlTtlSeconds, body.expiresInSeconds);
  const share: FileRecord = {
    ...(await newShareRecord({ id, keyName, deleteToken, user, options: body, now, expiresAtEpoch })),
    ...(body.title !== undefined ? { title: body.title } : {}),
    ...(body.encryptedTitle !== undefined ? { encryptedTitle: body.encryptedTitle } : {}),
    // Part URLs may be used until the share expires; a share of single PUTs only waits for its URLs' lifetime.
    sweepAtEpoch: multiparts.some((m) => m !== undefined)
      ? expiresAtEpoch
      : pendingSweepAt(expiresAtEpoch, nowEpoch, uploadExpiresIn),
  };
  const files: FileItem[] = body.files.map((f, i) => ({
    id: fileItemKeyOf(keyName, i + 1),
    file: i + 1,
    fileKey: keyOf(i + 1),
    ...(f.fileName !== undefined ? { fileName: f.fileName } : {}),
    ...(f.encryptedMetadata !== undefined ? { encryptedMetadata: f.encryptedMetadata } : {}),
    contentType: f.contentType,
    size: f.size,
    ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
    status: "pending",
    ...(multiparts[i] !== undefined ? { multipart: multiparts[i] } : {}),
    expiresAtEpoch,
  }));
  const totalSize = files.reduce((sum, f) => sum + f.size, 0);
  try {
    if (several) {
      await putShare(
        deps,
        {
          ...share,
          fileCount: files.length,
          totalSize,
          pendingFiles: new Set(files.map((f) => f.file)),
        },
        files,
      );
    } else {
      // The one file inside the share item, as POST /uploads stores it.
      const { fileKey, fileName, encryptedMetadata, contentType, size, sha256, multipart } = files[0]!;
      await putRecord(deps, { ...share, fileKey, fileName, encryptedMetadata, contentType, size, sha256, multipart });
    }
  } catch (e) {
    // No share, or one the clean-up will find: either way nothing may use these uploads.
    await abortAll(deps, files).catch(() => undefined);
    throw e;
  }

  const answers = await Promise.all(
    files.map(async (f) => {
      if (f.multipart !== undefined) {
        return {
          file: f.file,
          method: "MULTIPART",
          multipart: { partSize: f.multipart.partSize, partCount: f.multipart.partCount },
        };
      }
      const signed = await signUpload(deps, f.fileKey, f, uploadExpiresIn);
      return {
        file: f.file,
        method: "PUT",
        uploadUrl: signed.url,
        headers: signed.headers,
        expiresIn: uploadExpiresIn,
      };
    }),
  );
  request.log.info("share created", {
    file: deps.fingerprint(keyName),
    files: files.length,
    size: totalSize,
    multipart: multiparts.filter((m) => m !== undefined).length,
  });
  await emitAudit(deps, request.log, {
    type: "share.created",
    file: deps.fingerprint(keyName),
    requestId: request.requestId,
    ...shareFields(
      several
        ? { ...share, fileCount: files.length, totalSize }
        : { ...share, size: totalSize, contentType: files[0]?.contentType },
    ),
    ...callerFields(request, deps.fingerprint),
    multipart: multiparts.some((m) => m !== undefined),
  });
  return {
    status: 201,
    body: {
      id,
      shareUrl: `${request.baseUrl}files/${id}`,
      deleteToken,
      expiresAt: share.expiresAt,
      files: answers,
    },
  };
}

/** The multipart upload of each file above the threshold (undefined for the others). Should one fail to start,
 *  those already started are aborted before the error goes on: nothing is stored yet. */
async function startMultipartUploads(
  deps: Deps,
  files: readonly FileSpec[],
  keyOf: (file: number) => string,
  isMultipart: (f: FileSpec) => boolean,
): Promise<(MultipartState | undefined)[]> {
  const started: { key: string; uploadId: string }[] = [];
  try {
    return await mapLimited(files, S3_CONCURRENCY, async (f, i) => {
      if (!isMultipart(f)) return undefined;
      const key = keyOf(i + 1);
      const uploadId = await createMultipartUpload(deps, key, f.contentType, f.checksumSha256);
      started.push({ key, uploadId });
      return { uploadId, ...planParts(f.size, deps.config.multipartPartSizeBytes), checksumSha256: f.checksumSha256 };
    });
  } catch (e) {
    await mapLimited(started, S3_CONCURRENCY, (target) => abortMultipartUpload(deps, target)).catch(() => undefined);
    throw e;
  }
}

/** Aborts the multipart uploads of files whose share could not be stored. */
async function abortAll(deps: Deps, files: readonly FileItem[]): Promise<void> {
  const open = files.flatMap((f) => (f.multipart ? [{ key: f.fileKey, uploadId: f.multipart.uploadId }] : []));
  await mapLimited(open, S3_CONCURRENCY, (target) => abortMultipartUpload(deps, target));
}
