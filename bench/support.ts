// The benchmark's own helpers (not the tests'): build the program's archives, lay them out outside the
// project as Lambda would, size them, time child processes, start `npm start` and a bare dynalite, and drive
// HTTP load at a fixed concurrency.
import { ChildProcess, spawn } from "node:child_process";
import { cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { Agent, createServer, request } from "node:http";
import { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { deflateRawSync } from "node:zlib";
import { parseSettings } from "../config/parse";
import { RuntimeConfig, runtimeConfig } from "../config/runtime";
import { ROUTES } from "../handlers/api";
import { matchPath } from "../handlers/matchPath";
import { proxyEvent } from "../local/events";
import type { Row } from "./report";

export const ROOT = join(__dirname, "..");

/** What bench/build.ts prints. */
export interface Built {
  functions: { name: string; indexJs: string; folders: string[]; layers: string[] }[];
  layer: Record<string, string>;
  /** The folders default packing (no codePathOptions) puts in every archive. */
  defaultFolders: string[];
}

/** Output of `node [args]` run in `cwd`; rejects on a non-zero exit. */
export function node(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return new Promise<{ stdout: string; wallMs: number }>((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env["PATH"] ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve({ stdout: out, wallMs });
      else reject(new Error(`node ${args.join(" ")} exited ${code}: ${err}`));
    });
  });
}

/** Runs index.ts under mocks in its own process (bench/build.ts). */
export async function buildProgram(): Promise<Built> {
  const { stdout } = await node(["-r", "ts-node/register/transpile-only", join(__dirname, "build.ts")], {
    env: { HOME: process.env["HOME"] ?? "" },
  });
  return JSON.parse(stdout);
}

/** Writes `files` (archive path -> text) under `dir`. */
export async function writeFiles(files: Record<string, string>, dir: string): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** Lays a function's archive out in `dir`: its __index.js and the project folders it carries. */
export async function layOutArchive(indexJs: string, folders: string[], dir: string): Promise<void> {
  await writeFiles({ "__index.js": indexJs }, dir);
  for (const folder of folders) await cp(join(ROOT, folder), join(dir, folder), { recursive: true });
}

/** A folder's size unzipped and as a zip archive would be (every file deflated, plus zip's per-file headers). */
export async function archiveSize(dir: string): Promise<{ zipped: number; unzipped: number; files: number }> {
  const size = { zipped: 22, unzipped: 0, files: 0 };
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const path = join(d, name);
      if ((await stat(path)).isDirectory()) await walk(path, `${prefix}${name}/`);
      else {
        const data = await readFile(path);
        size.unzipped += data.length;
        size.zipped += deflateRawSync(data).length + 30 + 46 + 2 * (prefix.length + name.length);
        size.files++;
      }
    }
  };
  await walk(dir, "");
  return size;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

export function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A child process this benchmark started, and how to stop it (its own process group, by its id). */
export interface Started {
  url: string;
  stop(): Promise<void>;
}

function startChild(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGINT");
    await exited;
  };
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const timer = setTimeout(() => reject(new Error(`${command} did not start in 60 s: ${err}`)), 60_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const url = ready.exec(line)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ url, stop });
      }
    });
    child.on("exit", (code) => reject(new Error(`${command} exited ${code}: ${err}`)));
  });
}

/** `npm start -- --memory` on a free port, as a user runs it. */
export function startLocalMode(): Promise<Started> {
  return startChild("npm", ["start", "--silent", "--", "--memory"], { PORT: "0" }, /http:\/\/127\.0\.0\.1:\d+\//);
}

/** A bare in-memory dynalite in its own process, as npm start configures it. */
export function startDynalite(): Promise<Started> {
  const script = `const d = require("dynalite")({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    d.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + d.address().port + "/"));
    process.on("SIGINT", () => d.close(() => process.exit(0)));`;
  return startChild(process.execPath, ["-e", script], {}, /http:\/\/127\.0\.0\.1:\d+\//);
}

/** One HTTP request over a keep-alive agent; resolves with the status and body. */
export function http(
  agent: Agent,
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Runs `call` from `concurrency` loops for `durationMs`: completed calls per second and latency percentiles. */
export async function drive(concurrency: number, durationMs: number, call: () => Promise<void>) {
  const latencies: number[] = [];
  const end = Date.now() + durationMs;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        await call();
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** The local servers' config for a benchmark: the schema's defaults, one CORS origin, then the benchmark's own
 *  limits (applied unvalidated: a benchmark may go past what the schema allows). */
export function benchConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const settings = parseSettings({ corsOrigins: ["http://127.0.0.1:3000"] });
  return { ...runtimeConfig(settings, "fileshare-bench", "fileshare-bench-files"), ...overrides };
}

/** A stand-in for EventBridge's endpoint that accepts every PutEvents (the functions send audit events; the
 *  benchmark times them, it does not check them). Resolves with its URL and a close function. */
export async function startEventBridgeSink(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: "bench" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;
export const kb = (v: number) => `${(v / 1024).toFixed(1)} KB`;

/** A report row. */
export function row(
  section: string,
  what: string,
  measured: string,
  ratio: number | null | undefined,
  baseline: string,
  goal: string,
): Row {
  return { section, what, measured, ratio, baseline, goal };
}

/** The body of the POST /uploads the benchmarks make. */
export const UPLOAD = { fileName: "bench.bin", contentType: "application/octet-stream", size: 1024 };

/** An API Gateway event for `method path` on the route that serves it. */
export function apiEvent(method: string, path: string, body?: unknown) {
  const route = ROUTES.find((r) => r.method === method && matchPath(r.path, path))!;
  const event = proxyEvent({
    method,
    path,
    resource: route.path,
    pathParameters: matchPath(route.path, path)!,
    headers: { host: "bench.example", "x-forwarded-proto": "https", "content-type": "application/json" },
    stage: "dev",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { route, event };
}
