// `npm run bench`, multipart part: the CLI's multipart upload throughput against the local S3, as a ratio to one
// raw pre-signed single PUT of the same bytes to the same server in the same run (goal >= 0.8x), and the CLI's
// peak memory (VmHWM, Linux) while it uploads a 2 GiB file (goal: flat, under 150 MB). Both uploads run in a
// child process of their own (the server runs in this one), alternately, three times; medians are reported.
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, open, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackends } from "../local/backends";
import { createGateway } from "../local/gateway";
import { benchConfig } from "./support";

const MIB = 1024 * 1024;
const RUNS = 3;
const CLI_DIR = join(__dirname, "..", "cli");

/** Writes `size` random-looking bytes in 16 MiB blocks (flat memory). */
async function makeFile(path: string, size: number): Promise<void> {
  const file = await open(path, "w");
  const block = randomBytes(16 * MIB);
  try {
    for (let at = 0; at < size; at += block.length) await file.write(block, 0, Math.min(block.length, size - at));
  } finally {
    await file.close();
  }
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** The baseline: a bare Node process streaming the file as the body of one PUT (no checksum, no hashing). */
const RAW_PUT = `
const [url, path, size] = process.argv.slice(1);
const req = require("node:http").request(url, { method: "PUT", headers: { "Content-Length": size } }, (res) => {
  res.resume();
  res.on("end", () => process.exit(res.statusCode === 200 ? 0 : 1));
});
require("node:fs").createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(req);
`;

/** Runs a child process; returns its wall time and its peak resident memory (kB) from /proc. */
function timed(args: string[], env: Record<string, string> = {}): Promise<{ seconds: number; peakKb: number }> {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let peakKb = 0;
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const poll = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    }, 50);
    child.on("close", (code) => {
      clearInterval(poll);
      if (code === 0) resolve({ seconds: now() - started, peakKb });
      else reject(new Error(`${args.join(" ").slice(0, 80)} failed (${code}): ${stderr}`));
    });
  });
}

/** Each upload starts with no dirty pages waiting for the disk: otherwise the earlier runs' gigabytes, written
 *  back meanwhile, throttle whichever upload comes later (measured: completions up to 5x slower). */
async function flushWrites(): Promise<void> {
  await new Promise((resolve) => spawn("sync", { stdio: "ignore" }).on("close", resolve).on("error", resolve));
}

/** Users run the built CLI (npm ci builds it): build it from the sources being measured (esbuild, under a second). */
async function ensureCliBuilt(): Promise<void> {
  await timed([join(CLI_DIR, "build.js")]);
}

/** When each S3 call the handlers make starts and ends (the SDK's own middleware stack): phases of an upload. */
function recordS3Calls(s3: S3Client): Map<string, { start: number; end: number }> {
  const calls = new Map<string, { start: number; end: number }>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const start = now();
      try {
        return await next(args);
      } finally {
        calls.set(context.commandName ?? "", { start, end: now() });
      }
    },
    { step: "initialize", name: "benchPhases" },
  );
  return calls;
}

/** Prints the multipart rows of the bench. */
export async function benchMultipart(sizes = { throughput: 512 * MIB, memory: 2048 * MIB }): Promise<void> {
  await ensureCliBuilt();
  const config = benchConfig({
    maxFileSizeBytes: 4096 * MIB,
    multipartThresholdBytes: 64 * MIB,
    multipartPartSizeBytes: 16 * MIB,
    uploadUrlTtlSeconds: 3600,
  });
  const backends = await startBackends({ config });
  const calls = recordS3Calls(backends.deps.s3);
  const gateway = createGateway({ deps: () => backends.deps });
  const api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  const dir = await mkdtemp(join(tmpdir(), "fileshare-bench-mp-"));
  const cli = (file: string) =>
    timed([join(CLI_DIR, "fileshare.js"), "upload", file, "--api", api], { FILESHARE_CONFIG_DIR: join(dir, "config") });
  try {
    const file = join(dir, "file.bin");
    await makeFile(file, sizes.throughput);
    const url = await getSignedUrl(
      backends.deps.s3,
      new PutObjectCommand({ Bucket: config.bucketName, Key: "bench/raw", ContentLength: sizes.throughput }),
      { expiresIn: 3600 },
    );
    const m = { raw: [] as number[], cli: [] as number[] };
    // Each CLI run's phases, from the handlers' S3 calls: before CreateMultipartUpload returned, parts, completion.
    const phases: { before: number; parts: number; complete: number; after: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      await flushWrites();
      m.raw.push((await timed(["-e", RAW_PUT, url, file, String(sizes.throughput)])).seconds);
      await flushWrites();
      const started = now();
      m.cli.push((await cli(file)).seconds);
      const created = calls.get("CreateMultipartUploadCommand");
      const completed = calls.get("CompleteMultipartUploadCommand");
      if (!created || !completed || created.start < started) throw new Error("the CLI made no multipart upload");
      phases.push({
        before: created.end - started,
        parts: completed.start - created.end,
        complete: completed.end - completed.start,
        after: started + (m.cli.at(-1) as number) - completed.end,
      });
    }
    // What writing every byte once more costs on this disk: the emulator's CompleteMultipartUpload does it.
    await flushWrites();
    const copyStart = now();
    await copyFile(file, join(dir, "copy.bin"));
    const copy = now() - copyStart;
    await rm(join(dir, "copy.bin"));
    const raw = median(m.raw);
    const cliMedian = median(m.cli);
    const p = phases[m.cli.indexOf(cliMedian)] as (typeof phases)[number]; // the phases of that same run
    const rate = (s: number) => `${(sizes.throughput / MIB / s).toFixed(0)} MiB/s`;
    const row = (name: string, s: number, ratio = `${(raw / s).toFixed(2)}x`) =>
      console.log(`| ${name} | ${s.toFixed(2)} | ${rate(s)} | ${ratio} |`);
    console.log(
      `\nmultipart: ${sizes.throughput / MIB} MiB, 16 MiB parts, 4 in parallel, per-part SHA-256; ` +
        `medians of ${RUNS} alternating runs, each upload in its own process`,
    );
    console.log("| upload | seconds | throughput | ratio to one raw PUT |\n|---|---|---|---|");
    row("one raw pre-signed PUT (baseline)", raw, "1.00x");
    row("**fileshare upload (CLI, multipart), whole command**", cliMedian);
    row("of which: start-up, checksum pass, POST /uploads", p.before, "");
    row("of which: parts (sent, checksums verified by the emulator)", p.parts);
    row("of which: emulator's CompleteMultipartUpload (copies every byte)", p.complete, "");
    row("of which: after completion (CLI exits)", p.after, "");
    row("reference: copying the file once on this disk (kernel copy)", copy, "");
    await rm(file);

    await makeFile(file, sizes.memory);
    const big = await cli(file);
    console.log(`\n| CLI upload of ${sizes.memory / MIB} MiB | peak RSS (VmHWM) |\n|---|---|`);
    console.log(`| fileshare upload | ${(big.peakKb / 1024).toFixed(0)} MB |`);
  } finally {
    await gateway.close();
    await backends.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchMultipart().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
