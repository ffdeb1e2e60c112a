// `npm run bench`, peers: the fileshare CLI against the tools its users would otherwise reach for, into and out
// of the same local S3 (the emulator, in this process) in the same run: `aws s3 cp` and `rclone copyto`, both with
// 16 MiB parts, 4 at a time, above the stack's 64 MiB threshold, with the emulator's credentials. Every
// transfer runs in a process of its own, tools in a rotating order, several times; medians are reported, with
// the CLI's peak memory and where its upload's time goes: before the first part, parts, the emulator's
// completion, and the time no part PUT was in flight (API round trips, reading, hashing: ours, not S3's).
// Then a folder of 100 small files as one share against `aws s3 cp --recursive` of the same folder.
// FILESHARE_BENCH_QUICK=1 uses 96 MiB and one run (development only: the ratios need the full sizes).
import { CompleteMultipartUploadCommand, DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileKeyFor } from "../handlers/ids";
import { handleObjectCreated } from "../handlers/objectCreated";
import { Backends, startBackends } from "../local/backends";
import { createGateway } from "../local/gateway";
import { flushWrites, makeFile, MIB, now, Timed, timed } from "./processes";
import { ratioOf, Row, shareOf, table } from "./report";
import { benchConfig, median, row } from "./support";

const QUICK = process.env["FILESHARE_BENCH_QUICK"] === "1";
/** FILESHARE_BENCH_PEERS_MIB=512 (comma-separated sizes in MiB) measures only those sizes. */
const SIZES = process.env["FILESHARE_BENCH_PEERS_MIB"]
  ? process.env["FILESHARE_BENCH_PEERS_MIB"].split(",").map((m) => Number(m) * MIB)
  : QUICK
    ? [96 * MIB]
    : [512 * MIB, 2048 * MIB];
const RUNS = QUICK ? 1 : 3;
/** The folder row: a share of this many files (the stack's default most per share), each this large. */
const FOLDER_FILES = 100;
const FOLDER_FILE_BYTES = 1 * MIB;
const AWS = "/usr/bin/aws"; // Debian's awscli (a pyenv `aws` v1 may come first on PATH)
const RCLONE = "/usr/bin/rclone";
const CLI = join(__dirname, "..", "cli", "fileshare.js");

type Tool = "fileshare" | "aws" | "rclone";

/** When each part PUT the emulator served started and ended (diagnostics channels of this process's servers). */
function recordPartPuts(): { intervals: [number, number][] } {
  const open = new WeakMap<IncomingMessage, number>();
  const record = { intervals: [] as [number, number][] };
  const isPart = (req: IncomingMessage) => req.method === "PUT" && /[?&]partNumber=/.test(req.url ?? "");
  subscribe("http.server.request.start", (m) => {
    const { request } = m as { request: IncomingMessage };
    if (isPart(request)) open.set(request, now());
  });
  subscribe("http.server.response.finish", (m) => {
    const { request } = m as { request: IncomingMessage; response: ServerResponse };
    const start = open.get(request);
    if (start !== undefined) record.intervals.push([start, now()]);
  });
  return record;
}

/** Seconds of [from, to] during which no interval was open. */
function uncovered(intervals: [number, number][], from: number, to: number): number {
  const inside = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = from;
  for (const [a, b] of inside) {
    if (b <= end) continue;
    covered += b - Math.max(a, end);
    end = b;
  }
  return to - from - covered;
}

/** When the handlers' CompleteMultipartUpload started and ended (the SDK's middleware stack). */
function recordCompletions(s3: S3Client): { last?: { start: number; end: number } } {
  const record: { last?: { start: number; end: number } } = {};
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const start = now();
      try {
        return await next(args);
      } finally {
        if (context.commandName === CompleteMultipartUploadCommand.name) record.last = { start, end: now() };
      }
    },
    { step: "initialize", name: "benchCompletions" },
  );
  return record;
}

/** Which peer tools run here, and why not when one does not. */
async function peersHere(): Promise<{ tools: Tool[]; missing: string[] }> {
  const tools: Tool[] = ["fileshare"];
  const missing: string[] = [];
  for (const [tool, path, pkg] of [
    ["aws", AWS, "awscli"],
    ["rclone", RCLONE, "rclone"],
  ] as const) {
    if (!existsSync(path)) missing.push(`${tool} (${path} missing: apt-get install ${pkg})`);
    else tools.push(tool);
  }
  return { tools, missing };
}

const seconds = (s: number | undefined) => (s === undefined ? "failed" : `${s.toFixed(2)} s`);
const rate = (size: number, s: number | undefined) =>
  s === undefined ? "failed" : `${seconds(s)} (${(size / MIB / s).toFixed(0)} MiB/s)`;

export async function benchPeers(): Promise<Row[]> {
  const rows: Row[] = [];
  const { tools, missing } = await peersHere();
  for (const m of missing) console.log(`peers: skipping ${m}`);
  await timed(process.execPath, [join(__dirname, "..", "cli", "build.js")]); // the CLI as users run it, from these sources
  const config = benchConfig({
    maxFileSizeBytes: 4096 * MIB,
    multipartThresholdBytes: 64 * MIB,
    multipartPartSizeBytes: 16 * MIB,
    uploadUrlTtlSeconds: 3600,
  });
  // The peers' objects are not shares: the handler that confirms uploads would delete them (as it deletes any
  // object without a record), and rclone checks its object after the upload.
  const wired: { deps?: Backends["deps"] } = {};
  const backends = await startBackends({
    config,
    onObjectCreated: async (event) => {
      const keys = event.Records.map((r) => r.s3.object.key);
      if (wired.deps === undefined || keys.every((k) => k.startsWith("peers/"))) return;
      await handleObjectCreated(event, { awsRequestId: "bench" }, wired.deps);
    },
  });
  wired.deps = backends.deps;
  const completions = recordCompletions(backends.deps.s3);
  const puts = recordPartPuts();
  const gateway = createGateway({ deps: () => backends.deps });
  const api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  const dir = await mkdtemp(join(tmpdir(), "fileshare-bench-peers-"));
  const endpoint = backends.s3.endpoint;
  const bucket = config.bucketName;
  await writeFile(
    join(dir, "aws-config"),
    "[default]\ns3 =\n  multipart_threshold = 64MB\n  multipart_chunksize = 16MB\n  max_concurrent_requests = 4\n  addressing_style = path\n",
  );
  const awsEnv = {
    AWS_CONFIG_FILE: join(dir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: backends.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: backends.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
  };
  const rcloneEnv = {
    AWS_CA_BUNDLE: undefined, // rclone refuses an http endpoint with a CA bundle set
    RCLONE_CONFIG_BENCH_TYPE: "s3",
    RCLONE_CONFIG_BENCH_PROVIDER: "Other",
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: backends.credentials.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: backends.credentials.secretAccessKey,
    RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
    RCLONE_CONFIG_BENCH_REGION: "us-east-1",
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
  };
  const cliEnv = { FILESHARE_CONFIG_DIR: join(dir, "config") };
  const upload: Record<Tool, (file: string) => Promise<Timed>> = {
    fileshare: (file) => timed(process.execPath, [CLI, "upload", file, "--api", api], cliEnv),
    aws: (file) =>
      timed(
        AWS,
        ["s3", "cp", file, `s3://${bucket}/peers/aws`, "--endpoint-url", endpoint, "--only-show-errors"],
        awsEnv,
      ),
    rclone: (file) =>
      timed(
        RCLONE,
        ["copyto", file, `bench:${bucket}/peers/rclone`, "--s3-chunk-size", "16M", "--s3-upload-concurrency", "4"],
        rcloneEnv,
      ),
  };
  const removeObject = (key: string) =>
    backends.deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  try {
    for (const size of SIZES) {
      const name = `${size / MIB} MiB`;
      const file = join(dir, "file.bin");
      await makeFile(file, size);
      const up: Record<string, number[]> = {};
      const failed: Record<string, string> = {};
      const peak: number[] = [];
      const phases: { seconds: number; before: number; parts: number; complete: number; outsidePuts: number }[] = [];
      let link: string | undefined;
      for (let run = 0; run < RUNS; run++) {
        const order = tools.map((_, i) => tools[(i + run) % tools.length] as Tool);
        for (const tool of order) {
          await flushWrites();
          const started = now();
          try {
            const t = await upload[tool](file);
            (up[tool] ??= []).push(t.seconds);
            if (tool === "fileshare") {
              peak.push(t.peakKb);
              const done = completions.last;
              const firstPut = Math.min(...puts.intervals.filter(([a]) => a >= started).map(([a]) => a));
              if (done && done.start > started) {
                phases.push({
                  seconds: t.seconds,
                  before: firstPut - started,
                  parts: done.start - firstPut,
                  complete: done.end - done.start,
                  outsidePuts: uncovered(puts.intervals, started, started + t.seconds),
                });
              }
              if (link !== undefined) await removeObject(fileKeyFor(idOf(link)));
              link = /^link: (\S+)$/m.exec(t.stdout)?.[1];
            }
          } catch (e) {
            failed[tool] = (e as Error).message;
            console.log(`peers: ${tool} upload of ${name} failed: ${(e as Error).message.split("\n")[0]}`);
          }
          puts.intervals = puts.intervals.filter(([, b]) => b >= now() - 1);
          if (tool !== "fileshare") await removeObject(`peers/${tool}`);
        }
      }
      const med = (tool: Tool) => (up[tool] && !failed[tool] ? median(up[tool]) : undefined);
      const cli = med("fileshare");
      for (const peer of tools.filter((t) => t !== "fileshare")) {
        const base = med(peer);
        rows.push(
          row(
            "peers",
            `upload ${name}: fileshare vs ${peer === "aws" ? "aws s3 cp" : "rclone copyto"}`,
            rate(size, cli),
            ratioOf(base, cli),
            `${peer} ${rate(size, base)}`,
            "≥ 1",
          ),
        );
      }
      if (phases.length > 0 && cli !== undefined) {
        // The phases of the run whose time is the median (so that they add up to the time shown).
        const p = phases.find((x) => x.seconds === cli) ?? phases[0]!;
        const part = (what: string, s: number) =>
          rows.push(
            row("peers", `upload ${name}, of which ${what}`, seconds(s), shareOf(s, cli), "fileshare upload", ""),
          );
        part("start-up and POST /uploads, to the first part", p.before);
        part("parts", p.parts);
        part("the emulator's CompleteMultipartUpload", p.complete);
        part("time with no part PUT in flight (ours: API calls, reading, hashing)", p.outsidePuts);
      }
      if (peak.length > 0) {
        const mb = Math.max(...peak) / 1024;
        rows.push(
          row("peers", `upload ${name}: CLI peak memory (VmHWM)`, `${mb.toFixed(0)} MB`, undefined, "", "flat"),
        );
      }

      // Downloads of the same object: the CLI through its share (with the SHA-256 check), aws by its key.
      if (link !== undefined) {
        const key = fileKeyFor(idOf(link));
        const out = join(dir, "out.bin");
        const down: Record<string, number[]> = {};
        const downPeak: number[] = [];
        const getters: [string, () => Promise<Timed>][] = [
          ["fileshare", () => timed(process.execPath, [CLI, "download", link!, "-o", out, "--force"], cliEnv)],
        ];
        if (tools.includes("aws")) {
          getters.push([
            "aws",
            () =>
              timed(
                AWS,
                ["s3", "cp", `s3://${bucket}/${key}`, out, "--endpoint-url", endpoint, "--only-show-errors"],
                awsEnv,
              ),
          ]);
        }
        for (let run = 0; run < RUNS; run++) {
          for (const [tool, get] of run % 2 ? [...getters].reverse() : getters) {
            await rm(out, { force: true });
            await flushWrites();
            try {
              const t = await get();
              (down[tool] ??= []).push(t.seconds);
              if (tool === "fileshare") downPeak.push(t.peakKb);
            } catch (e) {
              failed[`${tool} download`] = (e as Error).message;
              console.log(`peers: ${tool} download of ${name} failed: ${(e as Error).message.split("\n")[0]}`);
            }
          }
        }
        const dmed = (tool: string) => (down[tool] && !failed[`${tool} download`] ? median(down[tool]) : undefined);
        if (tools.includes("aws")) {
          rows.push(
            row(
              "peers",
              `download ${name} (SHA-256 checked): fileshare vs aws s3 cp`,
              rate(size, dmed("fileshare")),
              ratioOf(dmed("aws"), dmed("fileshare")),
              `aws ${rate(size, dmed("aws"))}`,
              "≥ 1",
            ),
          );
        }
        if (dmed("fileshare") !== undefined) {
          // What the CLI's check costs and `aws s3 cp` does not do: hashing the whole file, bytes it already holds.
          const s = hashSeconds(size);
          rows.push(
            row(
              "peers",
              `download ${name}: the SHA-256 check's CPU (aws makes none; the CLI's runs beside the transfer)`,
              seconds(s),
              shareOf(s, dmed("fileshare")),
              "fileshare download",
              "",
            ),
          );
        }
        if (downPeak.length > 0) {
          const mb = Math.max(...downPeak) / 1024;
          rows.push(
            row("peers", `download ${name}: CLI peak memory (VmHWM)`, `${mb.toFixed(0)} MB`, undefined, "", "flat"),
          );
        }
        await rm(out, { force: true });
        await removeObject(key);
      }
      await rm(file);
      console.log(`\npeers, ${name} (medians of ${RUNS}):\n${table(rows.filter((r) => r.what.includes(` ${name}`)))}`);
    }
    if (tools.includes("aws")) {
      const folderRows = await folderUpload(dir, {
        fileshare: (folder) => timed(process.execPath, [CLI, "upload", folder, "--api", api], cliEnv),
        aws: (folder) =>
          timed(
            AWS,
            [
              ...["s3", "cp", folder, `s3://${bucket}/peers/folder/`, "--recursive"],
              ...["--endpoint-url", endpoint, "--only-show-errors"],
            ],
            awsEnv,
          ),
      });
      rows.push(...folderRows);
      console.log(`\npeers, a folder (medians of ${RUNS}):\n${table(folderRows)}`);
    }
  } finally {
    await gateway.close();
    await backends.close();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/** A folder of FOLDER_FILES files of FOLDER_FILE_BYTES each, uploaded as one share (`fileshare upload FOLDER`:
 *  POST /shares, every file's PUT, complete) and by `aws s3 cp --recursive`, alternately, RUNS times. */
async function folderUpload(
  dir: string,
  upload: Record<"fileshare" | "aws", (folder: string) => Promise<Timed>>,
): Promise<Row[]> {
  const folder = join(dir, "folder");
  await mkdir(folder);
  for (let i = 0; i < FOLDER_FILES; i++) await makeFile(join(folder, `file-${i}.bin`), FOLDER_FILE_BYTES);
  const times: Record<string, number[]> = {};
  const failed = new Set<string>();
  const peak: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const tool of run % 2 ? (["aws", "fileshare"] as const) : (["fileshare", "aws"] as const)) {
      await flushWrites();
      try {
        const t = await upload[tool](folder);
        (times[tool] ??= []).push(t.seconds);
        if (tool === "fileshare") peak.push(t.peakKb);
      } catch (e) {
        failed.add(tool);
        console.log(`peers: ${tool} upload of the folder failed: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  }
  await rm(folder, { recursive: true, force: true });
  const med = (tool: string) => (times[tool] && !failed.has(tool) ? median(times[tool]) : undefined);
  const size = FOLDER_FILES * FOLDER_FILE_BYTES;
  const what = `upload a folder of ${FOLDER_FILES} files of ${FOLDER_FILE_BYTES / MIB} MiB`;
  const rows = [
    row(
      "peers",
      `${what} as one share: fileshare vs aws s3 cp --recursive`,
      rate(size, med("fileshare")),
      ratioOf(med("aws"), med("fileshare")),
      `aws ${rate(size, med("aws"))}`,
      "≥ 0.8",
    ),
  ];
  if (peak.length > 0) {
    const mb = Math.max(...peak) / 1024;
    rows.push(row("peers", `${what}: CLI peak memory (VmHWM)`, `${mb.toFixed(0)} MB`, undefined, "", ""));
  }
  return rows;
}

/** Seconds this process takes to SHA-256 `size` bytes already in memory (a 16 MiB block over and over). */
function hashSeconds(size: number): number {
  const block = Buffer.alloc(16 * MIB, 1);
  const hash = createHash("sha256");
  const started = now();
  for (let at = 0; at < size; at += block.length) hash.update(block.subarray(0, Math.min(block.length, size - at)));
  hash.digest();
  return now() - started;
}

/** The file id at the end of a share link. */
const idOf = (link: string) => new URL(link).pathname.split("/").filter(Boolean).pop() as string;

if (require.main === module) {
  const started = Date.now();
  benchPeers()
    .then(async (rows) => (await import("./report")).report(rows, started))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
