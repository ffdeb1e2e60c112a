// The owner's side of a multipart upload (docs/api.md v1.1 "Large files"): part URLs, the parts S3 already holds
// (to resume), and completion after checking every part against what S3 holds. Each names its file of the share
// (v1.2 `file`, default 1, so v1.1 clients are unchanged).
import { Deps } from "../deps";
import { conflict, gone, HttpError, invalidRequest, notFound } from "../errors";
import { ApiRequest, ApiResponse, parseJsonObject } from "../http";
import { completeMultipartUpload, isNoSuchUpload, listParts, sameEtag, signPart, StoredPart } from "../multipart";
import { fileCountOf, getFileOf, markFileMultipartCompleted, ShareFile } from "../store/shareFiles";
import { epoch, FileRecord, getRecord, isExpired, MultipartState } from "../store/records";
import { parseFileNumber, parsePartList } from "../validation";
import { SHA256_BASE64 } from "../../contract/api";
import { MAX_PARTS, MAX_PARTS_PER_REQUEST, partLength } from "../../contract/parts";
import { assertOwner, fileIdOf, findRecord, loadShareView } from "../shareAccess";

type OpenUpload = {
  id: string;
  record: FileRecord;
  /** The file the request means (docs/api.md v1.2: `file`, default 1). */
  file: ShareFile;
  multipart: MultipartState;
  target: { key: string; uploadId: string };
};

/** File `fileNumber` of the share, after the owner proved the share is theirs, with its multipart upload open. */
async function openUpload(request: ApiRequest, deps: Deps, fileNumber: number): Promise<OpenUpload> {
  const id = fileIdOf(request);
  const record = await findRecord(deps, id);
  await assertOwner(request, record, deps);
  const file = await getFileOf(deps, record, fileNumber);
  if (file === undefined) throw notFound(`This share has no file ${fileNumber} (it has ${fileCountOf(record)}).`);
  const multipart = file.multipart;
  if (multipart === undefined) {
    throw notFound(
      "This file was not created as a multipart upload; upload it with the URL POST /uploads (or /shares) gave.",
    );
  }
  if (multipart.completedAt !== undefined) throw conflict("This upload is already complete.");
  if (isExpired(record, deps.now())) throw gone(`This share expired at ${record.expiresAt}; start a new upload.`);
  return { id, record, file, multipart, target: { key: file.fileKey, uploadId: multipart.uploadId } };
}

/** POST /uploads/{id}/parts: pre-signed UploadPart URLs, each for exactly its part's length (and SHA-256). */
export async function signUploadParts(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const body = parseJsonObject(request);
  const { record, file, multipart, target } = await openUpload(request, deps, parseFileNumber(body["file"]));
  const parts = parsePartList(body, multipart.partCount, "sha256", MAX_PARTS_PER_REQUEST);
  const missing = parts.find((p) => multipart.checksumSha256 && p.sha256 === undefined);
  if (missing) {
    throw invalidRequest(`part ${missing.partNumber}: this upload checks a SHA-256 per part; give its sha256.`);
  }
  const unexpected = parts.find((p) => !multipart.checksumSha256 && p.sha256 !== undefined);
  if (unexpected) {
    throw invalidRequest(
      `part ${unexpected.partNumber}: per-part sha256 needs "checksumAlgorithm": "SHA256" in POST /uploads; leave it out here.`,
    );
  }
  // A part URL never outlives its share.
  const left = record.expiresAtEpoch - epoch(deps.now());
  const expiresIn = Math.min(deps.config.uploadUrlTtlSeconds, left);
  const signed = await Promise.all(
    parts.map(async (p) => {
      const length = partLength(file.size, multipart, p.partNumber);
      const { url, headers } = await signPart(deps, target, { ...p, length }, expiresIn);
      return { partNumber: p.partNumber, url, headers };
    }),
  );
  return { status: 200, body: { parts: signed, expiresIn } };
}

/** What a client sees of a stored part. */
const partView = (p: StoredPart) => ({
  partNumber: p.partNumber,
  etag: p.etag,
  size: p.size,
  ...(p.sha256 !== undefined ? { sha256: p.sha256 } : {}),
});

/** GET /uploads/{id}/parts: the parts S3 already holds, so a client that lost its state can resume. */
export async function listUploadParts(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const { target } = await openUpload(request, deps, parseFileNumber(request.query["file"], "query"));
  try {
    return { status: 200, body: { parts: (await listParts(deps, target)).map(partView) } };
  } catch (e) {
    if (isNoSuchUpload(e)) throw conflict("This upload is no longer open (completed or aborted).");
    throw e;
  }
}

/** The first reason the client's list does not match the parts S3 holds, naming the part; or undefined. */
function firstBadPart(
  given: readonly { partNumber: number; etag?: string }[],
  stored: readonly StoredPart[],
  size: number,
  multipart: MultipartState,
): string | undefined {
  const held = new Map(stored.map((p) => [p.partNumber, p]));
  for (let n = 1; n <= multipart.partCount; n++) {
    const part = given[n - 1];
    if (part === undefined || part.partNumber !== n) {
      return `part ${n} is missing: list every part from 1 to ${multipart.partCount} once, in order.`;
    }
    const s3 = held.get(n);
    if (s3 === undefined) return `part ${n} has not been uploaded; upload it, then complete again.`;
    const want = partLength(size, multipart, n);
    if (s3.size !== want) return `part ${n} is ${s3.size} bytes but must be ${want}; upload it again.`;
    if (!sameEtag(s3.etag, part.etag ?? "")) {
      return `part ${n}: the ETag ${JSON.stringify(part.etag)} is not the part S3 holds; upload it again.`;
    }
  }
  if (given.length > multipart.partCount) {
    return `part ${given[multipart.partCount]?.partNumber} is extra: this upload has ${multipart.partCount} parts.`;
  }
  return undefined;
}

/** The part S3 names in its error (digits only: nothing else of S3's answer reaches the client), or "a part". */
function partNamedIn(e: Error): string {
  const n = (e as { PartNumber?: unknown }).PartNumber;
  return typeof n === "string" && /^\d{1,5}$/.test(n) ? `part ${n}` : "a part";
}

/** S3's refusals of CompleteMultipartUpload, as the client's error: the parts or the upload changed after the
 *  ListParts check (a part uploaded again, a concurrent complete or abort). Nothing was written, so a retry works. */
function refusedCompletion(e: unknown): HttpError | undefined {
  if (!(e instanceof Error)) return undefined;
  const relist = "list the parts (GET /uploads/{id}/parts), upload again any that changed, then complete again";
  switch (e.name) {
    case "NoSuchUpload":
      return conflict("This upload is no longer open (completed or aborted).");
    case "InvalidPart":
      return invalidRequest(`${partNamedIn(e)} is not the part S3 holds (uploaded again meanwhile?): ${relist}.`);
    case "EntityTooSmall":
      return invalidRequest(
        `${partNamedIn(e)} is smaller than S3's 5 MiB minimum for every part but the last: ${relist}.`,
      );
    case "InvalidPartOrder":
      return invalidRequest(`S3 refused the order of the parts: ${relist}.`);
    default:
      return undefined;
  }
}

/** The whole file's SHA-256 given at completion (optional), checked before anything changes: well-formed, and
 *  the same as the one POST /uploads recorded, if it recorded one. */
function wholeSha256(value: unknown, file: ShareFile): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !SHA256_BASE64.test(value)) {
    throw invalidRequest("sha256 must be the base64 encoding of the whole file's 32-byte SHA-256 (44 characters).");
  }
  if (file.sha256 !== undefined && file.sha256 !== value) {
    throw invalidRequest(
      "sha256 is not the SHA-256 given in POST /uploads: the file changed while it was sent; upload it again.",
    );
  }
  return value;
}

/** POST /uploads/{id}/complete: checks the parts against ListParts, then CompleteMultipartUpload. */
export async function completeUpload(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const body = parseJsonObject(request);
  const { id, record, file, multipart, target } = await openUpload(request, deps, parseFileNumber(body["file"]));
  const given = parsePartList(body, multipart.partCount, "etag", MAX_PARTS);
  const sha256 = wholeSha256(body["sha256"], file);
  let stored: StoredPart[];
  try {
    stored = await listParts(deps, target);
    const problem = firstBadPart(given, stored, file.size, multipart);
    if (problem !== undefined) throw invalidRequest(problem);
    await completeMultipartUpload(deps, target, stored);
  } catch (e) {
    throw refusedCompletion(e) ?? e;
  }
  if (!(await markFileMultipartCompleted(deps, record, file.file, deps.now().toISOString(), sha256))) {
    throw conflict("This upload was completed or deleted by another request.");
  }
  request.log.info("multipart upload completed", { file: deps.fingerprint(record.id), parts: multipart.partCount });
  // The S3 event may have confirmed it already; otherwise it is still pending.
  const current = (await getRecord(deps, record.id)) ?? record;
  return { status: 200, body: await loadShareView(deps, id, current) };
}
