// handlers/page.ts joins web/js/*.js into one function scope. There a second `function download` silently
// replaces the first (a duplicate const or let at least fails to parse), so two files must never declare the
// same top-level name.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCRIPT_FILES } from "../../handlers/page";

describe("the page's script files", () => {
  it("declare each top-level name in one file only (they share one scope)", () => {
    const owners = new Map<string, string[]>();
    for (const file of SCRIPT_FILES) {
      const text = readFileSync(join(__dirname, "..", "..", "web", file), "utf8");
      for (const m of text.matchAll(/^(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/gm)) {
        const name = m[1] as string;
        owners.set(name, [...(owners.get(name) ?? []), file]);
      }
    }
    const twice = [...owners].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files}`);
    assert.deepEqual(twice, [], "names declared in more than one file");
    assert.ok(owners.has("sharePathProblem") && owners.has("startUploadView"), "the scan found the page's names");
  });
});
