// `npm run capacity -- --shares-per-day 100000 --avg-size 50MB --downloads 3 [--stack prod] [--signed-in 1]
// [--ending expiry|delete]`: the monthly cost by service and the ceilings, lowest first, for a stack's settings.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseSettings } from "../../config/parse";
import { CONFIG_NAMESPACE, Settings } from "../../config/schema";
import { ceilings, firstCeiling, fmt, monthlyCost, Workload } from "./model";
import { PRICES, READ_ON } from "./prices";

const ROOT = join(__dirname, "..", "..");
const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 1024,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
};

/** "50MB", "1.5GiB", "2048" (bytes) → bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(match?.[2] || "B").toUpperCase()];
  if (!match || unit === undefined) throw new Error(`--avg-size ${text}: give a size like 50MB, 1.5GiB or 2048`);
  return Math.round(Number(match[1]) * unit);
}

/** A stack's settings and region, from its committed Pulumi.<stack>.yaml. */
export function stackSettings(stack: string): { settings: Settings; region: string } {
  const file = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
  const config = file.config ?? {};
  const raw = Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith(`${CONFIG_NAMESPACE}:`))
      .map(([k, v]) => [k.slice(CONFIG_NAMESPACE.length + 1), v]),
  );
  // Sizing needs none of what only the deployer fills in (fileshare:production's checks, e.g. alarmEmail).
  return {
    settings: parseSettings({ ...raw, production: false }),
    region: String(config["aws:region"] ?? "us-east-1"),
  };
}

export interface Options extends Workload {
  stack: string;
}

/** The command line, with the defaults: the prod stack, its sign-in rule, shares ending by expiry. */
export function parseArgs(argv: readonly string[]): Options {
  const value = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const number = (name: string, fallback: number) => {
    const text = value(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${text}: give a number of 0 or more`);
    return n;
  };
  const stack = value("stack") ?? "prod";
  const { settings } = stackSettings(stack);
  const ending = value("ending") ?? "expiry";
  if (ending !== "expiry" && ending !== "delete") throw new Error(`--ending ${ending}: give expiry or delete`);
  const signedInDefault = settings.auth === "cognito" && settings.authUploadsRequireSignIn ? 1 : 0;
  return {
    stack,
    sharesPerDay: number("shares-per-day", 100000),
    avgSizeBytes: parseSize(value("avg-size") ?? "50MB"),
    downloads: number("downloads", 3),
    signedIn: Math.min(1, number("signed-in", signedInDefault)),
    ending,
  };
}

/** The report, as printed. */
export function report(options: Options): string {
  const { settings, region } = stackSettings(options.stack);
  const costs = monthlyCost(options, settings);
  const totalUsd = costs.reduce((a, c) => a + c.usd, 0);
  const perSecond = options.sharesPerDay / 86400;
  const lines = [
    `${fmt(options.sharesPerDay)} shares a day (${fmt(perSecond)}/s), ${fmt(options.avgSizeBytes / 1e6)} MB each, ${options.downloads} downloads, ${Math.round(options.signedIn * 100)}% signed in, ending by ${options.ending}; stack ${options.stack} (${region})`,
    "",
    "Monthly cost (30 days), USD:",
    ...costs.map((c) => `  ${c.service.padEnd(18)} ${fmt(c.usd).padStart(12)}   ${c.note}`),
    `  ${"total".padEnd(18)} ${fmt(totalUsd).padStart(12)}   ${fmt(totalUsd / (options.sharesPerDay * 30))} per share`,
    "",
    "Ceilings, lowest first (shares per second, averaged over the day):",
    ...ceilings(options, settings).map(
      (c) =>
        `  ${fmt(c.sharesPerSecond).padStart(10)}  ${c.scope === "stack" ? "" : `[${c.scope}] `}${c.what}\n${" ".repeat(14)}raise: ${c.raise}`,
    ),
    "",
    `First quota the stack hits: ${firstCeiling(options, settings).what}, at ${fmt(firstCeiling(options, settings).sharesPerSecond)} shares/s.`,
    "",
    `Prices read ${READ_ON}: ${PRICES.lambdaRequest.assumption}. Sources and quotas: scripts/capacity/prices.ts; not priced: Cognito (per monthly active user), CloudWatch Logs and alarms, KMS for the audit topic, DynamoDB storage.`,
  ];
  return lines.join("\n") + "\n";
}

if (require.main === module) {
  try {
    process.stdout.write(report(parseArgs(process.argv.slice(2))));
  } catch (e) {
    process.stderr.write(`capacity: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
