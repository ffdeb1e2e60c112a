// Shares of several files with the `fileshare` command as a child process against the local gateway, the
// signature-checking local S3 and dynalite: a nested folder goes up as one share (one file in parts), killed
// mid-way and resumed, comes down into a folder with every SHA-256 compared, and a `--file` subset counts one
// download.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createGateway, Gateway } from "../../local/gateway";
import { Backends, startBackends } from "../../local/backends";
import { testConfig } from "../support/harness";
import { startCli } from "./process";

const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Every file under `folder`, by its /-separated path, with its SHA-256. */
async function hashesUnder(folder: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found[relative(folder, path).split("\\").join("/")] = sha256(await readFile(path));
  }
  return found;
}

describe("fileshare CLI: shares of several files, as a child process against the local servers", function () {
  this.timeout(240_000);
  let backends: Backends;
  let gateway: Gateway;
  let api: string;
  let dir: string;
  let link: string | undefined;
  const sent: Record<string, string> = {};

  before(async () => {
    // A small multipart threshold, so that one file of the folder goes up in parts.
    const config = testConfig({
      maxFileSizeBytes: 64 * MIB,
      multipartThresholdBytes: 6 * MIB,
      multipartPartSizeBytes: 5 * MIB,
    });
    backends = await startBackends({ config });
    gateway = createGateway({ deps: () => backends.deps });
    api = `http://127.0.0.1:${await gateway.listen(0)}/`;
    dir = await mkdtemp(join(tmpdir(), "fileshare-cli-shares-"));
    // photos/: 9 small files in nested folders and one of 3 parts (named last, so it goes up last).
    const names = [
      "photos/a.txt",
      "photos/b.jpg",
      "photos/2026/beach.jpg",
      "photos/2026/sea.jpg",
      "photos/2026/june/1.png",
      "photos/2026/june/2.png",
      "photos/notes/Résumé.pdf",
      "photos/notes/todo.txt",
      "photos/x.csv",
    ];
    for (const [i, name] of names.entries()) {
      const bytes = randomBytes(1000 + i * 7919);
      await mkdir(join(dir, "src", name, ".."), { recursive: true });
      await writeFile(join(dir, "src", name), bytes);
      sent[name] = sha256(bytes);
    }
    const big = randomBytes(12 * MIB + 3);
    await writeFile(join(dir, "src", "photos", "zz-big.bin"), big);
    sent["photos/zz-big.bin"] = sha256(big);
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = () => join(dir, "config");
  const run = (args: string[]) => startCli(args, { FILESHARE_CONFIG_DIR: config() }).done;

  /** The share the first test made, or (when a test runs alone) a fresh one of the same folder. */
  async function shareLink(): Promise<string> {
    if (link === undefined) {
      const up = await run(["upload", join(dir, "src", "photos"), "--api", api, "--max-downloads", "5"]);
      assert.equal(up.code, 0, up.stderr);
      link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
      await backends.idle();
    }
    return link;
  }

  /** The ETags on record for the share's file in parts (its saved upload state). */
  async function bigParts(): Promise<number> {
    const files = await readdir(join(config(), "uploads")).catch(() => [] as string[]);
    for (const name of files.filter((f) => f.startsWith("share-"))) {
      try {
        const state = JSON.parse(await readFile(join(config(), "uploads", name), "utf8"));
        const big = state.files.find((f: { method: string }) => f.method === "MULTIPART");
        return Object.keys(big?.etags ?? {}).length;
      } catch {
        return 0; // being written
      }
    }
    return 0;
  }

  it("uploads a nested folder as one share, killed while its file in parts is half sent; the same command resumes only what is unfinished", async () => {
    const args = [
      "upload",
      join(dir, "src", "photos"),
      "--api",
      api,
      "--parallel",
      "1",
      "--max-downloads",
      "5",
      "--title",
      "Holiday",
    ];
    const first = startCli(args, { FILESHARE_CONFIG_DIR: config() });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (await bigParts()) < 1) await new Promise((r) => setTimeout(r, 10));
    first.child.kill("SIGKILL");
    const killed = await first.done;
    assert.equal(killed.signal, "SIGKILL", `killed mid-share (it printed: ${killed.stdout} ${killed.stderr})`);
    assert.match(killed.stderr, /^Sharing 10 files as \S+ \(usable once every file is uploaded/m);
    const held = await bigParts();
    assert.ok(held >= 1 && held < 3, `killed after ${held} of 3 parts`);

    const second = await run(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^Resuming the share of 10 files \(1 not finished\)\.$/m);
    const made = /^link: (\S+)$/m.exec(second.stdout)?.[1];
    assert.ok(made, second.stdout);
    link = made;
    assert.deepEqual(
      (await readdir(join(config(), "uploads"))).filter((f) => f.startsWith("share-")),
      [],
      "the saved upload is gone once the share is complete",
    );
    await backends.idle();

    const info = await run(["info", made]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^title: +Holiday$/m);
    assert.match(info.stdout, /^files: +10, /m);
    assert.match(info.stdout, /^status: +available$/m);
    assert.match(info.stdout, /photos\/2026\/june\/1\.png$/m);
  });

  it("downloads the whole share into a folder, recreating its folders, every SHA-256 verified and equal to what was sent", async () => {
    const link = await shareLink();
    const out = join(dir, "down-all");
    const got = await run(["download", link, "-o", out]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim().split("\n").length, 10, got.stdout);
    assert.match(got.stdout, /photos\/zz-big\.bin: 12582915 bytes, SHA-256 verified$/m);
    assert.deepEqual(await hashesUnder(out), sent);
  });

  it("downloads a subset with --file (a file and a folder), counting one download", async () => {
    const link = await shareLink();
    const before = JSON.parse((await run(["info", link, "--json"])).stdout).downloadsRemaining as number;
    const out = join(dir, "down-some");
    const got = await run(["download", link, "-o", out, "--file", "photos/b.jpg", "--file", "photos/2026/june"]);
    assert.equal(got.code, 0, got.stderr);
    const expected = Object.fromEntries(
      ["photos/b.jpg", "photos/2026/june/1.png", "photos/2026/june/2.png"].map((n) => [n, sent[n]]),
    );
    assert.deepEqual(await hashesUnder(out), expected);
    const after = JSON.parse((await run(["info", link, "--json"])).stdout).downloadsRemaining as number;
    assert.equal(after, before - 1, "one download counted for three files");

    const missing = await run(["download", link, "-o", out, "--file", "photos/nope.txt"]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(
      missing.stderr,
      /^fileshare: --file "photos\/nope\.txt": this share has no file or folder of that name/,
    );
  });
});
