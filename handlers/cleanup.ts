// The clean-up ("expiry means deletion"): removes shares that expired, whose last download URL expired, whose
// upload never arrived or whose DELETE never finished, and objects that have no record. Due shares come from the
// sparse sweep index (a Query per shard, never a Scan); objects without a record from a bounded listing of uploads/.
// Each share is claimed by one conditional write before anything is removed, so runs may overlap (a retried
// schedule, the local timer): each thing is removed by exactly one of them. It never knows a share's id: records
// and objects are both named by the share's key name (handlers/ids.ts). Should removing an object fail, the
// claim is released and the record stays, so the next run tries again.
import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { emitAudit, shareFields } from "./audit";
import { Deps } from "./deps";
import { describeError, Logger } from "./log";
import { fileKeyOf, KeyName, keyNameFromKey, UPLOAD_PREFIX } from "./ids";
import { abortMultipartUpload } from "./multipart";
import { headObject } from "./objects";
import { ALL_SWEEP_SHARDS, deleteRecordIf, FileRecord, getRecord, isExpired, sweepShardOf } from "./records";
import { SWEEP_AT_ATTRIBUTE, SWEEP_INDEX, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY } from "../config/table";
import { abortMultipartUploads, deleteAllVersions, listUploadKeys } from "./versions";

/** How long a claim keeps other runs away from a share: longer than one run may take (its Lambda timeout). */
export const CLAIM_SECONDS = 300;

/** Why a share was removed. */
export type Reason = "expired" | "exhausted" | "upload-never-arrived" | "delete-unfinished" | "object-without-record";

/** One removal, as logged: the fingerprint of the share's key name, the same its other log lines carry. */
export interface Removal {
  reason: Reason;
  file: string;
  /** Object versions (and delete markers) deleted. */
  versions: number;
  abortedUploads: number;
}

export interface CleanupReport {
  removed: Removal[];
  /** Shares this run claimed but could not remove (left for the next run). */
  failed: number;
}

export interface CleanupOptions {
  /** At most this many shares and this many listed objects per run. */
  limit: number;
  log: Logger;
  /** The invocation, named in the audit events (the scheduled function's request id). */
  requestId?: string;
}

const isConditionFailure = (e: unknown) => e instanceof Error && e.name === "ConditionalCheckFailedException";
const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** The message of a run's summary line (npm start's terminal shows it only when the run removed something). */
export const CLEANUP_FINISHED = "clean-up run finished";

/** One clean-up run. Throws only when it could not even look for work (the index or the bucket listing failed). */
export async function runCleanup(deps: Deps, options: CleanupOptions): Promise<CleanupReport> {
  const runId = deps.random(12);
  const report: CleanupReport = { removed: [], failed: 0 };
  for (const keyName of await dueKeyNames(deps, options.limit)) {
    const claimed = await claimDueShare(deps, keyName, runId);
    if (claimed !== undefined) await remove(deps, claimed, reasonFor(claimed, deps.now()), runId, report, options);
  }
  // A random place to start, so that runs limited to a few keys still reach every key in time.
  const startAfter = `${UPLOAD_PREFIX}${deps.random(1).slice(0, 1)}`;
  for (const key of await listUploadKeys(deps, options.limit, startAfter)) {
    const keyName = keyNameFromKey(key);
    if (keyName === undefined) continue; // not a key our API can create; the lifecycle rule expires it
    if ((await getRecord(deps, keyName)) !== undefined) continue; // its record's own schedule covers it
    const claimed = await claimOrphanObject(deps, keyName, runId);
    if (claimed === undefined) continue;
    // Listed before another run (or a DELETE) removed it with its record: nothing left to remove but our claim.
    // Records are deleted after their objects, so with the record gone a present object really is an orphan.
    if ((await headObject(deps, key)) === undefined) await deleteClaimedRecord(deps, keyName, runId);
    else await remove(deps, claimed, "object-without-record", runId, report, options);
  }
  options.log.info(CLEANUP_FINISHED, { removed: report.removed.length, failed: report.failed });
  return report;
}

/** The key names of at most `limit` shares due for removal, oldest first: every shard (ALL_SWEEP_SHARDS, not
 *  just those the current sweepShards writes) is read in parallel, each paged up to `limit`, then merged. */
async function dueKeyNames(deps: Deps, limit: number): Promise<KeyName[]> {
  const now = epoch(deps.now());
  const shards = await Promise.all(ALL_SWEEP_SHARDS.map((shard) => dueInShard(deps, shard, now, limit)));
  return shards
    .flat()
    .sort((a, b) => a.sweepAt - b.sweepAt)
    .slice(0, limit)
    .map((due) => due.keyName);
}

/** The first `limit` due entries of one shard, following the Query's pages. */
async function dueInShard(
  deps: Deps,
  shard: string,
  now: number,
  limit: number,
): Promise<{ keyName: KeyName; sweepAt: number }[]> {
  const due: { keyName: KeyName; sweepAt: number }[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await deps.db.send(
      new QueryCommand({
        TableName: deps.config.tableName,
        IndexName: SWEEP_INDEX,
        KeyConditionExpression: "#shard = :shard AND #sweep <= :now",
        ExpressionAttributeNames: { "#shard": SWEEP_SHARD_ATTRIBUTE, "#sweep": SWEEP_AT_ATTRIBUTE },
        ExpressionAttributeValues: { ":shard": shard, ":now": now },
        Limit: limit - due.length,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      due.push({ keyName: String(item[TABLE_KEY]) as KeyName, sweepAt: Number(item[SWEEP_AT_ATTRIBUTE]) });
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined && due.length < limit);
  return due;
}

/** Takes a due share for this run: marks it `deleting` (gone for everyone from now on) unless another run holds
 *  it or it is no longer due (confirmed, or a download given back, since the index was read). Returns the record
 *  as it was, or undefined when this run did not get it. */
async function claimDueShare(deps: Deps, keyName: KeyName, runId: string): Promise<FileRecord | undefined> {
  const now = epoch(deps.now());
  try {
    const out = await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "SET #status = :deleting, #claimBy = :me, #claimUntil = :until",
        ConditionExpression: "#sweep <= :now AND (attribute_not_exists(#claimUntil) OR #claimUntil < :now)",
        ExpressionAttributeNames: {
          "#status": "status",
          "#claimBy": "sweepClaimBy",
          "#claimUntil": "sweepClaimUntil",
          "#sweep": SWEEP_AT_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ":deleting": "deleting",
          ":me": runId,
          ":until": now + CLAIM_SECONDS,
          ":now": now,
        },
        ReturnValues: "ALL_OLD",
      }),
    );
    return out.Attributes as FileRecord;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

/** Takes an object that has no record, by writing a claimed `deleting` record for it (which only one run can do).
 *  Should this run then fail, the record is an ordinary unfinished delete that a later run removes. */
async function claimOrphanObject(deps: Deps, keyName: KeyName, runId: string): Promise<FileRecord | undefined> {
  const now = epoch(deps.now());
  const record = {
    [TABLE_KEY]: keyName,
    fileKey: fileKeyOf(keyName),
    status: "deleting",
    deleteTokenHash: "", // no token can match it: a DELETE of its share gets 403, never a crash
    createdAt: deps.now().toISOString(),
    // TTL removes the claim record too, should every run fail.
    expiresAtEpoch: now + CLAIM_SECONDS,
    [SWEEP_SHARD_ATTRIBUTE]: sweepShardOf(keyName, deps.config.sweepShards),
    [SWEEP_AT_ATTRIBUTE]: now,
    sweepClaimBy: runId,
    sweepClaimUntil: now + CLAIM_SECONDS,
  };
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: record,
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": TABLE_KEY },
      }),
    );
    return record as unknown as FileRecord;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

function reasonFor(record: FileRecord, now: Date): Reason {
  if (record.status === "deleting") return "delete-unfinished";
  if (isExpired(record, now)) return "expired";
  return record.status === "pending" ? "upload-never-arrived" : "exhausted";
}

/** Aborts open uploads, deletes every object version, then the record (only while this run's claim holds). */
async function remove(
  deps: Deps,
  record: FileRecord,
  reason: Reason,
  runId: string,
  report: CleanupReport,
  options: CleanupOptions,
): Promise<void> {
  const log = options.log;
  const file = deps.fingerprint(record.id);
  try {
    // The share's own upload by its id, then any other upload of the key (one begun outside the record).
    const open = record.multipart !== undefined && record.multipart.completedAt === undefined;
    if (open) await abortMultipartUpload(deps, { key: record.fileKey, uploadId: record.multipart!.uploadId });
    const abortedUploads = (open ? 1 : 0) + (await abortMultipartUploads(deps, record.fileKey));
    const versions = await deleteAllVersions(deps, record.fileKey);
    if (!(await deleteClaimedRecord(deps, record.id, runId))) {
      log.info("share was removed by someone else meanwhile", { reason, file });
      return;
    }
    const removal = { reason, file, versions, abortedUploads };
    report.removed.push(removal);
    log.info("share removed", { ...removal });
    // The record as it was before the claim: owner, size and downloads left when it went.
    await emitAudit(deps, log, {
      type: "share.removed",
      file,
      requestId: options.requestId,
      ...shareFields(record),
      reason,
    });
  } catch (e) {
    report.failed++;
    log.error("share not removed; the next run retries", { reason, file, ...describeError(e) });
    await releaseClaim(deps, record.id, runId).catch(() => undefined); // else the claim lapses by itself
  }
}

/** Deletes the record if this run's claim still holds; false when it was gone or taken (an owner's DELETE). */
function deleteClaimedRecord(deps: Deps, keyName: KeyName, runId: string): Promise<boolean> {
  return deleteRecordIf(deps, keyName, "sweepClaimBy", runId);
}

async function releaseClaim(deps: Deps, keyName: KeyName, runId: string): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.config.tableName,
      Key: { [TABLE_KEY]: keyName },
      UpdateExpression: "REMOVE #claimBy, #claimUntil",
      ConditionExpression: "#claimBy = :me",
      ExpressionAttributeNames: { "#claimBy": "sweepClaimBy", "#claimUntil": "sweepClaimUntil" },
      ExpressionAttributeValues: { ":me": runId },
    }),
  );
}
