// How npm start's terminal shows the log: the handlers write one JSON object per line to stdout (on AWS, for
// CloudWatch); in a terminal that buries the start-up lines. At the default level each request is one short line
// ("15:09:06 POST /uploads 201 465 ms"), warnings and errors keep their message, so do clean-up runs (those that did
// something: local/cleanup.ts), and the handlers' other lines (audit events, "upload created"...) show only with
// FILESHARE_LOG_LEVEL=debug. FILESHARE_LOG_FORMAT=json prints the JSON lines as they are.
import { CLEANUP_FINISHED } from "../handlers/cleanup";
import { REQUEST_FINISHED } from "../handlers/http";

type Line = Record<string, unknown> & { time: string; level: string; message: string };

const isLogLine = (v: unknown): v is Line =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as Line).time === "string" &&
  typeof (v as Line).level === "string" &&
  typeof (v as Line).message === "string";

/** The terminal's form of one JSON log line; undefined to leave it out. */
export function terminalLine(json: string, debug: boolean): string | undefined {
  let line: unknown;
  try {
    line = JSON.parse(json);
  } catch {
    return json;
  }
  if (!isLogLine(line)) return json;
  const { time, level, message, ...fields } = line;
  const clock = time.slice(11, 19);
  if (message === REQUEST_FINISHED) {
    return `${clock} ${String(fields.method)} ${String(fields.route ?? "(no route)")} ${String(fields.status)} ${String(fields.latencyMs)} ms`;
  }
  // local/cleanup.ts already left out the runs that did nothing.
  if (level === "info" && !debug && message !== CLEANUP_FINISHED) return undefined;
  const details = Object.entries(fields)
    .filter(([k]) => k !== "requestId" && k !== "component")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${clock} ${level === "info" ? "" : `${level}: `}${message}${details ? ` (${details})` : ""}`;
}

/** Makes this process's stdout show log lines in their terminal form (unless FILESHARE_LOG_FORMAT=json). */
export function useTerminalLog(env: Record<string, string | undefined>): void {
  if (env.FILESHARE_LOG_FORMAT === "json") return;
  const debug = env.FILESHARE_LOG_LEVEL === "debug";
  const write = process.stdout.write.bind(process.stdout);
  // Loggers write one whole line per call (handlers/log.ts); anything else passes through unchanged.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== "string" || !chunk.startsWith("{") || !chunk.endsWith("}\n")) return write(chunk, ...rest);
    const shown = terminalLine(chunk.slice(0, -1), debug);
    return shown === undefined ? true : write(`${shown}\n`, ...rest);
  }) as typeof process.stdout.write;
}
