// The S3 ObjectCreated handler: the only way a share becomes `available`. It checks the stored object
// against what the client declared and deletes anything that does not belong. Safe to deliver twice.
// It knows a share only by its key name (the object key holds no id), which is enough: records are keyed by it,
// and a share's log fingerprint is that of its key name.
import type { S3Event } from "aws-lambda";
import { AuditEvent, emitAudit, shareFields } from "./audit";
import { Deps } from "./deps";
import { keyNameFromKey } from "./ids";
import { createLogger, Logger } from "./log";
import { deleteObject, headObject, StoredObject } from "./objects";
import { FileRecord, getRecord, isExpired, markAvailable } from "./records";

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
export function mismatches(record: FileRecord, stored: StoredObject): string[] {
  const reasons: string[] = [];
  if (stored.size !== record.size) reasons.push(`size ${stored.size} is not the declared ${record.size}`);
  if (stored.contentType !== record.contentType) reasons.push("content type differs from the declared one");
  for (const name of Object.keys(stored.undeclared)) reasons.push(`undeclared ${name}`);
  return reasons;
}

async function confirm(deps: Deps, key: string, log: Logger, requestId: string): Promise<Outcome> {
  const keyName = keyNameFromKey(key);
  const record = keyName === undefined ? undefined : await getRecord(deps, keyName);
  // Audit events name the share (and its owner) by the record; fingerprints only, never the key.
  const audit = (type: AuditEvent["type"], fields: Partial<AuditEvent>) =>
    emitAudit(deps, log, { type, file: deps.fingerprint(keyName ?? key), requestId, ...fields });
  if (keyName === undefined || record === undefined || record.status === "deleting") {
    await deleteObject(deps, key);
    log.warn("deleted an object with no record", { key: deps.fingerprint(keyName ?? key) });
    // An object for a key our API never made has no share to speak of: only a share's key name is audited.
    if (keyName !== undefined) await audit("share.rejected", { reason: "no-record" });
    return "deleted-no-record";
  }
  if (record.status === "available") return "already-confirmed";
  if (isExpired(record, deps.now())) {
    await deleteObject(deps, key);
    log.warn("deleted an upload that arrived after its share expired", { file: deps.fingerprint(keyName) });
    await audit("share.rejected", { ...shareFields(record), reason: "expired" });
    return "deleted-expired";
  }
  const stored = await headObject(deps, key);
  if (stored === undefined) return "gone";
  const reasons = mismatches(record, stored);
  if (reasons.length > 0) {
    await deleteObject(deps, key);
    // The share stays pending: the same upload URL may be used again with exactly the declared headers.
    log.warn("deleted an upload that does not match its record", {
      file: deps.fingerprint(keyName),
      reasons,
      declared: { size: record.size, contentType: record.contentType },
      // Header names only: their values are the uploader's text.
      stored: { size: stored.size, contentType: stored.contentType, undeclared: Object.keys(stored.undeclared) },
    });
    await audit("share.rejected", { ...shareFields(record), reason: "mismatch" });
    return "deleted-mismatch";
  }
  const changed = await markAvailable(deps, keyName, deps.now().toISOString());
  log.info(changed ? "upload confirmed" : "upload was already confirmed", {
    file: deps.fingerprint(keyName),
    size: stored.size,
  });
  // Only the delivery that changed the record says so: a re-delivered event is no second confirmation.
  if (changed) await audit("share.confirmed", { ...shareFields(record), multipart: record.multipart !== undefined });
  return changed ? "confirmed" : "already-confirmed";
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
