// `npm run bench`, multipart part: the CLI's multipart upload throughput against the local S3, as a ratio to one
// raw pre-signed single PUT of the same bytes to the same server in the same run (goal >= 0.8x), and the CLI's
// peak memory (VmHWM, Linux) while it uploads a 2 GiB file (goal: flat, under 150 MB).
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putRange } from "../cli/transfer";
import { startBackends } from "../local/backends";
import { createGateway } from "../local/gateway";
import { testConfig } from "../tests/support/harness";

const MIB = 1024 * 1024;

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

/** Runs the CLI upload; returns its wall time and its peak resident memory (kB) from /proc. */
function cliUpload(file: string, api: string, configDir: string): Promise<{ seconds: number; peakKb: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [join(__dirname, "..", "cli", "fileshare.js"), "upload", file, "--api", api],
      {
        env: { ...process.env, FILESHARE_CONFIG_DIR: configDir },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let peakKb = 0;
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const poll = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    }, 50);
    child.on("close", (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve({ seconds, peakKb });
      else reject(new Error(`the CLI failed (${code}): ${stderr}`));
    });
  });
}

/** Prints the multipart rows of the bench. */
export async function benchMultipart(sizes = { throughput: 512 * MIB, memory: 2048 * MIB }): Promise<void> {
  const config = testConfig({
    maxFileSizeBytes: 4096 * MIB,
    multipartThresholdBytes: 64 * MIB,
    multipartPartSizeBytes: 16 * MIB,
    uploadUrlTtlSeconds: 3600,
  });
  const backends = await startBackends({ config });
  const gateway = createGateway({ deps: () => backends.deps });
  const api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  const dir = await mkdtemp(join(tmpdir(), "fileshare-bench-mp-"));
  try {
    const file = join(dir, "file.bin");
    await makeFile(file, sizes.throughput);
    const url = await getSignedUrl(
      backends.deps.s3,
      new PutObjectCommand({ Bucket: config.bucketName, Key: "bench/raw", ContentLength: sizes.throughput }),
      { expiresIn: 3600 },
    );
    const rawStart = process.hrtime.bigint();
    await putRange(url, {}, { path: file, start: 0, length: sizes.throughput }, () => undefined);
    const raw = Number(process.hrtime.bigint() - rawStart) / 1e9;
    const cli = await cliUpload(file, api, join(dir, "config"));
    const rate = (s: number) => `${(sizes.throughput / MIB / s).toFixed(0)} MiB/s`;
    console.log(`\nmultipart: ${sizes.throughput / MIB} MiB, 16 MiB parts, 4 in parallel, per-part SHA-256`);
    console.log("| upload | seconds | throughput | ratio to one raw PUT |\n|---|---|---|---|");
    console.log(`| one raw pre-signed PUT (baseline) | ${raw.toFixed(2)} | ${rate(raw)} | 1.00x |`);
    console.log(
      `| fileshare upload (CLI, multipart) | ${cli.seconds.toFixed(2)} | ${rate(cli.seconds)} | ${(raw / cli.seconds).toFixed(2)}x |`,
    );
    await rm(file);

    await makeFile(file, sizes.memory);
    const big = await cliUpload(file, api, join(dir, "config"));
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
