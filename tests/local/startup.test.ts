// Starting and stopping the local mode: its command line, the data folder surviving a restart, Ctrl-C and
// SIGTERM, and bad start-up conditions ending with one clear line.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine, USAGE } from "../../local/commandLine";
import { StartupError } from "../../local/errors";
import { shareWithFetch, testBytes } from "./http";
import { expectStartFailure, startLocalProcess } from "./server";

/** stderr lines written by our program (npm's own notices, e.g. about the user's npmrc, are not ours). */
const ownLines = (stderr: string) =>
  stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("npm "));

describe("local mode: command line", () => {
  const fails = (argv: string[]) => assert.throws(() => parseCommandLine(argv, {}), StartupError);

  it("refuses --data-dir without a folder, instead of using the current folder or reading the next option", () => {
    fails(["--data-dir"]);
    fails(["--data-dir="]);
    fails(["--data-dir", ""]);
    fails(["--data-dir", "--memory"]);
    assert.throws(() => parseCommandLine(["--data-dir="], {}), /--data-dir needs a folder: --data-dir DIR/);
    assert.equal(parseCommandLine(["--data-dir=some/dir"], {}).dataDir, join(process.cwd(), "some/dir"));
    assert.equal(parseCommandLine(["--data-dir", "/tmp/x", "--memory"], {}).dataDir, undefined);
  });

  it("prints the usage on --help to stdout and exits 0, starting nothing", async () => {
    assert.deepEqual(parseCommandLine(["--help"], { PORT: "not a port" }), { port: 3000, help: true });
    const { exit, stdout, stderr } = await expectStartFailure({ via: "direct", args: ["--help"] });
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(stdout, USAGE);
    assert.equal(ownLines(stderr).length, 0, stderr);
  });
});

describe("local mode: data folder, restart and stop", function () {
  this.timeout(60000);
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "fileshare-local-test-"));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps shared files across a restart with the same data folder", async () => {
    const bytes = testBytes(10 * 1024);
    const first = await startLocalProcess({ args: ["--data-dir", dataDir] });
    let upload;
    try {
      upload = await shareWithFetch(first.url, { name: "keep.bin", type: "application/octet-stream", bytes });
    } finally {
      await first.stop("SIGINT");
    }
    const second = await startLocalProcess({ env: { FILESHARE_DATA_DIR: dataDir } });
    try {
      const link = new URL(`files/${upload.id}`, second.url);
      const info = await fetch(link, { headers: { Accept: "application/json" } });
      assert.equal(info.status, 200);
      assert.equal(((await info.json()) as { status: string }).status, "available");
      const grant = await fetch(`${link.toString()}/download`, { method: "POST" });
      const { downloadUrl } = (await grant.json()) as { downloadUrl: string };
      const file = await fetch(downloadUrl);
      assert.ok(Buffer.from(await file.arrayBuffer()).equals(bytes), "the file changed across the restart");
    } finally {
      await second.stop("SIGINT");
    }
  });

  it("stops on Ctrl-C (SIGINT) with exit code 0", async () => {
    const running = await startLocalProcess({ via: "direct", args: ["--memory"] });
    const exit = await running.stop("SIGINT");
    assert.deepEqual(exit, { code: 0, signal: null }, running.stderr());
    assert.match(running.stdout(), /SIGINT received, stopping/);
    assert.equal(ownLines(running.stderr()).length, 0, running.stderr());
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const running = await startLocalProcess({ via: "direct", args: ["--memory"] });
    const exit = await running.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, running.stderr());
  });

  it("ends with one clear line, not a stack trace, when the port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { exit, stderr } = await expectStartFailure({ args: ["--memory"], env: { PORT: String(port) } });
      assert.notEqual(exit.code, 0);
      const lines = ownLines(stderr);
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] as string, new RegExp(`port ${port} is already in use.*PORT=`));
      assert.doesNotMatch(stderr, /^\s+at /m);
    } finally {
      blocker.close();
    }
  });

  it("ends with one clear line when the data folder cannot be used", async () => {
    const notAFolder = join(dataDir, "a-file");
    await writeFile(notAFolder, "x");
    const { exit, stderr } = await expectStartFailure({ via: "direct", args: ["--data-dir", join(notAFolder, "sub")] });
    assert.equal(exit.code, 1);
    const lines = ownLines(stderr);
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0] as string, /cannot use the data folder .*a-file\/sub.*--data-dir.*--memory/);
  });

  it("refuses, in one clear line, a data folder that another running fileshare is using", async () => {
    const shared = join(dataDir, "shared");
    const first = await startLocalProcess({ via: "direct", args: ["--data-dir", shared] });
    try {
      const { exit, stderr } = await expectStartFailure({ via: "direct", args: ["--data-dir", shared] });
      assert.equal(exit.code, 1);
      const lines = ownLines(stderr);
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] as string, /data folder .*shared is in use by another fileshare \(pid \d+\)/);
      assert.match(lines[0] as string, /If no fileshare is running, delete .*shared\/fileshare\.pid\.$/);
      // The first one is unharmed.
      assert.equal((await fetch(first.url)).status, 200);
    } finally {
      await first.stop();
    }
  });

  it("takes over a pid file whose pid now belongs to another program (a reused pid)", async () => {
    const folder = join(dataDir, "reused");
    await mkdir(folder, { recursive: true });
    // This test runner is alive, and is not a fileshare: first as an old-style file (pid only), then with a
    // start time that is not this process's.
    for (const claim of [String(process.pid), `${process.pid} 1`]) {
      await writeFile(join(folder, "fileshare.pid"), claim);
      const next = await startLocalProcess({ via: "direct", args: ["--data-dir", folder] });
      const exit = await next.stop();
      assert.equal(exit.code, 0, next.stderr());
    }
  });

  it("takes over a data folder whose previous server died without cleaning up", async () => {
    const folder = join(dataDir, "stale");
    const killed = await startLocalProcess({ via: "direct", args: ["--data-dir", folder] });
    await killed.stop("SIGKILL");
    const next = await startLocalProcess({ via: "direct", args: ["--data-dir", folder] });
    const exit = await next.stop();
    assert.equal(exit.code, 0);
  });

  it("ends with one clear line naming the key when a config value is invalid", async () => {
    const { exit, stderr } = await expectStartFailure({
      via: "direct",
      args: ["--memory"],
      env: { FILESHARE_MAX_FILE_SIZE_BYTES: "-5" },
    });
    assert.equal(exit.code, 1);
    const lines = ownLines(stderr);
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0] as string, /fileshare:maxFileSizeBytes/);
  });

  it("applies FILESHARE_* overrides on top of Pulumi.dev.yaml", async () => {
    const running = await startLocalProcess({
      via: "direct",
      args: ["--memory"],
      env: { FILESHARE_MAX_FILE_SIZE_BYTES: "10" },
    });
    try {
      const res = await fetch(new URL("uploads", running.url), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ fileName: "big.txt", contentType: "text/plain", size: 11 }),
      });
      assert.equal(res.status, 413);
    } finally {
      await running.stop();
    }
  });
});
