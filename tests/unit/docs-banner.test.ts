// The start banner the docs show is the one `npm start` prints: the local mode is started here (as the start
// script runs it, on a free port and a fresh data folder), stopped at once, and its lines before the stop are
// compared with every block marked <!-- npm-start-banner --> in README.md and docs/. Only ports and the data
// folder's path are allowed to differ.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docFiles, readDoc } from "../support/markdown";
import { startLocalProcess } from "../local/server";

const MARKER = "<!-- npm-start-banner";

/** Ports and the data folder vary per run and per machine. */
const normalize = (text: string) =>
  text
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>")
    .replace(/^(Data: )\/\S+/gm, "$1<folder>")
    .trimEnd();

/** The fenced block right after each marker, with the file it is in. */
function shownBanners(): { file: string; text: string }[] {
  return docFiles().flatMap((file) =>
    [...readDoc(file).matchAll(/^<!-- npm-start-banner[^\n]*-->\n+```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => ({
      file,
      text: m[1] as string,
    })),
  );
}

describe("docs: the start banner", () => {
  let dataDir = "";
  before(() => (dataDir = mkdtempSync(join(tmpdir(), "fileshare-banner-"))));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("README.md shows it, and every copy in the docs is marked so that it is checked", () => {
    assert.ok(
      shownBanners().some((b) => b.file === "README.md"),
      "README.md shows the banner in a block marked <!-- npm-start-banner -->",
    );
    for (const file of docFiles()) {
      const text = readDoc(file);
      const copies = text.split("fileshare is running:").length - 1;
      const marked = text.split(MARKER).length - 1;
      assert.ok(copies <= marked, `${file} shows the banner outside a block marked ${MARKER} -->`);
    }
  });

  it("is exactly what npm start prints", async () => {
    const running = await startLocalProcess({ via: "direct", args: ["--data-dir", dataDir], timeoutMs: 100000 });
    await running.stop("SIGINT");
    const lines = running.stdout().split("\n");
    const stop = lines.findIndex((l) => l.includes("SIGINT received"));
    const printed = normalize(
      lines
        .slice(0, stop < 0 ? lines.length : stop)
        .filter((l) => !l.startsWith("{"))
        .join("\n"),
    );
    assert.match(printed, /fileshare is running:/);
    for (const { file, text } of shownBanners()) {
      assert.equal(normalize(text), printed, `${file} shows a banner npm start does not print`);
    }
  });
});
