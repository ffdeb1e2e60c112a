// Every relative link in README.md and docs/ leads somewhere: the file exists, and an anchor names a heading of
// that file (as GitHub spells heading anchors). External links are not fetched.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { anchors, docFiles, links, readDoc, REPO_ROOT, slug } from "../support/markdown";

describe("docs: relative links and anchors", () => {
  it("spells anchors as GitHub does", () => {
    assert.equal(slug("Run it locally, test it"), "run-it-locally-test-it");
    assert.equal(slug("API keys (`fileshare:apiKeys: true`)"), "api-keys-fileshareapikeys-true");
    assert.equal(slug("What is deleted, when"), "what-is-deleted-when");
    assert.equal(slug("Hardening: logs, uploads, failures"), "hardening-logs-uploads-failures");
    assert.equal(slug("GET /files/{id} (built)"), "get-filesid-built");
    assert.equal(slug("snake_case and **bold**"), "snake_case-and-bold");
    assert.deepEqual([...anchors("# A\n## A\n```\n# not a heading\n```\n## A")], ["a", "a-1", "a-2"]);
  });

  it("finds links outside code only", () => {
    const md = "[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n![d](img/e.png)";
    assert.deepEqual(
      links(md).map((l) => l.target),
      ["x.md", "img/e.png"],
    );
  });

  for (const file of docFiles()) {
    it(`${file}: every relative link and anchor resolves`, () => {
      const broken: string[] = [];
      for (const { target, line } of links(readDoc(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path = "", anchor] = target.split("#", 2);
        const resolved = path === "" ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        if (resolved.startsWith("..")) {
          broken.push(`line ${line}: ${target} points outside the repository`);
          continue;
        }
        if (!existsSync(join(REPO_ROOT, resolved))) {
          broken.push(`line ${line}: ${target}: no file ${resolved}`);
          continue;
        }
        if (anchor !== undefined && anchor !== "") {
          if (!resolved.endsWith(".md"))
            broken.push(`line ${line}: ${target}: an anchor into a file that is not Markdown`);
          else if (!anchors(readDoc(resolved)).has(anchor)) {
            broken.push(`line ${line}: ${target}: ${resolved} has no heading with the anchor #${anchor}`);
          }
        }
      }
      assert.deepEqual(broken, [], `${file} has links that do not resolve:\n${broken.join("\n")}`);
    });
  }
});
