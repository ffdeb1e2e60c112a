// The file records in DynamoDB: one item per share, keyed by id. All state changes are single conditional
// writes, so concurrent requests can never hand out more downloads than allowed.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Deps } from "./deps";

/** The partition key of the files table. */
export const TABLE_KEY = "id";
/** The attribute DynamoDB's TTL deletes expired items by (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAtEpoch";

/** `deleting`: a DELETE has begun; the share is gone for everyone, and a retried DELETE finishes the job. */
export type FileStatus = "pending" | "available" | "deleting";

/** One share, as stored. */
export interface FileRecord {
  id: string;
  fileKey: string;
  fileName: string;
  contentType: string;
  size: number;
  /** Base64 SHA-256 the client declared, when it did. */
  sha256?: string;
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
}

const isConditionFailure = (e: unknown) => e instanceof Error && e.name === "ConditionalCheckFailedException";

/** Stores a new record; fails rather than overwrite an existing id. */
export async function putRecord(deps: Deps, record: FileRecord): Promise<void> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.tableName,
      Item: record,
      ConditionExpression: "attribute_not_exists(#id)",
      ExpressionAttributeNames: { "#id": TABLE_KEY },
    }),
  );
}

/** Reads a record (strongly consistent, so a just-confirmed upload is seen at once). */
export async function getRecord(deps: Deps, id: string): Promise<FileRecord | undefined> {
  const out = await deps.db.send(
    new GetCommand({ TableName: deps.config.tableName, Key: { [TABLE_KEY]: id }, ConsistentRead: true }),
  );
  return out.Item as FileRecord | undefined;
}

/** True when the share has passed its expiry (TTL deletion is lazy, so expired items may still be read). */
export function isExpired(record: FileRecord, now: Date): boolean {
  return record.expiresAtEpoch * 1000 <= now.getTime();
}

/**
 * Takes one download in a single conditional write: the record must exist, be available, not be expired and
 * have downloads left. Returns the updated record, or undefined when the condition failed (the caller
 * reads the record to say why).
 */
export async function consumeDownload(deps: Deps, id: string): Promise<FileRecord | undefined> {
  try {
    const out = await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: id },
        UpdateExpression: "ADD #downloads :one",
        ConditionExpression:
          "attribute_exists(#id) AND #status = :available AND #expires > :now AND (attribute_not_exists(#max) OR #downloads < #max)",
        ExpressionAttributeNames: {
          "#id": TABLE_KEY,
          "#downloads": "downloads",
          "#status": "status",
          "#expires": TTL_ATTRIBUTE,
          "#max": "maxDownloads",
        },
        ExpressionAttributeValues: {
          ":one": 1,
          ":available": "available",
          ":now": Math.floor(deps.now().getTime() / 1000),
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return out.Attributes as FileRecord;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

/** Gives back a download taken by consumeDownload when no URL could be handed out for it. */
export async function returnDownload(deps: Deps, id: string): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.config.tableName,
      Key: { [TABLE_KEY]: id },
      UpdateExpression: "ADD #downloads :minusOne",
      ConditionExpression: "#downloads > :zero",
      ExpressionAttributeNames: { "#downloads": "downloads" },
      ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
    }),
  );
}

/** Marks a record as being deleted, if its delete-token hash is still the one the caller checked. From then
 *  on no download is handed out (consumeDownload needs `available`), even if deleting the object fails.
 *  Returns false when the record is gone (a concurrent DELETE finished first) or its hash changed. */
export async function markDeleting(deps: Deps, id: string, deleteTokenHash: string): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: id },
        UpdateExpression: "SET #status = :deleting",
        ConditionExpression: "#hash = :hash",
        ExpressionAttributeNames: { "#status": "status", "#hash": "deleteTokenHash" },
        ExpressionAttributeValues: { ":deleting": "deleting", ":hash": deleteTokenHash },
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
export async function markAvailable(deps: Deps, id: string, uploadedAt: string): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: id },
        UpdateExpression: "SET #status = :available, #uploadedAt = :uploadedAt",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status", "#uploadedAt": "uploadedAt" },
        ExpressionAttributeValues: { ":available": "available", ":pending": "pending", ":uploadedAt": uploadedAt },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Deletes a record only if its delete-token hash is still the one the caller checked. */
export async function deleteRecord(deps: Deps, id: string, deleteTokenHash: string): Promise<void> {
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: id },
        ConditionExpression: "#hash = :hash",
        ExpressionAttributeNames: { "#hash": "deleteTokenHash" },
        ExpressionAttributeValues: { ":hash": deleteTokenHash },
      }),
    );
  } catch (e) {
    // Already deleted by a concurrent request: the outcome the caller wanted.
    if (!isConditionFailure(e)) throw e;
  }
}
