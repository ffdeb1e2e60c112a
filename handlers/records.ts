// The record store: the file records in DynamoDB, one item per share (plus one per file for a share of several
// files), keyed by its key name (handlers/ids.ts), never by its id. This module is the only one that reads or writes a record (tests/unit/handlerImports.test.ts
// keeps every DynamoDB command here); everything else calls these typed operations with a StoreDeps:
//   a share's life   putRecord (create), getRecord, markAvailable, extendPendingSweep, markMultipartCompleted,
//                    consumeDownload / returnDownload (count a download, give it back), markDeleting, deleteRecord;
//   passwords        countPasswordAttempt / returnPasswordAttempt (the limit and window: handlers/passwords.ts);
//   an owner's list  listByOwner (GET /files, the owner index);
//   the clean-up     listDueKeyNames (the sweep index), claimDueShare, claimOrphanObject, deleteClaimedRecord,
//                    releaseClaim (handlers/cleanup.ts);
//   several files    putShare, getFiles / getFileOf (any share's files as ShareFile), markFileAvailable,
//                    markFileRejected, reopenFile, markFileMultipartCompleted, deleteFileItems (the file items
//                    of a share of several files: docs/architecture.md "Shares of several files").
// Every state change is one conditional write, so concurrent requests can never hand out more downloads than
// allowed; a condition that did not hold comes back as a result (false or undefined), not as an error (but
// putRecord throws when another share holds the key name).
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { MAX_SWEEP_SHARDS } from "../config/schema";
import type { RuntimeConfig } from "../config/runtime";
import {
  CREATED_AT_ATTRIBUTE,
  OWNER_ATTRIBUTE,
  OWNER_INDEX,
  SWEEP_AT_ATTRIBUTE,
  SWEEP_INDEX,
  SWEEP_SHARD_ATTRIBUTE,
  TABLE_KEY,
  TTL_ATTRIBUTE,
} from "../config/table";
import { fileItemKeyOf, KeyName } from "./ids";

/** The one shard every share had before the index was sharded: still swept, so no older share is stranded. */
export const LEGACY_SWEEP_SHARD = "live";
/** Every shard value a record can carry, whatever sweepShards is or was: "0" to MAX_SWEEP_SHARDS - 1, and the
 *  legacy one. The clean-up reads them all, so changing sweepShards (either way) loses nothing. */
export const ALL_SWEEP_SHARDS: readonly string[] = [
  LEGACY_SWEEP_SHARD,
  ...Array.from({ length: MAX_SWEEP_SHARDS }, (_, i) => String(i)),
];

/** A share's sweep shard: the first 48 bits of its key name (uniform: it is a SHA-256) modulo `shards`. */
export function sweepShardOf(keyName: KeyName, shards: number): string {
  const bits = Buffer.from(keyName.slice(0, 8), "base64url").readUIntBE(0, 6);
  return String(bits % Math.min(Math.max(1, shards), MAX_SWEEP_SHARDS));
}
/** Time a record in `deleting` gets to finish its own DELETE before the clean-up takes over, in seconds. */
export const DELETING_GRACE_SECONDS = 60;
/** Time after its upload URL expired that a still-pending share is kept: a PUT begun just before the URL expired
 *  may still be streaming (S3 checks the expiry when the request starts), in seconds. */
export const PENDING_GRACE_SECONDS = 600;

/** When the clean-up should remove a new (pending) share: when it expires, or when its upload can no longer arrive. */
export function pendingSweepAt(expiresAtEpoch: number, nowEpoch: number, uploadUrlTtlSeconds: number): number {
  return Math.min(expiresAtEpoch, nowEpoch + uploadUrlTtlSeconds + PENDING_GRACE_SECONDS);
}

/** `deleting`: a DELETE has begun; the share is gone for everyone, and a retried DELETE finishes the job. */
export type FileStatus = "pending" | "available" | "deleting";

/** One share, as stored. */
export interface FileRecord {
  /** TABLE_KEY: the key name, never the share id (see TABLE_KEY). */
  id: KeyName;
  /** The share id, kept only where something must hand it back: an owner's share, for the links of GET /files.
   *  Anonymous shares never store it. */
  shareId?: string;
  // The file of a one-file share (and of every share stored before shares of several files). Absent on a share
  // of several files, whose files are items of their own (FileItem).
  fileKey?: string;
  fileName?: string;
  contentType?: string;
  size?: number;
  /** Base64 SHA-256 the client declared, when it did. */
  sha256?: string;
  /** Why the one file's object was refused (it was deleted; the share stays pending until it is sent again). */
  rejectedReason?: string;
  /** The share's title (POST /shares), trimmed and NFC-normalised. */
  title?: string;
  /** A share of several files: how many (2 or more; absent = 1), their total size, and the numbers of those S3
   *  has not confirmed yet (a number set; DynamoDB drops it with its last element). */
  fileCount?: number;
  totalSize?: number;
  pendingFiles?: Set<number>;
  status: FileStatus;
  createdAt: string;
  /** When S3 confirmed the upload. */
  uploadedAt?: string;
  expiresAt: string;
  expiresAtEpoch: number;
  downloads: number;
  /** Absent = unlimited. */
  maxDownloads?: number;
  /** SHA-256 (hex) of the delete token; the token itself is never stored. */
  deleteTokenHash: string;
  /** The signed-in creator's `sub` (absent for anonymous shares). */
  owner?: string;
  /** The creator's verified email, when the token had one. */
  ownerEmail?: string;
  /** scrypt hash of the share's password (handlers/passwords.ts); absent = no password. */
  passwordHash?: string;
  /** Password attempts counted in the current window, and when that window ends (epoch seconds). */
  passwordAttempts?: number;
  passwordWindowEndsEpoch?: number;
  /** Emails allowed to see and download, A-Z lowered (handlers/auth.ts emailMatchKey); absent = anyone with the link. */
  recipients?: string[];
  /** The record's sweep shard (sweepShardOf; "live" on older records): puts the record in the sweep index.
   *  putRecord sets it for every record that has a sweepAtEpoch. */
  sweepShard?: string;
  /** Epoch seconds after which the clean-up removes the share (see SWEEP_INDEX). */
  sweepAtEpoch?: number;
  /** Set when the file goes up as an S3 multipart upload. */
  multipart?: MultipartState;
  /** The clean-up run that claimed the share for removal (claimDueShare), and until when (epoch seconds). */
  sweepClaimBy?: string;
  sweepClaimUntil?: number;
}

/** Downloads left, or null when unlimited. */
export function downloadsRemaining(record: Pick<FileRecord, "downloads" | "maxDownloads">): number | null {
  return record.maxDownloads === undefined ? null : Math.max(0, record.maxDownloads - record.downloads);
}

/** A multipart upload's plan and progress. */
export interface MultipartState {
  uploadId: string;
  partSize: number;
  partCount: number;
  /** The client gives a SHA-256 per part, which S3 checks. */
  checksumSha256: boolean;
  /** When CompleteMultipartUpload succeeded; from then on the upload is closed. */
  completedAt?: string;
}

/** What the record store needs (a part of handlers/deps.ts Deps): the table, its client and the clock. */
export interface StoreDeps {
  db: DynamoDBDocumentClient;
  config: Pick<RuntimeConfig, "tableName" | "sweepShards" | "downloadUrlTtlSeconds">;
  now: () => Date;
}

/** DynamoDB's answer to a write whose condition did not hold (the one error the store turns into a result). */
const isConditionFailure = (e: unknown) => e instanceof Error && e.name === "ConditionalCheckFailedException";

/** Puts an item that must not exist yet; false when one with its key already does. */
async function putNew(deps: StoreDeps, item: FileRecord): Promise<boolean> {
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": TABLE_KEY },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Stores a new record; fails rather than overwrite an existing one. */
export async function putRecord(deps: StoreDeps, record: FileRecord): Promise<void> {
  if (await putNew(deps, withSweepShard(deps, record))) return;
  // The SDK retries a write whose answer was lost (a 5xx or a timeout after DynamoDB wrote it): the retry then
  // finds the item and fails its condition. Ours, if it holds our delete token's hash (128 random bits each).
  const stored = await getRecord(deps, record.id);
  if (stored?.deleteTokenHash !== record.deleteTokenHash) {
    throw Object.assign(new Error("Another record already has this key name (this was not a retry of our write)."), {
      name: "ConditionalCheckFailedException",
    });
  }
}

/** The record with its sweep shard, when it is to be swept. */
function withSweepShard(deps: Pick<StoreDeps, "config">, record: FileRecord): FileRecord {
  if (record.sweepAtEpoch === undefined) return record;
  return { ...record, sweepShard: sweepShardOf(record.id, deps.config.sweepShards) };
}

/** Reads a record (strongly consistent, so a just-confirmed upload is seen at once). */
export async function getRecord(deps: StoreDeps, keyName: KeyName): Promise<FileRecord | undefined> {
  const out = await deps.db.send(
    new GetCommand({ TableName: deps.config.tableName, Key: { [TABLE_KEY]: keyName }, ConsistentRead: true }),
  );
  return out.Item as FileRecord | undefined;
}

/** True when the share has passed its expiry (TTL deletion is lazy, so expired items may still be read). */
export function isExpired(record: Pick<FileRecord, "expiresAtEpoch">, now: Date): boolean {
  return record.expiresAtEpoch * 1000 <= now.getTime();
}

/**
 * Takes one download in a single conditional write: the record must exist, be available, not be expired and
 * have downloads left. Returns the updated record, or undefined when the condition failed (the caller
 * reads the record to say why). `expiresAtEpoch` is the share's expiry as the caller read it (it never changes).
 */
export async function consumeDownload(
  deps: StoreDeps,
  keyName: KeyName,
  expiresAtEpoch: number,
): Promise<FileRecord | undefined> {
  const now = Math.floor(deps.now().getTime() / 1000);
  // A URL handed out in the share's last moments outlives it: its bytes stay until every such URL has expired.
  // One value for every late download (not now + TTL), so concurrent writes cannot move the sweep back.
  const outlivesShare = now + deps.config.downloadUrlTtlSeconds >= expiresAtEpoch;
  try {
    const out = await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: outlivesShare ? "ADD #downloads :one SET #sweep = :afterLastUrl" : "ADD #downloads :one",
        ConditionExpression:
          "attribute_exists(#id) AND #status = :available AND #expires > :now AND (attribute_not_exists(#max) OR #downloads < #max)",
        ExpressionAttributeNames: {
          "#id": TABLE_KEY,
          "#downloads": "downloads",
          "#status": "status",
          "#expires": TTL_ATTRIBUTE,
          "#max": "maxDownloads",
          ...(outlivesShare ? { "#sweep": SWEEP_AT_ATTRIBUTE } : {}),
        },
        ExpressionAttributeValues: {
          ":one": 1,
          ":available": "available",
          ":now": now,
          ...(outlivesShare ? { ":afterLastUrl": expiresAtEpoch + deps.config.downloadUrlTtlSeconds + 1 } : {}),
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    const record = out.Attributes as FileRecord;
    if (record.maxDownloads !== undefined && record.downloads >= record.maxDownloads) {
      await sweepWhenLastUrlExpires(deps, keyName);
    }
    return record;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

/** The last download went out: the share can be removed once that download's URL has expired. Should this write
 *  fail, the share is still removed at its expiry. */
async function sweepWhenLastUrlExpires(deps: StoreDeps, keyName: KeyName): Promise<void> {
  const at = Math.floor(deps.now().getTime() / 1000) + deps.config.downloadUrlTtlSeconds + 1;
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "SET #sweep = :at",
        ConditionExpression: "#sweep > :at",
        ExpressionAttributeNames: { "#sweep": SWEEP_AT_ATTRIBUTE },
        ExpressionAttributeValues: { ":at": at },
      }),
    );
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
}

/** Gives back a download taken by consumeDownload when no URL could be handed out for it. */
export async function returnDownload(deps: StoreDeps, keyName: KeyName): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.config.tableName,
      Key: { [TABLE_KEY]: keyName },
      // A download given back means the share is not exhausted after all: it lives until it expires again.
      UpdateExpression: "ADD #downloads :minusOne SET #sweep = #expires",
      ConditionExpression: "#downloads > :zero AND attribute_exists(#sweep)",
      ExpressionAttributeNames: { "#downloads": "downloads", "#sweep": SWEEP_AT_ATTRIBUTE, "#expires": TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
    }),
  );
}

/** Marks a record as being deleted, if its delete-token hash is still the one the caller checked. From then
 *  on no download is handed out (consumeDownload needs `available`), even if deleting the object fails.
 *  Returns false when the record is gone (a concurrent DELETE finished first) or its hash changed. */
export async function markDeleting(deps: StoreDeps, keyName: KeyName, deleteTokenHash: string): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        // Should this DELETE not finish, the clean-up finishes it after a short grace.
        UpdateExpression: "SET #status = :deleting, #shard = :shard, #sweep = :sweepAt",
        ConditionExpression: "#hash = :hash",
        ExpressionAttributeNames: {
          "#status": "status",
          "#hash": "deleteTokenHash",
          "#shard": SWEEP_SHARD_ATTRIBUTE,
          "#sweep": SWEEP_AT_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ":deleting": "deleting",
          ":hash": deleteTokenHash,
          ":shard": sweepShardOf(keyName, deps.config.sweepShards),
          ":sweepAt": Math.floor(deps.now().getTime() / 1000) + DELETING_GRACE_SECONDS,
        },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Moves a pending share's removal to `sweepAtEpoch` (a fresh upload URL was handed out). Returns false when the
 *  share is no longer pending: uploaded, or claimed by a DELETE or the clean-up. */
export async function extendPendingSweep(deps: StoreDeps, keyName: KeyName, sweepAtEpoch: number): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "SET #sweep = :at",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status", "#sweep": SWEEP_AT_ATTRIBUTE },
        ExpressionAttributeValues: { ":pending": "pending", ":at": sweepAtEpoch },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Marks a pending record available. Returns false when it was not pending (already confirmed, or gone),
 *  which makes a repeated S3 event a no-op. */
export async function markAvailable(deps: StoreDeps, keyName: KeyName, uploadedAt: string): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        // Confirmed: the share now lives until it expires (or its downloads are used up).
        UpdateExpression: "SET #status = :available, #uploadedAt = :uploadedAt, #sweep = #expires",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: {
          "#status": "status",
          "#uploadedAt": "uploadedAt",
          "#sweep": SWEEP_AT_ATTRIBUTE,
          "#expires": TTL_ATTRIBUTE,
        },
        ExpressionAttributeValues: { ":available": "available", ":pending": "pending", ":uploadedAt": uploadedAt },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Records that the multipart upload was completed. Returns false when it already was, or the share is being
 *  deleted: a concurrent `complete` or DELETE got there first. */
export async function markMultipartCompleted(deps: StoreDeps, keyName: KeyName, completedAt: string): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "SET #multipart.#completedAt = :completedAt",
        ConditionExpression:
          "attribute_exists(#multipart) AND attribute_not_exists(#multipart.#completedAt) AND #status <> :deleting",
        ExpressionAttributeNames: { "#multipart": "multipart", "#completedAt": "completedAt", "#status": "status" },
        ExpressionAttributeValues: { ":completedAt": completedAt, ":deleting": "deleting" },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Deletes a record only if `attribute` still holds `value`; false when it was gone or changed meanwhile. */
async function deleteRecordIf(
  deps: StoreDeps,
  keyName: KeyName,
  attribute: "deleteTokenHash" | "sweepClaimBy",
  value: string,
): Promise<boolean> {
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        ConditionExpression: "#attribute = :value",
        ExpressionAttributeNames: { "#attribute": attribute },
        ExpressionAttributeValues: { ":value": value },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Deletes a record only if its delete-token hash is still the one the caller checked. Returns false when it was
 *  already gone: of concurrent DELETEs (or a DELETE and the clean-up) exactly one removes the record. */
export async function deleteRecord(deps: StoreDeps, keyName: KeyName, deleteTokenHash: string): Promise<boolean> {
  return deleteRecordIf(deps, keyName, "deleteTokenHash", deleteTokenHash);
}

// The clean-up's operations (handlers/cleanup.ts): due shares from the sweep index, claims, and removal.

/** How long a claim keeps other runs away from a share: longer than one run may take (its Lambda timeout). */
export const CLAIM_SECONDS = 300;

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** What the clean-up claimed: a share's record as it was, or the claim record written for an object without one
 *  (which has only the fields below). */
export type ClaimedShare = Pick<FileRecord, "id" | "fileKey" | "status" | "expiresAtEpoch"> & Partial<FileRecord>;

/** The key names of at most `limit` shares due for removal, oldest first: every shard (ALL_SWEEP_SHARDS, not
 *  just those the current sweepShards writes) is read in parallel, each paged up to `limit`, then merged. */
export async function listDueKeyNames(deps: StoreDeps, limit: number): Promise<KeyName[]> {
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
  deps: StoreDeps,
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

/** Takes a due share for the clean-up run `runId`: marks it `deleting` (gone for everyone from now on) unless
 *  another run holds it or it is no longer due (confirmed, or a download given back, since the index was read).
 *  Returns the record as it was, or undefined when this run did not get it. */
export async function claimDueShare(deps: StoreDeps, keyName: KeyName, runId: string): Promise<FileRecord | undefined> {
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

/** Takes an object that has no record (its key `fileKey`), by writing a claimed `deleting` record for it (which
 *  only one run can do). Should the run then fail, the record is an ordinary unfinished delete that a later run
 *  removes. Returns the claim record, or undefined when a record exists (another run, or a new share). */
export async function claimOrphanObject(
  deps: StoreDeps,
  keyName: KeyName,
  fileKey: string,
  runId: string,
): Promise<ClaimedShare | undefined> {
  const now = epoch(deps.now());
  const claim = {
    id: keyName,
    fileKey,
    status: "deleting",
    deleteTokenHash: "", // no token can match it: a DELETE of its share gets 403, never a crash
    createdAt: deps.now().toISOString(),
    // TTL removes the claim record too, should every run fail.
    expiresAtEpoch: now + CLAIM_SECONDS,
    sweepShard: sweepShardOf(keyName, deps.config.sweepShards),
    sweepAtEpoch: now,
    sweepClaimBy: runId,
    sweepClaimUntil: now + CLAIM_SECONDS,
  } satisfies ClaimedShare;
  // Stored as it is: a claim record has none of a share's other fields.
  return (await putNew(deps, claim as FileRecord)) ? claim : undefined;
}

/** Deletes the record if run `runId`'s claim still holds; false when it was gone or taken (an owner's DELETE). */
export function deleteClaimedRecord(deps: StoreDeps, keyName: KeyName, runId: string): Promise<boolean> {
  return deleteRecordIf(deps, keyName, "sweepClaimBy", runId);
}

/** Gives up run `runId`'s claim, so that the next run may try again at once; false when the claim was no longer
 *  this run's (it lapsed and another run took the share, or the record is gone). */
export async function releaseClaim(deps: StoreDeps, keyName: KeyName, runId: string): Promise<boolean> {
  try {
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
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

// Wrong passwords (handlers/passwords.ts sets the limit and the window).

const ATTEMPT_NAMES = { "#id": TABLE_KEY, "#n": "passwordAttempts", "#end": "passwordWindowEndsEpoch" };

/**
 * Counts one password attempt in the share's current window (starting a new window of `windowSeconds` when the
 * last one has passed), in conditional writes, so concurrent attempts never count past `limit`. Returns
 * undefined when the attempt was counted, or the seconds until the full window ends.
 */
export async function countPasswordAttempt(
  deps: StoreDeps,
  keyName: KeyName,
  limit: number,
  windowSeconds: number,
): Promise<{ lockedForSeconds: number } | undefined> {
  const now = epoch(deps.now());
  for (let round = 0; round < 5; round++) {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.config.tableName,
          Key: { [TABLE_KEY]: keyName },
          UpdateExpression: "ADD #n :one",
          ConditionExpression: "attribute_exists(#id) AND #end > :now AND #n < :limit",
          ExpressionAttributeNames: ATTEMPT_NAMES,
          ExpressionAttributeValues: { ":one": 1, ":now": now, ":limit": limit },
        }),
      );
      return undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    try {
      // No window, or it has passed: start one with this attempt. Only one concurrent caller wins this.
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.config.tableName,
          Key: { [TABLE_KEY]: keyName },
          UpdateExpression: "SET #n = :one, #end = :end",
          ConditionExpression: "attribute_exists(#id) AND (attribute_not_exists(#end) OR #end <= :now)",
          ExpressionAttributeNames: ATTEMPT_NAMES,
          ExpressionAttributeValues: { ":one": 1, ":now": now, ":end": now + windowSeconds },
          ReturnValues: "NONE",
        }),
      );
      return undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    // The window is current: either it is full, or a concurrent caller just started it; look.
    const record = await getRecord(deps, keyName);
    const end = record?.passwordWindowEndsEpoch ?? 0;
    if (record !== undefined && end > now && (record.passwordAttempts ?? 0) >= limit) {
      return { lockedForSeconds: end - now };
    }
  }
  return { lockedForSeconds: 1 };
}

/** Gives back an attempt counted for a password that turned out right: only wrong ones count. */
export async function returnPasswordAttempt(deps: StoreDeps, keyName: KeyName): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "ADD #n :minusOne",
        ConditionExpression: "#n > :zero",
        ExpressionAttributeNames: { "#n": "passwordAttempts" },
        ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
      }),
    );
  } catch (e) {
    if (!isConditionFailure(e)) throw e; // a new window started meanwhile: nothing to give back
  }
}

// An owner's shares (GET /files).

/** A place in the owner index: `id` is the table key (a key name, or the old id of a record from before them). */
export type OwnerPosition = { id: string; owner: string; createdAt: string };

/** An owner's share that GET /files/{id} would answer 200 for, with the id it is found by. */
export type OwnedRecord = FileRecord & { shareId: string };

/**
 * Up to `limit` of `owner`'s live shares, newest first, from the owner index (a Query, never a Scan), after
 * `start`; `next` is where the following page starts (undefined at the end).
 */
export async function listByOwner(
  deps: StoreDeps,
  owner: string,
  limit: number,
  start: OwnerPosition | undefined,
): Promise<{ records: OwnedRecord[]; next: OwnerPosition | undefined }> {
  const now = epoch(deps.now());
  const records: OwnedRecord[] = [];
  let next: OwnerPosition | undefined;
  // A filtered Query page may come back short; read on until the page is full or the owner's items end.
  do {
    const out = await deps.db.send(
      new QueryCommand({
        TableName: deps.config.tableName,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: "#owner = :owner",
        // What GET /files/{id} answers 200 for: not being deleted, not expired, downloads left; and stored with
        // its id (records from before key names have none, and no route finds them).
        FilterExpression:
          "#status <> :deleting AND #expires > :now AND (attribute_not_exists(#max) OR #downloads < #max) AND attribute_exists(#shareId)",
        ExpressionAttributeNames: {
          "#owner": OWNER_ATTRIBUTE,
          "#status": "status",
          "#expires": TTL_ATTRIBUTE,
          "#max": "maxDownloads",
          "#downloads": "downloads",
          "#shareId": "shareId",
        },
        ExpressionAttributeValues: { ":owner": owner, ":deleting": "deleting", ":now": now },
        ScanIndexForward: false,
        Limit: limit - records.length,
        ExclusiveStartKey:
          start === undefined
            ? undefined
            : { [TABLE_KEY]: start.id, [OWNER_ATTRIBUTE]: start.owner, [CREATED_AT_ATTRIBUTE]: start.createdAt },
      }),
    );
    // The filter kept only records with a shareId.
    records.push(...((out.Items ?? []) as OwnedRecord[]));
    const last = out.LastEvaluatedKey;
    next =
      last === undefined
        ? undefined
        : { id: String(last[TABLE_KEY]), owner, createdAt: String(last[CREATED_AT_ATTRIBUTE]) };
    start = next;
  } while (next !== undefined && records.length < limit);
  return { records, next };
}

// Shares of several files (docs/architecture.md "Shares of several files"): one item per file under
// `<key name>/<k>`, written once at creation and read with BatchGetItem, while the small share item carries all a
// download updates. A one-file share (and every share stored before) keeps its file in the share item; `ShareFile`
// gives both the same shape.

/** A file's state: `rejected` = its object did not match what was declared and was deleted; it may be sent again. */
export type FileState = "pending" | "available" | "rejected";

/** One file of a share, whichever item holds it: what the routes and the S3 event handler work with. */
export interface ShareFile {
  /** Its number in the share, from 1 in the order of POST /shares. */
  file: number;
  fileKey: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256?: string;
  status: FileState;
  /** Why it was rejected (only when `rejected`). */
  reason?: string;
  uploadedAt?: string;
  multipart?: MultipartState;
}

/** A file of a share of several files, as stored in its own item. */
export interface FileItem extends ShareFile {
  /** TABLE_KEY: `<key name>/<file>` (fileItemKeyOf). */
  id: string;
  /** The share's expiry: DynamoDB's TTL removes the item with the share should the clean-up never get to it. */
  expiresAtEpoch: number;
}

/** True when the share keeps its files in items of their own (a share of several files). */
export function hasFileItems(share: Pick<FileRecord, "fileCount">): boolean {
  return share.fileCount !== undefined && share.fileCount > 1;
}

/** The number of files of a share (1 for every share stored before shares of several files). */
export function fileCountOf(share: Pick<FileRecord, "fileCount">): number {
  return share.fileCount ?? 1;
}

/** A file item as the routes see a file: without its table key and TTL. */
function fileOfItem(item: FileItem): ShareFile {
  const { file, fileKey, fileName, contentType, size, sha256, status, reason, uploadedAt, multipart } = item;
  return {
    file,
    fileKey,
    fileName,
    contentType,
    size,
    ...(sha256 !== undefined ? { sha256 } : {}),
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(uploadedAt !== undefined ? { uploadedAt } : {}),
    ...(multipart !== undefined ? { multipart } : {}),
  };
}

/** The one file of a share that keeps it in the share item (every share of one file). */
export function inlineFile(share: FileRecord): ShareFile {
  const status: FileState =
    share.status === "available" ? "available" : share.rejectedReason !== undefined ? "rejected" : "pending";
  return {
    file: 1,
    fileKey: share.fileKey as string,
    fileName: share.fileName as string,
    contentType: share.contentType as string,
    size: share.size as number,
    ...(share.sha256 !== undefined ? { sha256: share.sha256 } : {}),
    status,
    ...(share.rejectedReason !== undefined ? { reason: share.rejectedReason } : {}),
    ...(share.uploadedAt !== undefined ? { uploadedAt: share.uploadedAt } : {}),
    ...(share.multipart !== undefined ? { multipart: share.multipart } : {}),
  };
}

/** DynamoDB's limits on one BatchWriteItem and one BatchGetItem. */
const BATCH_WRITE_ITEMS = 25;
const BATCH_GET_KEYS = 100;
/** How often unprocessed items of a batch are sent again (with a growing pause) before the call fails. */
const BATCH_ATTEMPTS = 8;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));

/** Puts or deletes items in batches of 25, sending again what DynamoDB left unprocessed (it may, under load). */
async function batchWrite(deps: StoreDeps, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
    let left: Record<string, unknown>[] = requests.slice(i, i + BATCH_WRITE_ITEMS);
    for (let attempt = 0; left.length > 0; attempt++) {
      if (attempt === BATCH_ATTEMPTS) throw new Error(`DynamoDB left ${left.length} writes unprocessed`);
      if (attempt > 0) await pause(attempt);
      const out = await deps.db.send(new BatchWriteCommand({ RequestItems: { [deps.config.tableName]: left } }));
      left = (out.UnprocessedItems?.[deps.config.tableName] ?? []) as Record<string, unknown>[];
    }
  }
}

/** Reads items by key, 100 a call, strongly consistent, sending again the keys DynamoDB left unprocessed. */
async function batchGet(deps: StoreDeps, keys: string[]): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let left = keys.slice(i, i + BATCH_GET_KEYS).map((key) => ({ [TABLE_KEY]: key }));
    for (let attempt = 0; left.length > 0; attempt++) {
      if (attempt === BATCH_ATTEMPTS) throw new Error(`DynamoDB left ${left.length} reads unprocessed`);
      if (attempt > 0) await pause(attempt);
      const out = await deps.db.send(
        new BatchGetCommand({ RequestItems: { [deps.config.tableName]: { Keys: left, ConsistentRead: true } } }),
      );
      found.push(...(out.Responses?.[deps.config.tableName] ?? []));
      left = (out.UnprocessedKeys?.[deps.config.tableName]?.Keys ?? []) as typeof left;
    }
  }
  return found;
}

/** Stores a new share of several files: the share item first (it carries the sweep, so a failure after it leaves
 *  nothing the clean-up cannot find), then one item per file. */
export async function putShare(deps: StoreDeps, share: FileRecord, files: FileItem[]): Promise<void> {
  await putRecord(deps, share);
  await batchWrite(
    deps,
    files.map((item) => ({ PutRequest: { Item: item } })),
  );
}

/** The files of a share, in order: all of them, or those numbered in `only`. A file item that is missing (a share
 *  whose creation failed half-way) is left out. */
export async function getFiles(deps: StoreDeps, share: FileRecord, only?: readonly number[]): Promise<ShareFile[]> {
  if (!hasFileItems(share)) return [inlineFile(share)].filter((f) => only === undefined || only.includes(f.file));
  const numbers = only ?? Array.from({ length: fileCountOf(share) }, (_, i) => i + 1);
  const items = (await batchGet(
    deps,
    numbers.map((n) => fileItemKeyOf(share.id, n)),
  )) as unknown as FileItem[];
  const byNumber = new Map(items.map((item) => [item.file, item]));
  return numbers.flatMap((n) => {
    const item = byNumber.get(n);
    return item === undefined ? [] : [fileOfItem(item)];
  });
}

/** File `file` of a share (a strongly consistent GetItem for a share of several files), or undefined when the
 *  share has no such file. */
export async function getFileOf(deps: StoreDeps, share: FileRecord, file: number): Promise<ShareFile | undefined> {
  if (!hasFileItems(share)) return file === 1 ? inlineFile(share) : undefined;
  if (file > fileCountOf(share)) return undefined;
  const out = await deps.db.send(
    new GetCommand({
      TableName: deps.config.tableName,
      Key: { [TABLE_KEY]: fileItemKeyOf(share.id, file) },
      ConsistentRead: true,
    }),
  );
  return out.Item === undefined ? undefined : fileOfItem(out.Item as FileItem);
}

/** Deletes the file items of a share of several files (DELETE and the clean-up, before the share item). */
export async function deleteFileItems(deps: StoreDeps, share: Pick<FileRecord, "id" | "fileCount">): Promise<void> {
  if (!hasFileItems(share)) return;
  const keys = Array.from({ length: fileCountOf(share) }, (_, i) => fileItemKeyOf(share.id, i + 1));
  await batchWrite(
    deps,
    keys.map((key) => ({ DeleteRequest: { Key: { [TABLE_KEY]: key } } })),
  );
}

/** Updates one file item if its status is one of `from`; false when it is not (or the item is gone). */
async function updateFileItem(
  deps: StoreDeps,
  keyName: KeyName,
  file: number,
  from: FileState[],
  update: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<boolean> {
  const fromValues = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: fileItemKeyOf(keyName, file) },
        UpdateExpression: update.expression,
        ConditionExpression: `attribute_exists(#id) AND #status IN (${Object.keys(fromValues).join(", ")})`,
        ExpressionAttributeNames: { "#id": TABLE_KEY, "#status": "status", ...update.names },
        ExpressionAttributeValues: { ...fromValues, ...update.values },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** What confirming a file changed: the file (false for a repeated event), and the share (true when this was
 *  the last file, so the share became available). */
export interface FileConfirmation {
  file: boolean;
  share: boolean;
}

/**
 * Marks file `file` of the share available (its object was checked), and the share available once every file is.
 * Each step is idempotent, so a repeated event, or a retry after a failure between the steps, finishes the job.
 */
export async function markFileAvailable(
  deps: StoreDeps,
  share: FileRecord,
  file: number,
  uploadedAt: string,
): Promise<FileConfirmation> {
  if (!hasFileItems(share)) {
    const changed = await markAvailable(deps, share.id, uploadedAt);
    return { file: changed, share: changed };
  }
  const changed = await updateFileItem(deps, share.id, file, ["pending", "rejected"], {
    expression: "SET #status = :available, #uploadedAt = :uploadedAt REMOVE #reason",
    names: { "#uploadedAt": "uploadedAt", "#reason": "reason" },
    values: { ":available": "available", ":uploadedAt": uploadedAt },
  });
  // The set of files still to come shrinks by this one (DELETE of a set element is idempotent); DynamoDB drops the
  // attribute with its last element, and then the share is complete.
  let left: FileRecord | undefined;
  try {
    const out = await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: share.id },
        UpdateExpression: "DELETE #pending :file",
        ConditionExpression: "attribute_exists(#id) AND #status = :pending",
        ExpressionAttributeNames: { "#id": TABLE_KEY, "#pending": "pendingFiles", "#status": "status" },
        ExpressionAttributeValues: { ":file": new Set([file]), ":pending": "pending" },
        ReturnValues: "ALL_NEW",
      }),
    );
    left = out.Attributes as FileRecord;
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    return { file: changed, share: false }; // available already, or being deleted
  }
  if (left.pendingFiles !== undefined && left.pendingFiles.size > 0) return { file: changed, share: false };
  return { file: changed, share: await markAvailable(deps, share.id, uploadedAt) };
}

/** Marks a pending file rejected, with the reason its object was refused (the object is deleted). False when it
 *  was not pending: confirmed meanwhile by another copy of the event, or gone. */
export async function markFileRejected(deps: StoreDeps, share: FileRecord, file: number, reason: string) {
  if (!hasFileItems(share)) {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.config.tableName,
          Key: { [TABLE_KEY]: share.id },
          UpdateExpression: "SET #reason = :reason",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#reason": "rejectedReason", "#status": "status" },
          ExpressionAttributeValues: { ":reason": reason, ":pending": "pending" },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }
  return updateFileItem(deps, share.id, file, ["pending", "rejected"], {
    expression: "SET #status = :rejected, #reason = :reason",
    names: { "#reason": "reason" },
    values: { ":rejected": "rejected", ":reason": reason },
  });
}

/** Records that file `file`'s multipart upload was completed; false when it already was (or the share is being
 *  deleted: for a one-file share the share item says so; for a larger one the caller read the share first). */
export async function markFileMultipartCompleted(
  deps: StoreDeps,
  share: FileRecord,
  file: number,
  completedAt: string,
): Promise<boolean> {
  if (!hasFileItems(share)) return markMultipartCompleted(deps, share.id, completedAt);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: fileItemKeyOf(share.id, file) },
        UpdateExpression: "SET #multipart.#completedAt = :completedAt",
        ConditionExpression: "attribute_exists(#multipart) AND attribute_not_exists(#multipart.#completedAt)",
        ExpressionAttributeNames: { "#multipart": "multipart", "#completedAt": "completedAt" },
        ExpressionAttributeValues: { ":completedAt": completedAt },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** A rejected file is to be sent again: it is pending once more (a pending one stays so). False when the file
 *  is available (nothing to send) or gone. */
export async function reopenFile(deps: StoreDeps, share: FileRecord, file: number): Promise<boolean> {
  if (!hasFileItems(share)) {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.config.tableName,
          Key: { [TABLE_KEY]: share.id },
          UpdateExpression: "REMOVE #reason",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#reason": "rejectedReason", "#status": "status" },
          ExpressionAttributeValues: { ":pending": "pending" },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }
  return updateFileItem(deps, share.id, file, ["pending", "rejected"], {
    expression: "SET #status = :pending REMOVE #reason",
    names: { "#reason": "reason" },
    values: { ":pending": "pending" },
  });
}
