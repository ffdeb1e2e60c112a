// The bench's report: rows (a measured value, its ratio to a baseline taken in the same run, the goal), the
// table printed at the end and bench/results.json (ignored by git). A ratio is only ever of two measurements that
// both succeeded: a row whose measurement or baseline failed says "failed", never a ratio or a division by zero.
import { writeFile } from "node:fs/promises";
import { cpus, hostname, loadavg } from "node:os";
import { join } from "node:path";

export interface Row {
  section: string;
  what: string;
  /** The measured value, as shown (e.g. "5.12 s (100 MiB/s)"), or "failed". */
  measured: string;
  /** measured / baseline (or baseline / measured where less is better); null when either failed; undefined for
   *  a row with no baseline (a peak memory, say). */
  ratio?: number | null;
  baseline: string;
  goal: string;
}

/** The ratio of two measurements, or null when either is missing (failed), not a finite positive number, or the
 *  division would not be one. */
export function ratioOf(numerator: number | undefined, denominator: number | undefined): number | null {
  const usable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
  if (!usable(numerator) || !usable(denominator)) return null;
  return numerator / denominator;
}

/** The share `part` is of `whole` (a phase of a transfer): a phase may take no time at all, so 0 is a share;
 *  null when either failed or the whole is not a positive time. */
export function shareOf(part: number | undefined, whole: number | undefined): number | null {
  if (part === undefined || !Number.isFinite(part) || part < 0) return null;
  return ratioOf(1, whole) === null ? null : part / (whole as number);
}

/** A ratio as printed: "failed" when a measurement failed, empty for a row without a baseline. */
export function formatRatio(ratio: number | null | undefined): string {
  if (ratio === undefined) return "";
  if (ratio === null) return "failed";
  return `${ratio.toFixed(ratio < 0.1 ? 3 : 2)}×`;
}

export function table(rows: readonly Row[]): string {
  const lines = ["| section | measured | value | ratio | baseline (same run) | goal |", "|---|---|---|---|---|---|"];
  for (const r of rows) {
    lines.push(`| ${r.section} | ${r.what} | ${r.measured} | ${formatRatio(r.ratio)} | ${r.baseline} | ${r.goal} |`);
  }
  return lines.join("\n");
}

/** The machine as the report names it, with the load when the run ended (these machines are shared). */
export function machine(): string {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  return `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}, ${hostname()}, load ${load}`;
}

/** Writes bench/results.json and prints the table. */
export async function report(rows: readonly Row[], started: number): Promise<void> {
  const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const results = { date, machine: machine(), seconds: (Date.now() - started) / 1000, rows };
  await writeFile(join(__dirname, "results.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`\nfileshare bench, ${date}, ${results.machine}, ${results.seconds.toFixed(0)} s\n`);
  console.log(table(rows));
}
