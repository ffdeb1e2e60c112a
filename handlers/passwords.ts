// Share passwords: a slow salted hash (scrypt from node:crypto), compared in constant time, and an attempt
// limit counted atomically on the share's record, so that no number of concurrent guesses gets more than
// PASSWORD_ATTEMPT_LIMIT passwords checked per window.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "./deps";
import { invalidRequest, tooManyAttempts, wrongPassword } from "./errors";
import type { KeyName } from "./ids";
import { FileRecord } from "./records";
import { TABLE_KEY } from "../config/table";

/** docs/api.md: 10 wrong passwords in 15 minutes lock the share until the window passes. */
export const PASSWORD_ATTEMPT_LIMIT = 10;
export const PASSWORD_WINDOW_SECONDS = 15 * 60;

// scrypt cost: N=2^15, r=8 (32 MiB, ~0.1 s here); the parameters travel with the hash so they can change.
const N = 32768;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$<salt>$<key>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `password` matches `stored`; constant-time comparison of the derived keys. */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, "base64url");
  const given = await derive(password, Buffer.from(salt, "base64url"), Number(n), Number(r), Number(p));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const isConditionFailure = (e: unknown) => e instanceof Error && e.name === "ConditionalCheckFailedException";

const NAMES = { "#id": TABLE_KEY, "#n": "passwordAttempts", "#end": "passwordWindowEndsEpoch" };

/**
 * Takes one attempt in the share's current window (starting a new window when the last one has passed), in
 * conditional writes; throws 429 TooManyAttempts when the window's attempts are used up.
 */
async function takeAttempt(deps: Deps, keyName: KeyName): Promise<void> {
  const now = Math.floor(deps.now().getTime() / 1000);
  for (let round = 0; round < 5; round++) {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.config.tableName,
          Key: { [TABLE_KEY]: keyName },
          UpdateExpression: "ADD #n :one",
          ConditionExpression: "attribute_exists(#id) AND #end > :now AND #n < :limit",
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ":one": 1, ":now": now, ":limit": PASSWORD_ATTEMPT_LIMIT },
        }),
      );
      return;
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
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ":one": 1, ":now": now, ":end": now + PASSWORD_WINDOW_SECONDS },
          ReturnValues: "NONE",
        }),
      );
      return;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    // The window is current: either it is full, or a concurrent caller just started it; look.
    const out = await deps.db.send(
      new GetCommand({ TableName: deps.config.tableName, Key: { [TABLE_KEY]: keyName }, ConsistentRead: true }),
    );
    const record = out.Item as FileRecord | undefined;
    const end = record?.passwordWindowEndsEpoch ?? 0;
    if (record !== undefined && end > now && (record.passwordAttempts ?? 0) >= PASSWORD_ATTEMPT_LIMIT) {
      throw tooManyAttempts(end - now);
    }
  }
  throw tooManyAttempts(1);
}

/** Gives back an attempt taken for a password that turned out right: only wrong ones count. */
async function returnAttempt(deps: Deps, keyName: KeyName): Promise<void> {
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

/**
 * Checks a password for a password share: 403 WrongPassword (counted), 429 TooManyAttempts while the share is
 * locked. The attempt is taken before the hash is computed, so concurrent guesses cannot overrun the limit.
 */
export async function checkPassword(deps: Deps, record: FileRecord, password: unknown): Promise<void> {
  if (record.passwordHash === undefined) return;
  if (typeof password !== "string" || password === "") {
    throw invalidRequest('This share has a password: send it in the JSON body, {"password": "..."}.');
  }
  await takeAttempt(deps, record.id);
  if (await passwordMatches(password, record.passwordHash)) {
    await returnAttempt(deps, record.id);
    return;
  }
  throw wrongPassword();
}
