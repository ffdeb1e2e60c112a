// The clean-up's operations (handlers/cleanup.ts): due shares from the sweep index, claims, and removal.
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SWEEP_AT_ATTRIBUTE, SWEEP_INDEX, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY } from "../../config/table";
import { KeyName } from "../ids";
import {
  ALL_SWEEP_SHARDS,
  deleteRecordIf,
  epoch,
  FileRecord,
  conditionHeld,
  isConditionFailure,
  putNew,
  StoreDeps,
  sweepShardOf,
} from "./records";

/** How long a claim keeps other runs away from a share: longer than one run may take (its Lambda timeout). */
export const CLAIM_SECONDS = 300;

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
  return conditionHeld(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyName },
        UpdateExpression: "REMOVE #claimBy, #claimUntil",
        ConditionExpression: "#claimBy = :me",
        ExpressionAttributeNames: { "#claimBy": "sweepClaimBy", "#claimUntil": "sweepClaimUntil" },
        ExpressionAttributeValues: { ":me": runId },
      }),
    ),
  );
}
