// The record store: the file records in DynamoDB, one item per share (plus one per file for a share of several
// files), keyed by its key name (handlers/ids.ts), never by its id. The modules of this folder are the only ones
// that read or write a record (tests/unit/handlerImports.test.ts keeps every DynamoDB command here); everything
// else calls their typed operations with a StoreDeps:
//   records.ts           a share's life: putRecord (create), getRecord, markAvailable, extendPendingSweep,
//                        markMultipartCompleted, consumeDownload / returnDownload (count a download, give it
//                        back), markDeleting, deleteRecord; the record's type and the sweep shards;
//   passwordAttempts.ts  countPasswordAttempt / returnPasswordAttempt (the limit and window: handlers/passwords.ts);
//   ownerList.ts         listByOwner (GET /files, the owner index);
//   sweep.ts             the clean-up: listDueKeyNames (the sweep index), claimDueShare, claimOrphanObject,
//                        deleteClaimedRecord, releaseClaim (handlers/cleanup.ts);
//   shareFiles.ts        several files: putShare, getFiles / getFileOf (any share's files as ShareFile),
//                        markFileAvailable, markFileRejected, reopenFile, markFileMultipartCompleted,
//                        deleteFileItems (docs/architecture.md "Shares of several files").
// Every state change is one conditional write, so concurrent requests can never hand out more downloads than
// allowed; a condition that did not hold comes back as a result (false or undefined), not as an error (but
// putRecord throws when another share holds the key name).
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { MAX_SWEEP_SHARDS } from "../../config/schema";
import type { RuntimeConfig } from "../../config/runtime";
import { SWEEP_AT_ATTRIBUTE, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY, TTL_ATTRIBUTE } from "../../config/table";
import { KeyName } from "../ids";

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
  /** An end-to-end encrypted share (handlers/encryption.ts): the coding of its object, whose contentType is then
   *  application/octet-stream and whose size and sha256 are the ciphertext's, and its file's name, type and size as
   *  the client encrypted them, stored opaque. */
  encryption?: "aes128gcm";
  encryptedMetadata?: string;
  /** The share's title as the client encrypted it (POST /shares with encryption). */
  encryptedTitle?: string;
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

/** Seconds since the epoch, as DynamoDB's TTL and the sweep index count time. */
export const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** DynamoDB's answer to a write whose condition did not hold (the one error the store turns into a result). */
export const isConditionFailure = (e: unknown) => e instanceof Error && e.name === "ConditionalCheckFailedException";

/** True when a conditional write went through, false when its condition did not hold; any other error throws. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Puts an item that must not exist yet; false when one with its key already does. */
export async function putNew(deps: StoreDeps, item: FileRecord): Promise<boolean> {
  return conditionHeld(
    deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": TABLE_KEY },
      }),
    ),
  );
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
  const now = epoch(deps.now());
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
  const at = epoch(deps.now()) + deps.config.downloadUrlTtlSeconds + 1;
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
  return conditionHeld(
    deps.db.send(
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
          ":sweepAt": epoch(deps.now()) + DELETING_GRACE_SECONDS,
        },
      }),
    ),
  );
}

/** Moves a pending share's removal to `sweepAtEpoch` (a fresh upload URL was handed out). Returns false when the
 *  share is no longer pending: uploaded, or claimed by a DELETE or the clean-up. */
export async function extendPendingSweep(deps: StoreDeps, keyName: KeyName, sweepAtEpoch: number): Promise<boolean> {
  return conditionHeld(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "SET #sweep = :at",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status", "#sweep": SWEEP_AT_ATTRIBUTE },
        ExpressionAttributeValues: { ":pending": "pending", ":at": sweepAtEpoch },
      }),
    ),
  );
}

/** Marks a pending record available. Returns false when it was not pending (already confirmed, or gone),
 *  which makes a repeated S3 event a no-op. */
export async function markAvailable(deps: StoreDeps, keyName: KeyName, uploadedAt: string): Promise<boolean> {
  return conditionHeld(
    deps.db.send(
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
    ),
  );
}

/** Records that the multipart upload was completed. Returns false when it already was, or the share is being
 *  deleted: a concurrent `complete` or DELETE got there first. */
export async function markMultipartCompleted(
  deps: StoreDeps,
  keyName: KeyName,
  completedAt: string,
  sha256?: string,
): Promise<boolean> {
  return conditionHeld(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        // The whole file's SHA-256 declared at completion (the uploader hashed it while sending the parts).
        UpdateExpression: `SET #multipart.#completedAt = :completedAt${sha256 !== undefined ? ", sha256 = :sha256" : ""}`,
        ConditionExpression:
          "attribute_exists(#multipart) AND attribute_not_exists(#multipart.#completedAt) AND #status <> :deleting",
        ExpressionAttributeNames: { "#multipart": "multipart", "#completedAt": "completedAt", "#status": "status" },
        ExpressionAttributeValues: {
          ":completedAt": completedAt,
          ":deleting": "deleting",
          ...(sha256 !== undefined ? { ":sha256": sha256 } : {}),
        },
      }),
    ),
  );
}

/** Deletes a record only if `attribute` still holds `value`; false when it was gone or changed meanwhile. */
export async function deleteRecordIf(
  deps: StoreDeps,
  keyName: KeyName,
  attribute: "deleteTokenHash" | "sweepClaimBy",
  value: string,
): Promise<boolean> {
  return conditionHeld(
    deps.db.send(
      new DeleteCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        ConditionExpression: "#attribute = :value",
        ExpressionAttributeNames: { "#attribute": attribute },
        ExpressionAttributeValues: { ":value": value },
      }),
    ),
  );
}

/** Deletes a record only if its delete-token hash is still the one the caller checked. Returns false when it was
 *  already gone: of concurrent DELETEs (or a DELETE and the clean-up) exactly one removes the record. */
export async function deleteRecord(deps: StoreDeps, keyName: KeyName, deleteTokenHash: string): Promise<boolean> {
  return deleteRecordIf(deps, keyName, "deleteTokenHash", deleteTokenHash);
}
