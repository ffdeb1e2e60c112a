import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

describe("README", () => {
  it("starts with the commands to run locally and to test, which CI runs too", () => {
    const ci = readFileSync(join(__dirname, "..", "..", ".ci", "run"), "utf8");
    assert.match(readme, /npm ci && npm start/);
    assert.match(readme, /npm test/);
    assert.match(ci, /npm ci/);
    assert.match(ci, /npm test/);
  });
});
