// `npm run bench`, start-up rows: `npm start` (local/start.js running the compiled bundle) with a data folder that
// has been used once (its keys exist, the bundle is built), from the spawn to its first line and to its "running"
// line; the baseline is the same program through ts-node (what npm start ran before), in the same run. A few runs
// each, alternately, medians reported.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ratioOf, Row } from "./report";
import { median, ROOT, row as reportRow } from "./support";

const RUNS = 3;

/** Seconds from the spawn to the first line and to the "running" line; the process is then stopped. */
function timeStart(command: string, args: string[]): Promise<{ first: number; running: number }> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", FILESHARE_LOG_LEVEL: "error" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let first: number | undefined;
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start in 120 s`)), 120_000);
    child.stdout!.on("data", (d) => {
      first ??= seconds();
      out += d;
      if (!/fileshare is running/.test(out)) return;
      const running = seconds();
      clearTimeout(timer);
      child.on("exit", () => resolve({ first: first!, running }));
      process.kill(-child.pid!, "SIGTERM");
    });
    child.on("exit", (code) => code !== null && code !== 0 && reject(new Error(`${command} exited ${code}`)));
  });
}

export async function benchStartup(): Promise<Row[]> {
  const dataDir = await mkdtemp(join(tmpdir(), "fileshare-bench-start-"));
  const compiled = ["npm", ["start", "--silent", "--", "--data-dir", dataDir]] as const;
  const tsNode = [
    "npm",
    ["exec", "--", "ts-node", "--transpile-only", "local/main.ts", "--data-dir", dataDir],
  ] as const;
  try {
    await timeStart(compiled[0], [...compiled[1]]); // first start: builds the bundle if needed, makes the folder's keys
    const now: { first: number; running: number }[] = [];
    const before: { first: number; running: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      now.push(await timeStart(compiled[0], [...compiled[1]]));
      before.push(await timeStart(tsNode[0], [...tsNode[1]]));
    }
    const s = (v: number) => `${v.toFixed(2)} s`;
    const row = (what: string, key: "first" | "running", goal: string): Row => {
      const [m, b] = [median(now.map((r) => r[key])), median(before.map((r) => r[key]))];
      return reportRow("start-up", what, s(m), ratioOf(m, b), `ts-node ${s(b)}`, goal);
    };
    return [
      row("npm start: first line", "first", "< 1 s idle"),
      row("npm start: running line", "running", "< 3 s idle"),
    ];
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
