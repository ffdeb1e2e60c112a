// The S3 ObjectCreated handler: the only way a share becomes `available`. It checks the stored object
// against what the client declared and deletes anything that does not belong. Safe to deliver twice.
import type { S3Event } from "aws-lambda";
import { Deps } from "./deps";
import { createLogger, Logger } from "./log";
import { deleteObject, headObject, idFromKey } from "./objects";
import { getRecord, isExpired, markAvailable } from "./records";

/** What happened to one object, for logs and tests. */
export type Outcome =
  "confirmed" | "already-confirmed" | "deleted-no-record" | "deleted-expired" | "deleted-mismatch" | "gone";

/** S3 event keys are URL-encoded with "+" for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

async function confirm(deps: Deps, key: string, log: Logger): Promise<Outcome> {
  const id = idFromKey(key);
  const record = id === undefined ? undefined : await getRecord(deps, id);
  if (id === undefined || record === undefined || record.status === "deleting") {
    await deleteObject(deps, key);
    log.warn("deleted an object with no record", { key: deps.fingerprint(key) });
    return "deleted-no-record";
  }
  if (record.status === "available") return "already-confirmed";
  if (isExpired(record, deps.now())) {
    await deleteObject(deps, key);
    log.warn("deleted an upload that arrived after its share expired", { file: deps.fingerprint(id) });
    return "deleted-expired";
  }
  const stored = await headObject(deps, key);
  if (stored === undefined) return "gone";
  if (stored.size !== record.size || stored.contentType !== record.contentType) {
    await deleteObject(deps, key);
    log.warn("deleted an upload that does not match its record", {
      file: deps.fingerprint(id),
      declared: { size: record.size, contentType: record.contentType },
      stored,
    });
    return "deleted-mismatch";
  }
  const changed = await markAvailable(deps, id, deps.now().toISOString());
  log.info(changed ? "upload confirmed" : "upload was already confirmed", {
    file: deps.fingerprint(id),
    size: stored.size,
  });
  return changed ? "confirmed" : "already-confirmed";
}

/** Handles one S3 notification; throws (so Lambda retries) only when a dependency failed. */
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
    outcomes.push(await confirm(deps, decodeS3Key(record.s3.object.key), log));
  }
  return outcomes;
}
