// The suite's order (.mocharc.suite.js, slowest files first for the parallel jobs) runs every test file exactly
// once: a file added, renamed or left out of the slow list still runs, and none runs twice.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

describe("the suite's file order (.mocharc.suite.js)", () => {
  it("names every *.test.ts under tests/ exactly once, the listed slow files first", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(join(ROOT, ".mocharc.suite.js")) as { spec: string[]; parallel: boolean };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SLOWEST_FIRST } = require(join(ROOT, "tests", "support", "suiteOrder.js")) as { SLOWEST_FIRST: string[] };
    const onDisk = (readdirSync(join(ROOT, "tests"), { recursive: true }) as string[])
      .filter((path) => path.endsWith(".test.ts"))
      .map((path) => join("tests", path));
    assert.equal(new Set(config.spec).size, config.spec.length, "a file would run twice");
    assert.deepEqual([...config.spec].sort(), onDisk.sort());
    assert.deepEqual(config.spec.slice(0, SLOWEST_FIRST.length), SLOWEST_FIRST);
    assert.equal(config.parallel, true);
  });
});
