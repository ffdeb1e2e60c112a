// `npm run bench`, encryption: the CLI's `upload --encrypt` and its decrypting `download` against the same file
// sent and fetched in clear, in the same run, into the same local servers (256 MiB, above the 64 MiB multipart
// threshold, 16 MiB parts). Each transfer runs in a process of its own, plain and encrypted alternating, three
// times; medians are compared (goal: encryption costs under 15%, so a ratio ≥ 0.85), with the CLI's peak memory
// while encrypting and decrypting (it must stay flat: no file in memory). On a shared machine the wall times swing
// with the other processes' load, so the CLI's own CPU time (user + system, from /usr/bin/time) is compared too:
// it is what encryption adds, whatever else runs.
// FILESHARE_BENCH_QUICK=1 uses 64 MiB and one run (development only).
import { mkdtemp, readFile, rm } from "node:fs/promises";
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

/** The CLI run under /usr/bin/time: its wall time, CPU seconds (user + system), peak memory and output. */
async function cli(args: string[], env: Record<string, string>, dir: string) {
  const report = join(dir, "time.txt");
  const t = await timed("/usr/bin/time", ["-f", "%U %S %M", "-o", report, process.execPath, CLI, ...args], env);
  const [user, system, peakKb] = (await readFile(report, "utf8")).trim().split(/\s+/).map(Number);
  return { seconds: t.seconds, cpu: (user as number) + (system as number), peakKb: peakKb as number, stdout: t.stdout };
}

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
  const cpu: Record<string, number[]> = {};
  const peakKb: Record<string, number[]> = {};
  const record = (what: string, r: { seconds: number; cpu: number; peakKb: number }) => {
    (seconds[what] ??= []).push(r.seconds);
    (cpu[what] ??= []).push(r.cpu);
    (peakKb[what] ??= []).push(r.peakKb);
  };
  try {
    const file = join(dir, "file.bin");
    await makeFile(file, SIZE);
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? ["plain", "encrypted"] : ["encrypted", "plain"];
      for (const mode of order) {
        await flushWrites();
        const flag = mode === "encrypted" ? "--encrypt" : "--no-encrypt";
        const up = await cli(["upload", file, flag, "--api", api], env, dir);
        record(`${mode} upload`, up);
        const link = /^link: (\S+)$/m.exec(up.stdout)?.[1];
        if (link === undefined) throw new Error(`no link in ${up.stdout}`);
        await backends.idle();
        await flushWrites();
        const out = join(dir, `out-${mode}.bin`);
        const down = await cli(["download", link, "-o", out, "--force"], env, dir);
        record(`${mode} download`, down);
        await rm(out, { force: true });
        console.log(
          `encryption: run ${run + 1}, ${mode}: upload ${up.seconds.toFixed(2)} s (CPU ${up.cpu.toFixed(2)} s), download ${down.seconds.toFixed(2)} s (CPU ${down.cpu.toFixed(2)} s)`,
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
    const plainCpu = median(cpu[`plain ${way}`] ?? []);
    const encryptedCpu = median(cpu[`encrypted ${way}`] ?? []);
    rows.push(
      row(
        "encryption",
        `${way} ${name}: --encrypt vs in clear (the CLI's CPU time)`,
        `${encryptedCpu.toFixed(2)} s`,
        ratioOf(plainCpu, encryptedCpu),
        `in clear ${plainCpu.toFixed(2)} s`,
        "",
      ),
    );
  }
  return rows;
}
