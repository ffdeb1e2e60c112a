// `npm start`: the whole system on one machine. Local S3 and DynamoDB servers, and the local gateway serving the
// route table (API and web page) on http://127.0.0.1:PORT/, configured from the same keys as the dev stack.
//
//   PORT=3000                      where to listen (0 = any free port)
//   --data-dir DIR                 keep files and records here (FILESHARE_DATA_DIR; default .local-data/)
//   --memory                       throwaway run: nothing is kept (FILESHARE_MEMORY=1)
//   --help                         prints the usage
//   FILESHARE_<SETTING>=value      overrides fileshare:<setting> from Pulumi.dev.yaml, e.g.
//                                  FILESHARE_MAX_FILE_SIZE_BYTES=1048576, FILESHARE_CORS_ORIGINS=a,b (or JSON)
import { access, constants, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseSettings, SettingsError } from "../config/parse";
import { RuntimeConfig, runtimeConfig, splitList } from "../config/runtime";
import { envName, Settings, SETTINGS } from "../config/schema";
import { Backends, startBackends } from "./backends";
import { createGateway, Gateway } from "./gateway";

/** The repository root, where Pulumi.dev.yaml and .local-data/ live. */
export const REPO_ROOT = resolve(__dirname, "..");
export const DEFAULT_PORT = 3000;
export const LOCAL_BUCKET = "fileshare-local";
export const LOCAL_TABLE = "fileshare-local-files";

/** A start-up failure with a one-line message that names the problem and the fix. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

export interface LocalOptions {
  /** 0 = any free port. */
  port: number;
  /** Where data is kept across restarts; undefined = in memory / a temp folder, removed on close. */
  dataDir?: string;
  settings: Settings;
  /** Serve under /<stage>/ like a deployed API Gateway stage (tests use it); default: at the root. */
  stage?: string;
}

export interface LocalServer {
  port: number;
  /** The web page, e.g. http://127.0.0.1:3000/ */
  pageUrl: string;
  /** The API base URL (API.md's base URL, ends with "/"). */
  apiUrl: string;
  backends: Backends;
  gateway: Gateway;
  close(): Promise<void>;
}

/** Reads the `fileshare:` keys of a stack file (missing file = no keys). */
export async function readStackFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new StartupError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new StartupError(`${file} is not valid YAML (${(e as Error).message.split("\n")[0]}); fix the file.`);
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if (name.startsWith("fileshare:")) out[name.slice("fileshare:".length)] = value;
  }
  return out;
}

/** The settings of the local run: the stack file's `fileshare:` keys, overridden by FILESHARE_* variables. */
export async function loadSettings(
  env: Record<string, string | undefined> = process.env,
  stackFile = join(REPO_ROOT, "Pulumi.dev.yaml"),
): Promise<Settings> {
  const raw: Record<string, unknown> = await readStackFile(stackFile);
  for (const spec of SETTINGS) {
    const value = env[envName(spec.key)];
    if (value === undefined) continue;
    // Lists may be given as JSON or comma-separated, as config/runtime.ts encodes them.
    raw[spec.key] = spec.type === "array" && !value.trim().startsWith("[") ? splitList(value) : value;
  }
  try {
    return parseSettings(raw);
  } catch (e) {
    if (e instanceof SettingsError) {
      throw new StartupError(`invalid config: ${e.message} Fix it in Pulumi.dev.yaml or the FILESHARE_* variable.`);
    }
    throw e;
  }
}

/** What the handlers see locally: the stack's settings plus local names, with the page's own origins allowed. */
export function localRuntimeConfig(settings: Settings, pageOrigins: readonly string[]): RuntimeConfig {
  const config = runtimeConfig(settings, LOCAL_BUCKET, LOCAL_TABLE);
  return { ...config, corsOrigins: [...new Set([...config.corsOrigins, ...pageOrigins])] };
}

/** Makes sure the data folder exists and can be read and written, or says what to do. */
async function prepareDataDir(dir: string): Promise<void> {
  const hint = "choose another with --data-dir DIR (or FILESHARE_DATA_DIR), or run with --memory";
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    await writeFile(probe, "");
    await rm(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError(`cannot use the data folder ${dir} (${code}): fix its permissions, or ${hint}.`);
  }
}

/** A process's start time (clock ticks since boot, field 22 of /proc/<pid>/stat); undefined without /proc. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // Field 2 (the command name, in parentheses) may hold spaces: count from the last ")". Field 3 is index 0.
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/**
 * Whether the pid file's process still runs this program. A pid is reused once its process is gone, so a live
 * pid proves nothing by itself: the start time recorded with it must match, or (a file without one) the process
 * must be a fileshare at all. Where /proc is missing there is no telling: assume it is.
 */
async function holdsDataDir(pid: number, recordedStart: string | undefined): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const started = await startTimeOf(pid);
  if (recordedStart !== undefined && started !== undefined) return started === recordedStart;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return cmdline === undefined || cmdline.includes("local/main");
}

/**
 * Claims the data folder for this process (a pid file: "<pid> <start time>"), because the DynamoDB emulator's
 * store cannot be shared: a second server on the same folder would crash on its first request. A pid file left
 * by a process that is gone (or whose pid now belongs to another program) is taken over. Returns the release
 * function.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, "fileshare.pid");
  const claim = [process.pid, await startTimeOf(process.pid)].filter((v) => v !== undefined).join(" ");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, claim, { flag: "wx" });
      return () => rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const [pidText = "", recordedStart] = (await readFile(file, "utf8").catch(() => "")).trim().split(/\s+/);
      const pid = Number(pidText);
      if (Number.isSafeInteger(pid) && pid > 0 && (await holdsDataDir(pid, recordedStart))) {
        throw new StartupError(
          `the data folder ${dir} is in use by another fileshare (pid ${pid}): stop that one, or use --data-dir DIR or --memory. If no fileshare is running, delete ${file}.`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new StartupError(`could not claim the data folder ${dir}; delete ${file} if no fileshare is running.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Starts the gateway on 127.0.0.1 (first, so the port is known and a taken port fails fast), then the backends. */
export async function startLocal(options: LocalOptions): Promise<LocalServer> {
  let unlock = async () => {};
  if (options.dataDir !== undefined) {
    await prepareDataDir(options.dataDir);
    unlock = await lockDataDir(options.dataDir);
  }
  let backends: Backends | undefined;
  const gateway = createGateway({ deps: () => backends?.deps, stage: options.stage });
  let port: number;
  try {
    port = await gateway.listen(options.port);
  } catch (e) {
    await unlock();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new StartupError(
        `port ${options.port} is already in use: stop the program using it, or start with PORT=<another port> (PORT=0 picks a free one).`,
      );
    }
    if (code === "EACCES") {
      throw new StartupError(`not allowed to listen on port ${options.port}: use a port above 1023, e.g. PORT=3000.`);
    }
    throw e;
  }
  const pageOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  try {
    backends = await startBackends({
      config: localRuntimeConfig(options.settings, pageOrigins),
      dataDir: options.dataDir,
      extraCorsOrigins: pageOrigins,
    });
  } catch (e) {
    await gateway.close();
    await unlock();
    const message = e instanceof Error ? e.message : String(e);
    throw new StartupError(`the local S3/DynamoDB servers did not start (${message.split("\n")[0]}).`);
  }
  const started = backends;
  const url = `http://127.0.0.1:${port}/${options.stage ? `${options.stage}/` : ""}`;
  return {
    port,
    pageUrl: url,
    apiUrl: url,
    backends: started,
    gateway,
    close: async () => {
      await gateway.close();
      await started.close();
      started.deps.s3.destroy();
      started.deps.db.destroy();
      await unlock();
    },
  };
}

/** What `--help` prints. */
export const USAGE = [
  "usage: npm start [-- --data-dir DIR | --memory | --help]",
  "",
  "  --data-dir DIR   keep files and records in DIR (default .local-data/; env FILESHARE_DATA_DIR)",
  "  --memory         keep nothing: a throwaway run (env FILESHARE_MEMORY=1)",
  "  --help, -h       print this and exit",
  "",
  "environment:",
  "  PORT=3000                  where to listen on 127.0.0.1 (0 = any free port)",
  "  FILESHARE_<SETTING>=value  overrides fileshare:<setting> of Pulumi.dev.yaml, e.g. FILESHARE_MAX_FILE_SIZE_BYTES=1048576",
  "",
].join("\n");

export interface CommandLine {
  port: number;
  dataDir?: string;
  /** --help: print USAGE and exit 0, start nothing. */
  help?: true;
}

/** Reads PORT, --data-dir / FILESHARE_DATA_DIR, --memory / FILESHARE_MEMORY and --help. */
export function parseCommandLine(argv: readonly string[], env: Record<string, string | undefined>): CommandLine {
  let dataDir = env.FILESHARE_DATA_DIR || join(REPO_ROOT, ".local-data");
  let memory = env.FILESHARE_MEMORY === "1" || env.FILESHARE_MEMORY === "true";
  const folder = (value: string | undefined): string => {
    // An empty value would resolve to the current folder, and "--memory" after "--data-dir" is no folder name.
    if (value === undefined || value.trim() === "" || value.startsWith("-")) {
      throw new StartupError("--data-dir needs a folder: --data-dir DIR (or --data-dir=DIR), or use --memory.");
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--memory") memory = true;
    else if (arg === "--data-dir") dataDir = folder(argv[++i]);
    else if (arg?.startsWith("--data-dir=")) dataDir = folder(arg.slice("--data-dir=".length));
    else if (arg === "--help" || arg === "-h") return { port: DEFAULT_PORT, help: true };
    else
      throw new StartupError(
        `unknown option ${JSON.stringify(arg)}: use --data-dir DIR or --memory (--help lists all).`,
      );
  }
  const portText = env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || port > 65535) {
    throw new StartupError(`PORT=${JSON.stringify(portText)} is not a port number: use 1-65535, or 0 for a free port.`);
  }
  return { port, dataDir: memory ? undefined : resolve(dataDir) };
}

async function main(): Promise<void> {
  let server: LocalServer | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    if (stopping !== undefined) {
      process.stderr.write(`fileshare: ${signal} again, exiting without a clean stop.\n`);
      process.exit(1);
    }
    stopping = signal;
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
    const started = await startLocal({ ...commandLine, settings });
    server = started;
    if (stopping !== undefined) return shutdown(started, stopping);
    const data =
      commandLine.dataDir === undefined
        ? "Data: in memory (discarded on exit)"
        : `Data: ${commandLine.dataDir} (kept across restarts)`;
    process.stdout.write(
      [
        `fileshare is running: ${started.pageUrl}`,
        `API base URL: ${started.apiUrl} (the routes of API.md)`,
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

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  void main();
}
