// The `fileshare` CLI as a child process, the way a user runs it (node cli/fileshare.js): its exit code, signal
// and both output streams. Retries wait 20 ms instead of seconds, and no FILESHARE_API leaks in from the shell.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import type { RuntimeConfig } from "../../config/runtime";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import { testConfig } from "../support/harness";

export const CLI = join(__dirname, "..", "..", "cli", "fileshare.js");

// The command runs the built CLI (cli/dist/main.js): build it from the sources under test, once per test process
// (the build replaces the file atomically, so parallel test processes do not see half a file).
execFileSync(process.execPath, [join(__dirname, "..", "..", "cli", "build.js")], { stdio: "inherit" });

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The working folder (default: the test's). */
  cwd?: string;
  /** The most any file the CLI writes may hold, in 512-byte blocks (POSIX `ulimit -f`): a write beyond it fails
   *  with EFBIG, so a test can prove how much at most reached the disk. */
  fileSizeLimitBlocks?: number;
  /** Standard input: these bytes (then end of input), or "open" for a pipe the test writes to and ends itself
   *  (child.stdin). Default: none (/dev/null). */
  stdin?: Buffer | "open";
}

/** Starts the CLI with `args`; `env` is laid over the test process's environment and the defaults above. */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<Run> } {
  const command =
    options.fileSizeLimitBlocks === undefined
      ? [process.execPath, CLI, ...args]
      : ["/bin/sh", "-c", 'ulimit -f "$1" && shift && exec "$@"', "sh", String(options.fileSizeLimitBlocks)].concat([
          process.execPath,
          CLI,
          ...args,
        ]);
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, FILESHARE_RETRY_BASE_MS: "20", FILESHARE_API: "", ...env },
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (Buffer.isBuffer(options.stdin)) {
    child.stdin?.on("error", () => undefined); // the CLI may exit before reading it all (a refused upload)
    child.stdin?.end(options.stdin);
  }
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c) => (stdout += c));
  child.stderr?.on("data", (c) => (stderr += c));
  const done = new Promise<Run>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** The local API the CLI talks to in a suite: in-memory S3 and DynamoDB (startBackends) behind the local gateway on
 *  a free port. Registers the suite's before/after hooks (call it inside describe); read the getters in tests. */
export function useLocalApi(config: RuntimeConfig = testConfig()): {
  readonly backends: Backends;
  readonly api: string;
} {
  let backends: Backends | undefined;
  let gateway: Gateway | undefined;
  let api: string | undefined;
  before(async () => {
    backends = await startBackends({ config });
    gateway = createGateway({ deps: () => (backends as Backends).deps });
    api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
  });
  return {
    get backends() {
      if (backends === undefined) throw new Error("the local API is not started (useLocalApi's before hook)");
      return backends;
    },
    get api() {
      if (api === undefined) throw new Error("the local API is not started (useLocalApi's before hook)");
      return api;
    },
  };
}
