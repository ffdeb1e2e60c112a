import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configTable } from "../../scripts/config-table";

const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

/** A markdown table's cells, ignoring the padding a formatter adds. */
const cells = (table: string) =>
  table
    .trim()
    .split("\n")
    .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/^-+$/, "---")));

describe("README", () => {
  it("has the configuration table of the current schema and stack files (run scripts/config-table.ts)", () => {
    const match = /<!-- config-table[^\n]*\n([\s\S]*?)<!-- \/config-table -->/.exec(readme);
    assert.ok(match, "config-table markers");
    assert.deepEqual(cells(match[1]!), cells(configTable()));
  });

  it("starts with the commands to run locally and to test, which CI runs too", () => {
    const ci = readFileSync(join(__dirname, "..", "..", ".ci", "run"), "utf8");
    assert.match(readme, /npm ci && npm start/);
    assert.match(readme, /npm test/);
    assert.match(ci, /npm ci/);
    assert.match(ci, /npm test/);
  });
});
