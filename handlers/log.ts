// Structured logs: one JSON object per line, always with the request id, so CloudWatch Logs Insights can query them.
import { createHash } from "node:crypto";

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
  const threshold = Math.max(0, LEVELS.indexOf(process.env["FILESHARE_LOG_LEVEL"] ?? "info"));
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

/** What may be logged of an unknown error: its name and message, never the request body or secrets. */
export function describeError(e: unknown): Fields {
  if (e instanceof Error) return { errorName: e.name, errorMessage: e.message };
  return { errorName: typeof e };
}

/** A short, stable stand-in for a secret-ish identifier (a share id) in logs: the same id always gives the same
 *  fingerprint, so log lines can be correlated, but the id cannot be read back from it. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("base64url").slice(0, 12);
}
