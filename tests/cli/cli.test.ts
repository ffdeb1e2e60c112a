// The `fileshare` command end to end, as a child process (node cli/fileshare.js, what `npx fileshare` runs)
// against the local gateway, the signature-checking local S3 and dynalite: upload (killed mid-way, then
// resumed), download with SHA-256 verification, info, delete, and the exit codes of its one-line errors.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keyNameFor } from "../../handlers/ids";
import type { Backends } from "../../local/backends";
import { testConfig } from "../support/harness";
import { startCli, useLocalApi } from "./process";

const MIB = 1024 * 1024;

describe("fileshare CLI as a child process against the local servers", function () {
  this.timeout(180_000);
  const local = useLocalApi(
    testConfig({ maxFileSizeBytes: 64 * MIB, multipartThresholdBytes: 8 * MIB, multipartPartSizeBytes: 5 * MIB }),
  );
  let backends: Backends;
  let api: string;
  let dir: string;

  before(async () => {
    ({ backends, api } = local);
    dir = await mkdtemp(join(tmpdir(), "fileshare-cli-"));
  });
  // A failed test must not leave its saved upload to the next (they read the state folder).
  afterEach(() => rm(join(dir, "config", "uploads"), { recursive: true, force: true }));
  after(() => rm(dir, { recursive: true, force: true }));

  const start = (args: string[], env: Record<string, string> = {}) =>
    startCli(args, { FILESHARE_CONFIG_DIR: join(dir, "config"), ...env });
  const run = (args: string[], env?: Record<string, string>) => start(args, env).done;

  async function stateFiles(): Promise<string[]> {
    return readdir(join(dir, "config", "uploads")).catch(() => []);
  }

  async function etagsOnRecord(): Promise<number> {
    const [file] = await stateFiles();
    if (file === undefined) return 0;
    try {
      return Object.keys(JSON.parse(await readFile(join(dir, "config", "uploads", file), "utf8")).etags).length;
    } catch {
      return 0;
    }
  }

  it("an upload killed mid-way names its link at the start; `fileshare delete LINK` cancels it and forgets its saved upload (the next upload of the file works the first time), and a second delete says it is already deleted (exit 3)", async () => {
    const path = join(dir, "abandoned.bin");
    await writeFile(path, randomBytes(20 * MIB));
    const first = start(["upload", path, "--api", api, "--parallel", "1"]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await etagsOnRecord()) < 1) await new Promise((r) => setTimeout(r, 10));
    first.child.kill("SIGKILL");
    const killed = await first.done;
    assert.equal(killed.signal, "SIGKILL", `killed mid-upload (it printed: ${killed.stdout} ${killed.stderr})`);
    const link = /^Sharing abandoned\.bin as (\S+) \(usable once the upload completes/m.exec(killed.stderr)?.[1];
    assert.ok(link, `the link was said before the parts went up: ${killed.stderr}`);
    const [stateFile] = await stateFiles();
    const saved = JSON.parse(await readFile(join(dir, "config", "uploads", stateFile as string), "utf8"));

    const cancelled = await run(["delete", link]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stdout, "deleted\n");
    // The owner's view of the upload: gone (the record is deleted and S3's upload aborted).
    const parts = await fetch(`${api}uploads/${saved.id}/parts`, { headers: { "X-Delete-Token": saved.deleteToken } });
    assert.ok([404, 410].includes(parts.status), `parts after cancel: ${parts.status}`);
    assert.deepEqual(await stateFiles(), [], "deleting the share forgot its saved upload");

    const twice = await run(["delete", link]);
    assert.equal(twice.code, 3, twice.stderr);
    assert.match(twice.stderr, /^fileshare: This share was already deleted \(\d{4}-[^)]+\)\.\n$/);

    // The next upload of the same file starts afresh and succeeds the first time.
    const again = await run(["upload", path, "--api", api]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Resuming/);
    assert.match(again.stdout, /^link: /m);
    assert.notEqual(/^link: (\S+)$/m.exec(again.stdout)?.[1], link, "a new share");
  });

  it("FILESHARE_PASSWORD without --password is refused with one line before anything is sent; with --password it protects the share", async () => {
    const path = join(dir, "meant-to-be-secret.txt");
    await writeFile(path, randomBytes(500));
    const config = join(dir, "config-password");
    const env = { FILESHARE_CONFIG_DIR: config, FILESHARE_PASSWORD: "correct horse battery" };
    const refused = await startCli(["upload", path, "--api", api], env).done;
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(
      refused.stderr,
      "fileshare: FILESHARE_PASSWORD is set but --password was not given: pass --password to protect the share with it, or unset FILESHARE_PASSWORD.\n",
    );
    assert.equal(refused.stdout, "");
    assert.deepEqual(await readdir(config).catch(() => []), [], "no share created, nothing saved");

    const protectedUp = await startCli(["upload", path, "--api", api, "--password"], env).done;
    assert.equal(protectedUp.code, 0, protectedUp.stderr);
    const link = /^link: (\S+)$/m.exec(protectedUp.stdout)?.[1] as string;
    await backends.idle();
    const meta = (await (await fetch(link)).json()) as { passwordRequired?: boolean };
    assert.equal(meta.passwordRequired, true, "the share asks for the password");
  });

  it("a file changed in place (same size and time) in a part already sent, after an interruption: the resume stops with one line and drops the saved upload, so the next run starts afresh", async () => {
    const path = join(dir, "edited.bin");
    const bytes = randomBytes(20 * MIB);
    await writeFile(path, bytes);
    // A whole second: a Date with milliseconds can come back from utimes a millisecond off (float seconds).
    const mtime = 1_700_000_000;
    await utimes(path, mtime, mtime);
    const first = start(["upload", path, "--api", api, "--parallel", "1"]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await etagsOnRecord()) < 1) await new Promise((r) => setTimeout(r, 10));
    first.child.kill("SIGKILL");
    assert.equal((await first.done).signal, "SIGKILL");
    // Edit the first part (sent already), keeping the size and the modification time the state is keyed by.
    bytes.fill(7, 0, 1024);
    await writeFile(path, bytes);
    await utimes(path, mtime, mtime);
    assert.equal((await stat(path)).mtimeMs, mtime * 1000, "the edit kept the modification time");

    const resumed = await run(["upload", path, "--api", api]);
    assert.equal(resumed.code, 3, resumed.stderr);
    assert.match(
      resumed.stderr,
      /^fileshare: edited\.bin changed since its upload began .* run the command again to start afresh\.$/m,
    );
    assert.deepEqual(await stateFiles(), [], "the saved upload is dropped");

    const fresh = await run(["upload", path, "--api", api]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.doesNotMatch(fresh.stderr, /Resuming/);
    const link = /^link: (\S+)$/m.exec(fresh.stdout)?.[1] as string;
    await backends.idle();
    const out = join(dir, "edited-copy.bin");
    const got = await run(["download", link, "-o", out]);
    assert.equal(got.code, 0, got.stderr);
    assert.ok((await readFile(out)).equals(bytes), "the edited file is what was shared");
  });

  it("uploads 40 MiB, killed after some parts, resumes on the next run, then downloads it verified and deletes it", async () => {
    const bytes = randomBytes(40 * MIB + 7);
    const path = join(dir, "big.bin");
    await writeFile(path, bytes);
    const first = start(["upload", path, "--api", api, "--parallel", "1"]);
    const deadline = Date.now() + 60_000;
    let held = 0;
    while (Date.now() < deadline && (held = await etagsOnRecord()) < 2) await new Promise((r) => setTimeout(r, 10));
    const [stateFile] = await stateFiles();
    const saved = JSON.parse(await readFile(join(dir, "config", "uploads", stateFile as string), "utf8"));
    first.child.kill("SIGKILL");
    const killed = await first.done;
    // Each part is hashed as it is read to be sent (no pass before): the checksums on record are those of the
    // parts read so far, in order, and no more than one part ahead of the parts sent.
    const recorded = Object.keys(saved.partSha256).map(Number);
    assert.deepEqual(
      recorded,
      Array.from({ length: recorded.length }, (_, i) => i + 1),
      "parts read in order",
    );
    assert.ok(recorded.length < 9, `only the parts read so far are hashed (${recorded.length} of 9)`);
    for (const n of recorded) {
      const slice = bytes.subarray((n - 1) * 5 * MIB, n * 5 * MIB);
      assert.equal(saved.partSha256[String(n)], createHash("sha256").update(slice).digest("base64"), `part ${n}`);
    }
    assert.equal(killed.signal, "SIGKILL", `killed mid-upload (it printed: ${killed.stdout} ${killed.stderr})`);
    assert.ok(held >= 2 && held < 9, `killed after ${held} of 9 parts`);

    const second = await run(["upload", path, "--api", api]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Resuming the upload of big\.bin/);
    const link = /^link: (\S+)$/m.exec(second.stdout)?.[1];
    assert.ok(link, second.stdout);
    assert.match(second.stdout, /^delete token: [A-Za-z0-9_-]{43}$/m);
    assert.deepEqual(await stateFiles(), [], "the state file is gone once the upload is complete");
    await backends.idle();

    const info = await run(["info", link, "--json"]);
    assert.equal(info.code, 0, info.stderr);
    const meta = JSON.parse(info.stdout);
    assert.equal(meta.status, "available");
    assert.equal(meta.sha256, createHash("sha256").update(bytes).digest("base64"));

    const out = join(dir, "copy.bin");
    const got = await run(["download", link, "-o", out]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /SHA-256 verified/);
    assert.ok((await readFile(out)).equals(bytes), "the downloaded file equals the original");

    const again = await run(["download", link, "-o", out]);
    assert.equal(again.code, 6, "refuses to overwrite without --force");
    assert.match(again.stderr, /^fileshare: .*exists; pass --force/);
    assert.equal(again.stderr.trim().split("\n").length, 1, "one line");

    const deleted = await run(["delete", link]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await run(["info", link]);
    assert.equal(gone.code, 3, "the API refuses: not found");
    assert.match(gone.stderr, /^fileshare: .*\(404 NotFound\)$/m);
  });

  it("a download in ranges whose bytes do not hash to the share's SHA-256 ends with exit 5, one line, and no file left", async () => {
    const bytes = randomBytes(20 * MIB + 3); // more than one range: fetched several at once, hashed in order
    const path = join(dir, "ranged.bin");
    await writeFile(path, bytes);
    const up = await run(["upload", path, "--api", api]);
    assert.equal(up.code, 0, up.stderr);
    const link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
    await backends.idle();
    // The share now declares another file's SHA-256: the bytes S3 serves no longer match it.
    const other = createHash("sha256").update("another file").digest("base64");
    await backends.deps.db.send(
      new UpdateCommand({
        TableName: backends.deps.config.tableName,
        Key: { id: keyNameFor(link.split("/").pop() as string) },
        UpdateExpression: "SET sha256 = :other",
        ExpressionAttributeValues: { ":other": other },
      }),
    );
    const out = join(dir, "ranged-copy.bin");
    const got = await run(["download", link, "-o", out]);
    assert.equal(got.code, 5, got.stderr);
    assert.equal(
      got.stderr.trim().split("\n").pop(),
      "fileshare: The downloaded file does not match the share's SHA-256; it was deleted. Download it again.",
    );
    assert.equal(await stat(out).catch(() => undefined), undefined, "nothing saved");
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith("ranged-copy")),
      [],
      "no partial file left",
    );
  });

  it("uploads a small file with one PUT and downloads it verified", async () => {
    const bytes = randomBytes(1000);
    const path = join(dir, "small.txt");
    await writeFile(path, bytes);
    const up = await run(["upload", path, "--expires", "1h", "--max-downloads", "3"], { FILESHARE_API: api });
    assert.equal(up.code, 0, up.stderr);
    const link = /^link: (\S+)$/m.exec(up.stdout)?.[1] as string;
    await backends.idle();
    const out = join(dir, "small-copy.txt");
    const got = await run(["download", link, "-o", out]);
    assert.equal(got.code, 0, got.stderr);
    assert.ok((await readFile(out)).equals(bytes));
  });

  it("answers bad usage with exit 2 and one line, and an unreachable API with exit 4", async () => {
    /** stderr is exactly one non-empty line. */
    const oneLine = (stderr: string) => assert.match(stderr, /^[^\n]+\n$/, `one line: ${stderr}`);
    const usage = await run(["upload", join(dir, "missing.bin"), "--api", api]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, `fileshare: ${join(dir, "missing.bin")} is not a readable file.\n`);
    const badOption = await run(["upload", "x", "--expires", "soon"]);
    assert.equal(badOption.code, 2);
    oneLine(badOption.stderr);
    // Its own file: a test that runs alone must not need one an earlier test wrote.
    const path = join(dir, "unsent.txt");
    await writeFile(path, randomBytes(100));
    const down = await run(["upload", path, "--api", "http://127.0.0.1:9/"], { FILESHARE_RETRY_BASE_MS: "1" });
    assert.equal(down.code, 4, down.stderr);
    assert.match(down.stderr, /^fileshare: Cannot reach the API/);
    oneLine(down.stderr);
  });
});
