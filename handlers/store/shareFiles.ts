// Shares of several files (docs/architecture.md "Shares of several files"): one item per file under
// `<key name>/<k>`, written once at creation and read with BatchGetItem, while the small share item carries all a
// download updates. A one-file share (and every share stored before) keeps its file in the share item; `ShareFile`
// gives both the same shape.
import { BatchGetCommand, BatchWriteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { TABLE_KEY } from "../../config/table";
import { fileItemKeyOf, KeyName } from "../ids";
import {
  FileRecord,
  MultipartState,
  StoreDeps,
  conditionHeld,
  isConditionFailure,
  markAvailable,
  markMultipartCompleted,
  putRecord,
} from "./records";

/** A file's state: `rejected` = its object did not match what was declared and was deleted; it may be sent again. */
export type FileState = "pending" | "available" | "rejected";

/** One file of a share, whichever item holds it: what the routes and the S3 event handler work with. */
export interface ShareFile {
  /** Its number in the share, from 1 in the order of POST /shares. */
  file: number;
  fileKey: string;
  /** Absent on a file of an encrypted share, whose name is inside encryptedMetadata. */
  fileName?: string;
  /** The file's name, type and size as the client encrypted them (an encrypted share), stored opaque. */
  encryptedMetadata?: string;
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
  const {
    file,
    fileKey,
    fileName,
    encryptedMetadata,
    contentType,
    size,
    sha256,
    status,
    reason,
    uploadedAt,
    multipart,
  } = item;
  return {
    file,
    fileKey,
    fileName,
    ...(encryptedMetadata !== undefined ? { encryptedMetadata } : {}),
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
    ...(share.fileName !== undefined ? { fileName: share.fileName } : {}),
    ...(share.encryptedMetadata !== undefined ? { encryptedMetadata: share.encryptedMetadata } : {}),
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
  return conditionHeld(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: fileItemKeyOf(keyName, file) },
        UpdateExpression: update.expression,
        ConditionExpression: `attribute_exists(#id) AND #status IN (${Object.keys(fromValues).join(", ")})`,
        ExpressionAttributeNames: { "#id": TABLE_KEY, "#status": "status", ...update.names },
        ExpressionAttributeValues: { ...fromValues, ...update.values },
      }),
    ),
  );
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
  sha256?: string,
): Promise<boolean> {
  if (!hasFileItems(share)) return markMultipartCompleted(deps, share.id, completedAt, sha256);
  return conditionHeld(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: fileItemKeyOf(share.id, file) },
        // The whole file's SHA-256 declared at completion, as for a one-file share.
        UpdateExpression: `SET #multipart.#completedAt = :completedAt${sha256 !== undefined ? ", sha256 = :sha256" : ""}`,
        ConditionExpression: "attribute_exists(#multipart) AND attribute_not_exists(#multipart.#completedAt)",
        ExpressionAttributeNames: { "#multipart": "multipart", "#completedAt": "completedAt" },
        ExpressionAttributeValues: {
          ":completedAt": completedAt,
          ...(sha256 !== undefined ? { ":sha256": sha256 } : {}),
        },
      }),
    ),
  );
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
