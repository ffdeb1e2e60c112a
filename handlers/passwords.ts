// Share passwords: a slow salted hash (scrypt from node:crypto), compared in constant time, and an attempt
// limit counted atomically on the share's record (handlers/store/passwordAttempts.ts countPasswordAttempt), so that no number of concurrent guesses gets more than
// PASSWORD_ATTEMPT_LIMIT passwords checked per window.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { invalidRequest, tooManyAttempts, wrongPassword } from "./errors";
import { countPasswordAttempt, returnPasswordAttempt } from "./store/passwordAttempts";
import { FileRecord, StoreDeps } from "./store/records";

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

/**
 * Checks a password for a password share: 403 WrongPassword (counted), 429 TooManyAttempts while the share is
 * locked. The attempt is taken before the hash is computed, so concurrent guesses cannot overrun the limit.
 */
export async function checkPassword(deps: StoreDeps, record: FileRecord, password: unknown): Promise<void> {
  if (record.passwordHash === undefined) return;
  if (typeof password !== "string" || password === "") {
    throw invalidRequest('This share has a password: send it in the JSON body, {"password": "..."}.');
  }
  const locked = await countPasswordAttempt(deps, record.id, PASSWORD_ATTEMPT_LIMIT, PASSWORD_WINDOW_SECONDS);
  if (locked !== undefined) throw tooManyAttempts(locked.lockedForSeconds);
  if (await passwordMatches(password, record.passwordHash)) {
    await returnPasswordAttempt(deps, record.id);
    return;
  }
  throw wrongPassword();
}
