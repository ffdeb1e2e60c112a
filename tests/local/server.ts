// Starts the local mode as a user does (`npm start`, or the exact command that script runs) in a child process,
// and waits for the line that says where it is running. Async child processes only: the emulators of other
// tests may run in this process (spawnSync then hangs).
import { ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = join(__dirname, "..", "..");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LocalProcess {
  child: ChildProcess;
  /** The page URL the server printed, e.g. http://127.0.0.1:41234/ */
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Sends `signal` to the whole process group, as Ctrl-C in a terminal does, and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface StartOptions {
  /** "npm" runs `npm start`; "direct" runs the command of package.json's start script without npm around it. */
  via?: "npm" | "direct";
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The start script's command line, e.g. ["node", "local/start.js"]. */
function startScript(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/);
}

/** Spawns the local mode; resolves once it printed its URL, rejects (with its output) if it exits first. */
export function spawnLocal(options: StartOptions = {}): { child: ChildProcess; ready: Promise<LocalProcess> } {
  const args = options.args ?? [];
  const [bin, ...scriptArgs] = startScript();
  const [command, commandArgs] =
    (options.via ?? "npm") === "npm"
      ? ["npm", ["start", "--silent", "--", ...args]]
      : [
          bin === "node" ? process.execPath : join(REPO_ROOT, "node_modules", ".bin", bin as string),
          [...scriptArgs, ...args],
        ];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: "0", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...options.env },
    // Its own process group, so that stop() can signal npm, the shell and node at once, like a terminal.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const stop = async (signal: NodeJS.Signals = "SIGINT", timeoutMs = 10000): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
        reject(new Error(`the local server did not stop within ${timeoutMs} ms after ${signal}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const ready = new Promise<LocalProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`no "running" line within ${options.timeoutMs ?? 20000} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, options.timeoutMs ?? 20000);
    const onData = () => {
      const match = /fileshare is running: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve({ child, url: match[1] as string, stdout: () => out, stderr: () => err, exited, stop });
    };
    child.stdout?.on("data", onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(
        Object.assign(
          new Error(`exited (${exit.code ?? exit.signal}) before running\nstdout:\n${out}\nstderr:\n${err}`),
          {
            exit,
            stdout: out,
            stderr: err,
          },
        ),
      );
    });
  });
  return { child, ready };
}

/** Starts the local mode and waits until it is running. */
export function startLocalProcess(options: StartOptions = {}): Promise<LocalProcess> {
  return spawnLocal(options).ready;
}

/** Runs the local mode expecting it to fail at start-up; resolves with its exit and output. */
export async function expectStartFailure(
  options: StartOptions = {},
): Promise<{ exit: Exit; stdout: string; stderr: string }> {
  try {
    const running = await startLocalProcess(options);
    await running.stop("SIGKILL");
    throw new Error(`expected a start-up failure, but it is running at ${running.url}`);
  } catch (e) {
    const failure = e as { exit?: Exit; stdout?: string; stderr?: string };
    if (failure.exit === undefined) throw e;
    return { exit: failure.exit, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}
