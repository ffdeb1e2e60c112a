// The files table's shape, declared once: its key, the attributes its indexes are keyed by, its indexes and its TTL
// attribute. The stack's table (infra/storage.ts), the local DynamoDB's table (local/dynamo.ts) and the handlers'
// requests are all built from these names. Pure TypeScript with no imports, so the Lambda code can carry it.

/** The partition key of the files table. Its VALUE is the share's key name (a hash of the id, handlers/ids.ts), not
 *  the id: the attribute kept its first name because renaming a table's key replaces the table (and its data). */
export const TABLE_KEY = "id";
/** The attribute that names the signed-in user who made a share (absent on anonymous shares). */
export const OWNER_ATTRIBUTE = "owner";
/** When the share was made (ISO 8601, so it sorts as text). */
export const CREATED_AT_ATTRIBUTE = "createdAt";
/** The GSI that lists an owner's shares newest first (partition owner, sort createdAt); sparse: only shares
 *  made by a signed-in user have an owner. */
export const OWNER_INDEX = "byOwner";
/** The attribute DynamoDB's TTL deletes expired items by (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAtEpoch";

/** The sparse index of live shares by when the clean-up should remove them (handlers/cleanup.ts queries it;
 *  never a table Scan). Only records that carry both attributes are in it. */
export const SWEEP_INDEX = "bySweepAt";
/** The index's partition key: a shard derived from the key name (sweepShardOf), so that the index's writes are
 *  spread over `sweepShards` partition keys instead of one (a partition key takes about 1,000 writes a second). */
export const SWEEP_SHARD_ATTRIBUTE = "sweepShard";
/** The index's sort key: epoch seconds after which the clean-up removes the share (object versions, then record). */
export const SWEEP_AT_ATTRIBUTE = "sweepAtEpoch";

/** A key attribute and its DynamoDB type (S string, N number). */
export interface KeyAttribute {
  name: string;
  type: "S" | "N";
}

/** A global secondary index: its name, keys and which attributes it copies. */
export interface TableIndex {
  name: string;
  hashKey: KeyAttribute;
  rangeKey: KeyAttribute;
  projection: "ALL" | "KEYS_ONLY";
}

/** The files table as every table that holds the records must be. */
export const FILES_TABLE: {
  readonly key: KeyAttribute;
  readonly billingMode: "PAY_PER_REQUEST";
  readonly indexes: readonly TableIndex[];
  readonly ttlAttribute: string;
} = {
  key: { name: TABLE_KEY, type: "S" },
  billingMode: "PAY_PER_REQUEST",
  indexes: [
    // GET /files: an owner's shares newest first, by Query.
    {
      name: OWNER_INDEX,
      hashKey: { name: OWNER_ATTRIBUTE, type: "S" },
      rangeKey: { name: CREATED_AT_ATTRIBUTE, type: "S" },
      projection: "ALL",
    },
    // The clean-up: only live shares carry the sweep attributes, so it Queries exactly what is due.
    {
      name: SWEEP_INDEX,
      hashKey: { name: SWEEP_SHARD_ATTRIBUTE, type: "S" },
      rangeKey: { name: SWEEP_AT_ATTRIBUTE, type: "N" },
      projection: "KEYS_ONLY",
    },
  ],
  ttlAttribute: TTL_ATTRIBUTE,
};

/** Every attribute a key of the table or of an index names, once each, the table's key first: what DynamoDB
 *  calls the table's attribute definitions (it refuses one that no key uses). */
export function keyAttributes(table: typeof FILES_TABLE): KeyAttribute[] {
  const all = [table.key, ...table.indexes.flatMap((i) => [i.hashKey, i.rangeKey])];
  return all.filter((a, i) => all.findIndex((b) => b.name === a.name) === i);
}
