// Delete tokens: the table keeps only their hash, and a presented token is compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 (hex) of a delete token: what the table keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** True when `token` hashes to `storedHash`, compared in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const given = Buffer.from(hashToken(token), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}
