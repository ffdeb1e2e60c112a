// docs/walkthrough.md as written: its shell blocks, taken from the page, run by bash against `npm start` in a
// folder holding the files they name (report.pdf, and video.mp4 above the multipart threshold).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../support/wait";
import { LocalProcess, REPO_ROOT, startLocalProcess } from "./server";

/** The ```sh blocks of a markdown file, in order. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

/** Runs `script` with bash (-e: the first failing command fails the block) in `cwd`. */
function bash(script: string, cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bash",
      ["-eo", "pipefail", "-c", script],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("docs/walkthrough.md runs as written against npm start", function () {
  this.timeout(10 * 60_000); // a deadline against hangs only
  let local: LocalProcess;
  let dir: string;
  let blocks: string[];

  before(async () => {
    blocks = shellBlocks(await readFile(join(REPO_ROOT, "docs", "walkthrough.md"), "utf8"));
    dir = await mkdtemp(join(tmpdir(), "fileshare-walkthrough-"));
    local = await startLocalProcess({ args: ["--memory"] });
  });
  after(async () => {
    await local?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("has the two walk-throughs: one PUT, then parts", () => {
    assert.equal(blocks.length, 2);
    assert.match(blocks[0]!, /report\.pdf/);
    assert.match(blocks[1]!, /for N in/);
  });

  it("one PUT: shares report.pdf, downloads the same bytes, deletes it (204)", async () => {
    const report = randomBytes(20_000);
    await writeFile(join(dir, "report.pdf"), report);
    const run = await bash(blocks[0]!, dir, { FILESHARE_API: local.url });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /\n204\n$/, run.stdout);
    assert.ok((await readFile(join(dir, "copy.pdf"))).equals(report), "copy.pdf is report.pdf");
  });

  it("parts: sends a file above the multipart threshold part by part in the loop, and it becomes available", async () => {
    const config = (await (await fetch(new URL("config", local.url))).json()) as {
      limits: { multipartThresholdBytes: number };
    };
    const size = config.limits.multipartThresholdBytes + 5 * 1024 * 1024 + 17;
    const video = await open(join(dir, "video.mp4"), "w"); // sparse, with bytes at both ends
    await video.write(randomBytes(4096));
    await video.write(randomBytes(4096), 0, 4096, size - 4096);
    await video.close();
    const run = await bash(blocks[1]!, dir, { FILESHARE_API: local.url });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const upload = JSON.parse(await readFile(join(dir, "upload.json"), "utf8")) as {
      id: string;
      multipart: { partCount: number };
    };
    assert.ok(upload.multipart.partCount > 1, "a multipart plan");
    assert.match(run.stdout, new RegExp(`part ${upload.multipart.partCount} of ${upload.multipart.partCount} sent`));
    const info = await waitFor(
      async () => {
        const body = (await (await fetch(new URL(`files/${upload.id}`, local.url))).json()) as {
          status: string;
          size: number;
        };
        return body.status === "available" && body;
      },
      { timeoutMs: 60_000, what: "the share to become available" },
    );
    assert.equal(info.size, size);
  });
});
