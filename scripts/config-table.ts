// Prints the README's configuration table from the settings schema and the committed stack files, so the docs
// cannot drift from the code (tests/docs.test.ts checks that README.md contains exactly this table).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SETTINGS } from "../config/schema";

function stackValues(stack: string): Record<string, unknown> {
  const file = parse(readFileSync(join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return file.config ?? {};
}

const show = (v: unknown) => (v === undefined ? "(default)" : `\`${JSON.stringify(v)}\``);

/** The markdown table: key, meaning, default, dev, prod. */
export function configTable(): string {
  const dev = stackValues("dev");
  const prod = stackValues("prod");
  const rows = SETTINGS.map((s) => {
    const key = `fileshare:${s.key}`;
    return `| \`${key}\` | ${s.description.replace(/\|/g, "\\|")} | ${show(s.default)} | ${show(dev[key])} | ${show(prod[key])} |`;
  });
  return ["| key | meaning | default | dev | prod |", "|---|---|---|---|---|", ...rows].join("\n");
}

if (require.main === module) process.stdout.write(configTable() + "\n");
