// `npm run bench`, encryption: the CLI's `upload --encrypt` and its decrypting `download` against the same file
// sent and fetched in clear, in the same run, into the same local servers (256 MiB, above the 64 MiB multipart
// threshold, 16 MiB parts). Each transfer runs in a process of its own, plain and encrypted alternating, three
// times; medians are compared (goal: encryption costs under 15%, so a ratio ≥ 0.85), with the CLI's peak memory
// while encrypting and decrypting (it must stay flat: no file in memory).
// FILESHARE_BENCH_QUICK=1 uses 64 MiB and one run (development only).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackends } from "../local/backends";
import { createGateway } from "../local/gateway";
import { flushWrites, makeFile, MIB, timed } from "./processes";
import { ratioOf, Row } from "./report";
import { benchConfig, median, row } from "./support";

const QUICK = process.env["FILESHARE_BENCH_QUICK"] === "1";
const SIZE = (QUICK ? 64 : 256) * MIB;
const RUNS = QUICK ? 1 : 3;
const CLI = join(__dirname, "..", "cli", "fileshare.js");

export async function benchEncryption(): Promise<Row[]> {
  await timed(process.execPath, [join(__dirname, "..", "cli", "build.js")]); // the CLI from these sources
  const config = benchConfig({
    maxFileSizeBytes: 4096 * MIB,
    multipartThresholdBytes: 64 * MIB,
    multipartPartSizeBytes: 16 * MIB,
    uploadUrlTtlSeconds: 3600,
  });
  const backends = await startBackends({ config });
  const gateway = createGateway({ deps: () => backends.deps });
  const api = `http://127.0.0.1:${await gateway.listen(0)}/`;
  const dir = await mkdtemp(join(tmpdir(), "fileshare-bench-encryption-"));
  const env = { FILESHARE_CONFIG_DIR: join(dir, "config") };
  const seconds: Record<string, number[]> = {};
  const peakKb: Record<string, number[]> = {};
  try {
    const file = join(dir, "file.bin");
    await makeFile(file, SIZE);
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? ["plain", "encrypted"] : ["encrypted", "plain"];
      for (const mode of order) {
        await flushWrites();
        const flag = mode === "encrypted" ? "--encrypt" : "--no-encrypt";
        const up = await timed(process.execPath, [CLI, "upload", file, flag, "--api", api], env);
        (seconds[`${mode} upload`] ??= []).push(up.seconds);
        (peakKb[`${mode} upload`] ??= []).push(up.peakKb);
        const link = /^link: (\S+)$/m.exec(up.stdout)?.[1];
        if (link === undefined) throw new Error(`no link in ${up.stdout}`);
        await backends.idle();
        await flushWrites();
        const out = join(dir, `out-${mode}.bin`);
        const down = await timed(process.execPath, [CLI, "download", link, "-o", out, "--force"], env);
        (seconds[`${mode} download`] ??= []).push(down.seconds);
        (peakKb[`${mode} download`] ??= []).push(down.peakKb);
        await rm(out, { force: true });
        console.log(
          `encryption: run ${run + 1}, ${mode}: upload ${up.seconds.toFixed(2)} s, download ${down.seconds.toFixed(2)} s`,
        );
      }
    }
  } finally {
    await gateway.close();
    await backends.close();
    await rm(dir, { recursive: true, force: true });
  }
  const name = `${SIZE / MIB} MiB`;
  const rate = (s: number) => `${s.toFixed(2)} s (${(SIZE / MIB / s).toFixed(0)} MiB/s)`;
  const rows: Row[] = [];
  for (const way of ["upload", "download"]) {
    const plain = median(seconds[`plain ${way}`] ?? []);
    const encrypted = median(seconds[`encrypted ${way}`] ?? []);
    const peak = Math.max(...(peakKb[`encrypted ${way}`] ?? [0])) / 1024;
    rows.push(
      row(
        "encryption",
        `${way} ${name}: --encrypt vs in clear (throughput)`,
        `${rate(encrypted)}, peak ${peak.toFixed(0)} MB`,
        ratioOf(plain, encrypted),
        `in clear ${rate(plain)}`,
        "≥ 0.85",
      ),
    );
  }
  return rows;
}
