// Wrong passwords (handlers/passwords.ts sets the limit and the window).
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { TABLE_KEY } from "../../config/table";
import { KeyName } from "../ids";
import { epoch, getRecord, isConditionFailure, StoreDeps } from "./records";

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
