// The page's copy of the share path rules (web/js/paths.js, plain browser JS) against contract/paths.ts (the server
// and the CLI): one table of cases, then random lists of names, through both. The page must refuse exactly what the
// server refuses, naming the same file (and the same earlier one when two clash), or people would see a warning
// the server does not share, or a refusal the page did not warn about. Runs the page's file as it is served, in a
// fresh V8 context (no browser needed for a pure function).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createContext, runInContext } from "node:vm";
import fc from "fast-check";
import { pathClash, pathProblem } from "../../contract/paths";

interface Verdict {
  index: number;
  earlier?: number;
  kind?: string;
}

/** The page's verdict: sharePathProblem from web/js/paths.js, run as the page runs it. */
const pageVerdict: (names: string[]) => Verdict | null = (() => {
  const context = createContext({});
  runInContext(readFileSync(join(__dirname, "..", "..", "web", "js", "paths.js"), "utf8"), context);
  const check = runInContext("sharePathProblem", context) as (names: string[]) => Record<string, unknown> | null;
  return (names) => {
    const found = check(names);
    if (found === null) return null;
    const { index, earlier, kind } = found as unknown as Verdict;
    return earlier === undefined ? { index } : { index, earlier, kind };
  };
})();

/** The server's verdict, in the order docs/api.md gives: each name's own form (trimmed, NFC), then clashes. */
function contractVerdict(names: string[]): Verdict | null {
  const clean = names.map((n) => n.trim().normalize("NFC"));
  const bad = clean.findIndex((n) => pathProblem(n) !== undefined);
  if (bad !== -1) return { index: bad };
  const clash = pathClash(clean);
  return clash === undefined ? null : { index: clash.index, earlier: clash.earlier, kind: clash.kind };
}

const CASES: { names: string[]; why: string }[] = [
  { names: ["a.txt"], why: "one plain name" },
  { names: ["photos/2026/beach.jpg", "photos/2026/sea.jpg", "notes.txt"], why: "a folder and a file" },
  { names: ["/etc/passwd"], why: "a leading /" },
  { names: ["a/"], why: "a trailing /" },
  { names: ["a//b"], why: "an empty segment" },
  { names: ["a/./b"], why: "a . segment" },
  { names: ["../up"], why: "a .. segment" },
  { names: ["a/.."], why: "a trailing .. segment" },
  { names: ["a\\b"], why: "a backslash" },
  { names: ["..."], why: "three dots are a name" },
  { names: [".hidden/.x"], why: "dot-files are names" },
  { names: ["  spaced.txt  ", "spaced.txt"], why: "the same name once trimmed" },
  { names: ["Photo.JPG", "photo.jpg"], why: "the same name but for case" },
  { names: ["caf\u00e9.txt", "cafe\u0301.txt"], why: "the same name in NFC" },
  { names: ["CAF\u00c9.txt", "cafe\u0301.txt"], why: "the same name in NFC and case" },
  { names: ["Stra\u00dfe", "STRASSE"], why: "sharp s does not fold to ss" },
  { names: ["a", "a/b.txt"], why: "a file, then a folder of its name" },
  { names: ["a/b.txt", "A"], why: "a folder, then a file of its name, by case" },
  { names: ["x/y/z", "x/y"], why: "a deeper folder, then a file of its name" },
  { names: ["x/y", "X/Y/z"], why: "a file, then a deeper folder of its name" },
  { names: ["ab", "a/b"], why: "a prefix that is not a folder" },
  { names: ["ok.txt", "a/b", "a/b", "../bad"], why: "a bad form is found before an earlier clash" },
  { names: [""], why: "an empty name" },
  { names: ["   "], why: "a name of spaces" },
];

describe("the page's share path rules agree with contract/paths.ts", () => {
  for (const { names, why } of CASES) {
    it(`${why}: ${JSON.stringify(names)}`, () => {
      assert.deepEqual(pageVerdict(names), contractVerdict(names));
    });
  }

  it("agrees on random lists of names made of separators, dots, cases and combining marks", () => {
    const piece = fc.constantFrom("a", "A", "b", "/", ".", "..", "\\", " ", "\u00e9", "e\u0301", "\u00c9", "\u0130");
    const name = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(""));
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), (names) => {
        assert.deepEqual(pageVerdict(names), contractVerdict(names));
      }),
      { numRuns: 2000 },
    );
  });

  it("tells a valid list from an invalid one in both (the table is not all one kind)", () => {
    const verdicts = CASES.map(({ names }) => contractVerdict(names));
    assert.ok(verdicts.some((v) => v === null) && verdicts.some((v) => v?.kind === "same"));
    assert.ok(verdicts.some((v) => v?.kind === "folder") && verdicts.some((v) => v !== null && v.kind === undefined));
  });
});
