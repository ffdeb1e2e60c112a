// The transfer benchmarks' helpers: test files, child processes timed with their peak memory, and a clean disk
// state before each transfer.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";

export const MIB = 1024 * 1024;

/** Writes `size` random-looking bytes in 16 MiB blocks (flat memory). */
export async function makeFile(path: string, size: number): Promise<void> {
  const file = await open(path, "w");
  const block = randomBytes(16 * MIB);
  try {
    for (let at = 0; at < size; at += block.length) await file.write(block, 0, Math.min(block.length, size - at));
  } finally {
    await file.close();
  }
}

export const now = () => Number(process.hrtime.bigint()) / 1e9;

export interface Timed {
  start: number;
  seconds: number;
  /** Peak resident memory (VmHWM) of the process itself, kB (Linux). */
  peakKb: number;
  stdout: string;
}

/** Runs a command; resolves with its wall time and peak memory, rejects (with its stderr) on a non-zero exit. */
export function timed(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = now();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let peakKb = 0;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const poll = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    }, 50);
    child.on("error", (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(poll);
      if (code === 0) resolve({ start, seconds: now() - start, peakKb, stdout });
      else reject(new Error(`${command} ${args.join(" ").slice(0, 100)} failed (${code}): ${stderr.slice(-1500)}`));
    });
  });
}

/** Each transfer starts with no dirty pages waiting for the disk: otherwise the earlier runs' gigabytes, written
 *  back meanwhile, throttle whichever transfer comes later (measured: completions up to 5x slower). */
export async function flushWrites(): Promise<void> {
  await new Promise((resolve) => spawn("sync", { stdio: "ignore" }).on("close", resolve).on("error", resolve));
}
