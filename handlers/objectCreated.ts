// The S3 ObjectCreated handler: the only way a file, and then its share, becomes `available`. It checks the stored
// object against what the client declared and deletes anything that does not belong. Safe to deliver twice.
// It knows a share only by its key name (the object key holds no id), which is enough: records are keyed by it,
// and a share's log fingerprint is that of its key name.
import type { S3Event } from "aws-lambda";
import { AuditEvent, emitAudit, shareFields } from "./audit";
import { Deps } from "./deps";
import { uploadOfKey } from "./ids";
import { createLogger, Logger } from "./log";
import { deleteObject, headObject, StoredObject } from "./objects";
import { getFileOf, hasFileItems, markFileAvailable, markFileRejected, ShareFile } from "./store/shareFiles";
import { getRecord, isExpired } from "./store/records";

/** What happened to one object, for logs and tests. */
export type Outcome =
  "confirmed" | "already-confirmed" | "deleted-no-record" | "deleted-expired" | "deleted-mismatch" | "gone";

/** S3 event keys are URL-encoded with "+" for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** Why a stored object is not what was declared (empty when it is): a size, type, or a header the uploader
 *  added unsigned (Content-Encoding: gzip turns a small upload into a decompression bomb; a redirect or
 *  metadata would be served back with the file). */
export function mismatches(file: Pick<ShareFile, "size" | "contentType">, stored: StoredObject): string[] {
  const reasons: string[] = [];
  if (stored.size !== file.size) reasons.push(`size ${stored.size} is not the declared ${file.size}`);
  if (stored.contentType !== file.contentType) reasons.push("content type differs from the declared one");
  for (const name of Object.keys(stored.undeclared)) reasons.push(`undeclared ${name}`);
  return reasons;
}

async function confirm(deps: Deps, key: string, log: Logger, requestId: string): Promise<Outcome> {
  // The share's key name, and the file's number when the share has several (uploads/<key name>/<k>).
  const upload = uploadOfKey(key);
  const keyName = upload?.keyName;
  const record = keyName === undefined ? undefined : await getRecord(deps, keyName);
  // The file this key is: a numbered key only for a share of several files, the plain key only for one file.
  const numbered = upload?.file !== undefined;
  const file =
    record === undefined || record.status === "deleting" || numbered !== hasFileItems(record)
      ? undefined
      : await getFileOf(deps, record, upload?.file ?? 1);
  // Audit events name the share (and its owner) by the record; fingerprints only, never the key.
  const audit = (type: AuditEvent["type"], fields: Partial<AuditEvent>) =>
    emitAudit(deps, log, { type, file: deps.fingerprint(keyName ?? key), requestId, ...fields });
  if (keyName === undefined || record === undefined || file === undefined || file.fileKey !== key) {
    await deleteObject(deps, key);
    log.warn("deleted an object with no record", { key: deps.fingerprint(keyName ?? key) });
    // An object for a key our API never made has no share to speak of: only a share's key name is audited.
    if (keyName !== undefined) await audit("share.rejected", { reason: "no-record" });
    return "deleted-no-record";
  }
  const number = hasFileItems(record) ? { number: file.file } : {};
  if (file.status === "available") return "already-confirmed";
  if (isExpired(record, deps.now())) {
    await deleteObject(deps, key);
    log.warn("deleted an upload that arrived after its share expired", { file: deps.fingerprint(keyName), ...number });
    await audit("share.rejected", { ...shareFields(record), reason: "expired" });
    return "deleted-expired";
  }
  const stored = await headObject(deps, key);
  if (stored === undefined) return "gone";
  const reasons = mismatches(file, stored);
  if (reasons.length > 0) {
    await deleteObject(deps, key);
    // The file shows `rejected` with the reasons, and the share stays pending: the same upload URL, or a fresh one
    // (POST /uploads/{id}/url), may be used again with exactly the declared headers.
    await markFileRejected(deps, record, file.file, reasons.join("; "));
    log.warn("deleted an upload that does not match its record", {
      file: deps.fingerprint(keyName),
      ...number,
      reasons,
      declared: { size: file.size, contentType: file.contentType },
      // Header names only: their values are the uploader's text.
      stored: { size: stored.size, contentType: stored.contentType, undeclared: Object.keys(stored.undeclared) },
    });
    await audit("share.rejected", { ...shareFields(record), reason: "mismatch" });
    return "deleted-mismatch";
  }
  const changed = await markFileAvailable(deps, record, file.file, deps.now().toISOString());
  log.info(changed.file ? "upload confirmed" : "upload was already confirmed", {
    file: deps.fingerprint(keyName),
    ...number,
    size: stored.size,
    ...(hasFileItems(record) ? { shareAvailable: changed.share } : {}),
  });
  // Only the delivery that made the share available says so (once, for the last of its files): a re-delivered
  // event is no second confirmation.
  if (changed.share) {
    await audit("share.confirmed", { ...shareFields(record), multipart: file.multipart !== undefined });
  }
  return changed.file ? "confirmed" : "already-confirmed";
}

/** Handles one S3 notification. Throws when S3 or DynamoDB failed, so Lambda retries the event and finally keeps
 *  it in the failure queue (infra/uploadEvents.ts); returns only when every object has a final outcome. */
export async function handleObjectCreated(
  event: S3Event,
  context: { awsRequestId: string },
  deps: Deps,
): Promise<Outcome[]> {
  const log = createLogger({ requestId: context.awsRequestId });
  const outcomes: Outcome[] = [];
  for (const record of event.Records ?? []) {
    if (record.s3?.bucket?.name !== deps.config.bucketName) {
      log.warn("ignored an event for another bucket", { bucket: record.s3?.bucket?.name });
      continue;
    }
    outcomes.push(await confirm(deps, decodeS3Key(record.s3.object.key), log, context.awsRequestId));
  }
  return outcomes;
}
