// The path rules for a share's file names (contract/paths.ts), as properties over generated names (fast-check)
// checked against a plain pairwise oracle, plus the cases a reader expects to see spelled out.
import assert from "node:assert/strict";
import fc from "fast-check";
import { describeClash, pathClash, pathKey, pathProblem } from "../../contract/paths";

const SEED = Number(process.env["FC_SEED"] ?? 20261207);
const RUNS = { seed: SEED, numRuns: 400 };

// Few letters in both cases and both Unicode forms of é, so that generated names often clash.
const UNIT = fc.constantFrom("a", "A", "b", "B", "é", "É", "e\u0301", "E\u0301", "-", ".", " ");
const segment = fc.string({ unit: UNIT, minLength: 1, maxLength: 3 }).filter((s) => s !== "." && s !== "..");
const goodName = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/"));

/** The oracle: the names' canonical forms (NFD, lower case), and whether two of them are one path or file and
 *  folder, by looking at every pair. Written without contract/paths.ts. */
const canonical = (name: string) => name.normalize("NFD").toLowerCase();
function clashes(a: string, b: string): boolean {
  const [x, y] = [canonical(a), canonical(b)];
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}
function anyClash(names: readonly string[]): boolean {
  return names.some((a, i) => names.slice(0, i).some((b) => clashes(a, b)));
}

describe("share paths (contract/paths.ts)", () => {
  it("accepts every relative path of non-empty segments other than . and ..", () => {
    fc.assert(
      fc.property(goodName, (name) => pathProblem(name) === undefined),
      RUNS,
    );
  });

  it("refuses a good path once it has a leading /, an empty segment, a . or .. segment, or a \\ anywhere", () => {
    const corrupt = fc.oneof(
      goodName.map((n) => `/${n}`),
      goodName.map((n) => `${n}/`),
      fc.tuple(goodName, goodName).map(([a, b]) => `${a}//${b}`),
      fc
        .tuple(goodName, fc.constantFrom(".", ".."), fc.boolean())
        .map(([n, dots, first]) => (first ? `${dots}/${n}` : `${n}/${dots}`)),
      fc.tuple(goodName, fc.nat()).map(([n, at]) => {
        const i = at % (n.length + 1);
        return `${n.slice(0, i)}\\${n.slice(i)}`;
      }),
    );
    fc.assert(
      fc.property(corrupt, (name) => pathProblem(name) !== undefined),
      RUNS,
    );
  });

  it("finds a clash exactly when two names are the same path or a file and its folder, ignoring case and form", () => {
    fc.assert(
      fc.property(fc.array(goodName, { minLength: 1, maxLength: 8 }), (names) => {
        const clash = pathClash(names);
        assert.equal(clash !== undefined, anyClash(names), JSON.stringify(names));
        if (clash === undefined) return;
        // The first name that clashes, with an earlier one it really clashes with.
        assert.ok(clash.earlier < clash.index);
        assert.ok(clashes(names[clash.index]!, names[clash.earlier]!), JSON.stringify({ names, clash }));
        assert.ok(!anyClash(names.slice(0, clash.index)), "no earlier name clashed");
        assert.equal(clash.kind === "same", canonical(names[clash.index]!) === canonical(names[clash.earlier]!));
      }),
      RUNS,
    );
  });

  it("names both files in a clash, and says what to do", () => {
    const names = ["photos/a.jpg", "notes.txt", "Photos/A.JPG"];
    const same = pathClash(names);
    assert.deepEqual(same, { index: 2, earlier: 0, kind: "same" });
    assert.equal(
      describeClash(names, same),
      'files[2].fileName "Photos/A.JPG" is the name of files[0] ("photos/a.jpg"); names are compared ignoring case, so give each file its own name.',
    );
    const folder = ["photos/a.jpg", "photos"];
    assert.deepEqual(pathClash(folder), { index: 1, earlier: 0, kind: "folder" });
    assert.match(describeClash(folder, pathClash(folder)!), /a file and a folder of the same name/);
    assert.deepEqual(pathClash(["a", "a/b"]), { index: 1, earlier: 0, kind: "folder" });
    assert.equal(pathClash(["a/b", "a/c", "ab", "a.b/c"]), undefined, "siblings and look-alike prefixes are fine");
  });

  it("compares in NFC and lower case: é composed and decomposed are one name, as are K and the Kelvin sign", () => {
    assert.equal(pathKey("Caf\u00e9"), pathKey("cafe\u0301"));
    assert.equal(pathKey("\u212a.txt"), pathKey("k.txt"));
    assert.notEqual(pathKey("a.txt"), pathKey("a.txt "), "names are compared as given (the server trims first)");
  });
});
