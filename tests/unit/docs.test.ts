import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

/** The commands of a shell block: its lines without comments or blank lines. */
const commands = (block: string) =>
  block
    .split("\n")
    .map((line) => line.replace(/(^|\s+)#.*$/, "").trim())
    .filter((line) => line !== "");

describe("README", () => {
  it("starts with the commands to run locally and to test, which CI runs too", () => {
    // The first section after the introduction, and its first code block, are those two commands.
    const [, firstSection = ""] = readme.split(/^## /m);
    assert.match(firstSection, /^Run it locally, test it\n/);
    const block = /^```sh\n([\s\S]*?)^```$/m.exec(readme);
    assert.ok(block, "the README has a shell block");
    assert.ok(firstSection.includes(block[0]), "the README's first shell block is in its first section");
    assert.deepEqual(commands(block[1] as string), ["npm ci && npm start", "npm test"]);
    const ci = commands(readFileSync(join(__dirname, "..", "..", ".ci", "run"), "utf8"));
    assert.ok(
      ci.some((c) => /^npm ci( |$)/.test(c)),
      "CI installs with npm ci",
    );
    assert.ok(ci.includes("npm test"), "CI runs npm test");
  });
});
