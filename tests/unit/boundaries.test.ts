// Which folder may import which: the module specifiers of every TypeScript file, read with the compiler's own
// pre-processor (imports, re-exports and require calls, type-only ones included: a type import still ties the
// folders together).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as ts from "typescript";

const ROOT = join(__dirname, "..", "..");

/** Every .ts file under `folder` (relative to the project), recursively. */
function tsFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** The project folders (first path segment) that `folder`'s files import by relative path, with the importers. */
function importedFolders(folder: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of tsFiles(folder)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const target = relative(ROOT, resolve(dirname(file), fileName)).split("/")[0] as string;
      found.set(target, [...(found.get(target) ?? []), relative(ROOT, file)]);
    }
  }
  return found;
}

describe("folder boundaries", () => {
  it("local/ imports nothing from cli/ (what both need lives in contract/)", () => {
    assert.deepEqual(importedFolders("local").get("cli") ?? [], []);
  });

  it("bench/ imports nothing from tests/ (a benchmark is not a test: its helpers live in bench/support.ts)", () => {
    assert.deepEqual(importedFolders("bench").get("tests") ?? [], []);
  });

  it("contract/ imports only contract/ (the CLI's bundle carries it; it must not pull in local/, cli/ or handlers/)", () => {
    assert.deepEqual(
      [...importedFolders("contract").keys()].filter((f) => f !== "contract"),
      [],
    );
  });
});
