// `npm start`: the whole system on one machine. Local S3 and DynamoDB servers, and the local gateway serving the
// route table (API and web page) on http://127.0.0.1:PORT/, configured from the same keys as the dev stack.
//
//   PORT=3000                      where to listen (0 = any free port)
//   --data-dir DIR                 keep files and records here (FILESHARE_DATA_DIR; default .local-data/)
//   --memory                       throwaway run: nothing is kept (FILESHARE_MEMORY=1)
//   --help                         prints the usage
//   FILESHARE_LOCAL_API_KEY=...    the API key of the write routes with fileshare:apiKeys (default: random, printed)
//   FILESHARE_<SETTING>=value      overrides fileshare:<setting> from Pulumi.dev.yaml, e.g.
//                                  FILESHARE_MAX_FILE_SIZE_BYTES=1048576, FILESHARE_CORS_ORIGINS=a,b (or JSON)
//
// This file is the entry point only (npm start runs it compiled, through local/start.js): signals and output. The
// command line is in commandLine.ts, the settings in settings.ts, the data-folder lock in lock.ts, starting and stopping
// the servers in server.ts.
import { parseCommandLine, USAGE } from "./commandLine";
import { useTerminalLog } from "./console";
import { StartupError } from "./errors";
import { LocalServer, startLocal } from "./server";
import { loadSettings } from "./settings";

async function main(): Promise<void> {
  let server: LocalServer | undefined;
  let stopping: string | undefined;
  let stoppingAt = 0;
  const stop = (signal: string) => {
    // One Ctrl-C under `npm start` arrives twice: the terminal signals the whole group and npm passes its own on.
    if (stopping === signal && Date.now() - stoppingAt < 2000) return;
    if (stopping !== undefined) {
      process.stderr.write(`fileshare: ${signal} again, exiting without a clean stop.\n`);
      process.exit(1);
    }
    stopping = signal;
    stoppingAt = Date.now();
    // While still starting, the start-up code below shuts down once it is done.
    if (server !== undefined) shutdown(server, signal);
  };
  const shutdown = (running: LocalServer, signal: string) => {
    process.stdout.write(`fileshare: ${signal} received, stopping.\n`);
    running.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`fileshare: stop failed: ${(e as Error)?.message ?? String(e)}\n`);
        process.exit(1);
      },
    );
  };
  // Whatever escapes (an emulator's own failure): one line, never a stack trace.
  const crash = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`fileshare stopped on an unexpected error: ${message.split("\n")[0]}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  // Installed before anything is printed: a Ctrl-C right after the "running" line must still stop cleanly.
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  try {
    const commandLine = parseCommandLine(process.argv.slice(2), process.env);
    if (commandLine.help) {
      // Nothing was started: returning ends the process with exit code 0.
      process.stdout.write(USAGE);
      return;
    }
    const settings = await loadSettings(process.env);
    const started = await startLocal({ ...commandLine, settings, apiKey: process.env["FILESHARE_LOCAL_API_KEY"] });
    server = started;
    if (stopping !== undefined) return shutdown(started, stopping);
    const data =
      commandLine.dataDir === undefined
        ? "Data: in memory (discarded on exit)"
        : `Data: ${commandLine.dataDir} (kept across restarts)`;
    process.stdout.write(
      [
        `fileshare is running: ${started.pageUrl}`,
        `API base URL: ${started.apiUrl} (the routes of docs/api.md)`,
        started.issuer
          ? `Sign-in: local OpenID Connect issuer at ${started.issuer.issuer} (any email, local only); a token for curl: npm run token -- ${commandLine.dataDir === undefined ? `--url ${started.apiUrl} ` : ""}alice@example.com`
          : "Sign-in: off (fileshare:auth none)",
        ...(started.apiKey
          ? [`API key for the write routes (header x-api-key; signed-in callers need none): ${started.apiKey}`]
          : []),
        data,
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  } catch (e) {
    const message = e instanceof StartupError ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
    process.stderr.write(`fileshare could not start: ${message}\n`);
    process.exit(1);
  }
}

/** Runs `npm start` (local/start.js calls this in the compiled bundle; `ts-node local/main.ts` runs it directly). */
export function run(): void {
  // Everything this process creates (objects, records, LevelDB files, keys) is its user's only, whatever the
  // shell's umask: the data folder holds other people's files.
  process.umask(0o077);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  useTerminalLog(process.env);
  void main();
}

if (require.main === module) run();
