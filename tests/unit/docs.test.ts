import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { docFiles, readDoc, REPO_ROOT as ROOT } from "../support/markdown";

const readme = readDoc("README.md");

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
    const ci = commands(readFileSync(join(ROOT, ".ci", "run"), "utf8"));
    assert.ok(
      ci.some((c) => /^npm ci( |$)/.test(c)),
      "CI installs with npm ci",
    );
    assert.ok(ci.includes("npm test"), "CI runs npm test");
  });
});

/** Statements the docs once made that the code has outgrown (issue "the README is the front door"). */
const STALE: [RegExp, string][] = [
  [/not built yet|partly built|designed there/i, "everything docs/api.md describes is built"],
  [
    /incomplete multipart uploads?[^.]*\b(a|one) day\b/i,
    "incomplete multipart uploads are aborted after fileshare:multipartAbortDays (8 by default)",
  ],
  [/start-up takes a few seconds|4[–-]5 s measured/i, "start-up time belongs in npm run bench, not in prose"],
];

/** References to what is not in the repository: other sessions' notes and issue numbers, an old file name. */
const DANGLING: [RegExp, string][] = [
  [/(^|[^/\w.])API\.md/, "the contract is docs/api.md"],
  [/FACTS\.md|\.\.\/shared\//, "notes outside the repository"],
  [/\bissues? \d+\b/i, "an issue number a reader cannot look up"],
  [/handlers\/routes\.ts/, "the route table is handlers/routeTable.ts"],
];

/** The repository's own text files (what git would track: no dependencies, builds or local data). */
function sourceFiles(dir = ""): string[] {
  const skip = new Set(["node_modules", ".git", ".local-data", ".local-build", "dist", "test-output", "bin"]);
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return skip.has(e.name) ? [] : sourceFiles(path);
    return /\.(ts|js|mjs|cjs|md|html|css|ya?ml|json|sh)$|^run$/.test(e.name) && e.name !== "package-lock.json"
      ? [path]
      : [];
  });
}

describe("docs: known stale statements stay gone", () => {
  for (const file of docFiles()) {
    it(`${file} makes none of them`, () => {
      const text = readDoc(file).replace(/\s+/g, " ");
      for (const [pattern, truth] of STALE) {
        const m = pattern.exec(text);
        assert.ok(m === null, `${file} says "${m?.[0]}", but ${truth}`);
      }
    });
  }

  it("no file in the repository points at an issue number, FACTS.md, API.md or handlers/routes.ts", () => {
    const found: string[] = [];
    for (const file of sourceFiles()) {
      if (file === "tests/unit/docs.test.ts") continue; // the patterns themselves
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          for (const [pattern, why] of DANGLING) {
            if (pattern.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 100)} (${why})`);
          }
        });
    }
    assert.deepEqual(found, [], found.join("\n"));
  });

  it("every POST /uploads answer shown for a single PUT carries the If-None-Match header it is signed with", () => {
    for (const file of docFiles()) {
      for (const m of readDoc(file).matchAll(/^```json\n([\s\S]*?)^```$/gm)) {
        const block = m[1] as string;
        if (/"uploadUrl"/.test(block) && /"method": "PUT"/.test(block)) {
          assert.match(block, /"If-None-Match": "\*"/, `${file}: an upload answer without If-None-Match`);
        }
      }
    }
  });

  it("the tests table has no empty cell", () => {
    const rows = readDoc("docs/testing.md")
      .split("\n")
      .filter((l) => l.startsWith("|") && !/^\|[\s|:-]+\|$/.test(l));
    assert.ok(rows.length > 5, "docs/testing.md has its table of test folders");
    for (const row of rows) {
      const cells = row.slice(1, -1).split(/(?<!\\)\|/);
      assert.ok(
        cells.every((c) => c.trim() !== ""),
        `docs/testing.md: a row with an empty cell: ${row.slice(0, 60)}`,
      );
    }
  });
});
