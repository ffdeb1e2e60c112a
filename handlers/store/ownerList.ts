// An owner's shares (GET /files).
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { CREATED_AT_ATTRIBUTE, OWNER_ATTRIBUTE, OWNER_INDEX, TABLE_KEY, TTL_ATTRIBUTE } from "../../config/table";
import { epoch, FileRecord, StoreDeps } from "./records";

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
