// Structured logs: one JSON object per line, always with the request id, so CloudWatch Logs Insights can query them.
// Never an id, a token or a URL in clear: those go through `fingerprint`, and request lines carry the route
// template (/files/{id}), not the path.
import { createHmac } from "node:crypto";
import { OTHER_ENV_NAMES } from "../config/runtime";

export type Fields = Record<string, unknown>;

/** A logger bound to one request (or one event). */
export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

const LEVELS = ["info", "warn", "error", "silent"];

/** Writes JSON lines to `write` (stdout by default, which Lambda sends to CloudWatch), at or above the level
 *  in FILESHARE_LOG_LEVEL: info (default), warn, error or silent. */
export function createLogger(
  base: Fields,
  write: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Logger {
  const threshold = Math.max(0, LEVELS.indexOf(process.env[OTHER_ENV_NAMES.logLevel] ?? "info"));
  const emit = (level: string, message: string, fields?: Fields) => {
    if (LEVELS.indexOf(level) < threshold) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...fields }));
  };
  return {
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** The log key from the environment (base64, at least 32 bytes); throws (at cold start) when it is missing or too
 *  short. Deliberately not in RuntimeConfig: the key is a secret and must never reach a page, a response or a log. */
export function logKeyFromEnvironment(env: Record<string, string | undefined>): Buffer {
  const name = OTHER_ENV_NAMES.logKey;
  const key = Buffer.from(env[name] ?? "", "base64");
  if (key.length < 32) throw new Error(`environment variable ${name} must hold at least 32 bytes, base64`);
  return key;
}

/**
 * What a log line may say about a share, a delete token or a key: a keyed fingerprint, HMAC-SHA256 under the
 * stack's log key, 12 base64url characters (72 bits). A share is always fingerprinted by its key name
 * (handlers/ids.ts), which the routes compute from the id and the S3 event handler and the clean-up read from the
 * object key, so the lines about one share can be found together (fingerprint the key name of the id you hold with
 * the same key); without the key nobody can compute it from a guessed id, and it cannot be turned back into the id.
 */
export function fingerprint(key: Buffer, value: string): string {
  return createHmac("sha256", key).update(value, "utf8").digest("base64url").slice(0, 12);
}

/** What may be logged of an unknown error: its name and message, never the request body or secrets. */
export function describeError(e: unknown): Fields {
  if (e instanceof Error) return { errorName: e.name, errorMessage: e.message };
  return { errorName: typeof e };
}
