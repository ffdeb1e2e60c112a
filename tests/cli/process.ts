// The `fileshare` CLI as a child process, the way a user runs it (node cli/fileshare.js): its exit code, signal
// and both output streams. Retries wait 20 ms instead of seconds, and no FILESHARE_API leaks in from the shell.
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const CLI = join(__dirname, "..", "..", "cli", "fileshare.js");

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI with `args`; `env` is laid over the test process's environment and the defaults above. */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, FILESHARE_RETRY_BASE_MS: "20", FILESHARE_API: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c) => (stdout += c));
  child.stderr?.on("data", (c) => (stderr += c));
  const done = new Promise<Run>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}
