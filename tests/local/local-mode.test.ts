// The local mode as a user runs it: `npm start` in a child process on a free port, walked as a client would,
// with fetch and with raw HTTP text. Also: data survives a restart, Ctrl-C stops it cleanly, and bad start-up
// conditions end with one clear line.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine, USAGE } from "../../local/cli";
import { StartupError } from "../../local/errors";
import { eventually, rawJson, rawRequest, shareWithFetch, testBytes } from "./http";
import { expectStartFailure, LocalProcess, startLocalProcess } from "./server";

/** stderr lines written by our program (npm's own notices, e.g. about the user's npmrc, are not ours). */
const ownLines = (stderr: string) =>
  stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("npm "));

describe("local mode: npm start", function () {
  this.timeout(60000);
  let server: LocalProcess;

  before(async () => {
    server = await startLocalProcess({ args: ["--memory"] });
  });

  after(async () => {
    if (server) await server.stop();
  });

  it("prints the page URL and the API URL, one line each", () => {
    assert.match(server.stdout(), /^fileshare is running: http:\/\/127\.0\.0\.1:\d+\/$/m);
    assert.match(server.stdout(), /^API base URL: http:\/\/127\.0\.0\.1:\d+\/ /m);
  });

  it("serves the web page at / and at a share link when a browser asks for HTML", async () => {
    const root = await fetch(server.url);
    assert.equal(root.status, 200);
    assert.match(root.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(root.headers.get("content-security-policy") ?? "", /script-src 'sha256-/);
    assert.match(await root.text(), /<title>fileshare<\/title>/);
    const link = await fetch(new URL("files/AAAAAAAAAAAAAAAAAAAAAA", server.url), {
      headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    assert.equal(link.status, 200);
    assert.match(link.headers.get("content-type") ?? "", /^text\/html/);
    // A share link pasted with a trailing slash still reaches the resource, as on API Gateway.
    const slashed = await fetch(new URL("files/AAAAAAAAAAAAAAAAAAAAAA/", server.url), {
      headers: { Accept: "text/html" },
    });
    assert.equal(slashed.status, 200);
    assert.match(slashed.headers.get("content-type") ?? "", /^text\/html/);
  });

  it("shares and fetches a file with fetch: create, PUT, wait, download the same bytes, delete, then 404", async () => {
    const bytes = testBytes(300 * 1024);
    const name = "Übersicht 2026 – naïve.bin";
    const upload = await shareWithFetch(server.url, { name, type: "application/octet-stream", bytes });
    assert.equal(upload.shareUrl, `${server.url}files/${upload.id}`);
    assert.ok(upload.uploadUrl.startsWith("http://127.0.0.1:"));

    const metadata = await fetch(upload.shareUrl, { headers: { Accept: "application/json" } });
    assert.equal(metadata.status, 200);
    const info = (await metadata.json()) as Record<string, unknown>;
    assert.equal(info.fileName, name);
    assert.equal(info.size, bytes.length);
    assert.equal(info.downloads, 0, "reading the metadata must not consume a download");

    const grant = await fetch(`${upload.shareUrl}/download`, { method: "POST" });
    assert.equal(grant.status, 200);
    const { downloadUrl } = (await grant.json()) as { downloadUrl: string };
    const file = await fetch(downloadUrl);
    assert.equal(file.status, 200);
    assert.ok(Buffer.from(await file.arrayBuffer()).equals(bytes), "downloaded bytes differ from the uploaded ones");
    assert.match(file.headers.get("content-disposition") ?? "", /filename\*=UTF-8''%C3%9Cbersicht/);

    const unsigned = await fetch(downloadUrl.split("?")[0] as string);
    assert.equal(unsigned.status, 403, "the bucket must not serve unsigned requests");

    const wrongToken = await fetch(upload.shareUrl, { method: "DELETE", headers: { "X-Delete-Token": "nope" } });
    assert.equal(wrongToken.status, 403);
    const deleted = await fetch(upload.shareUrl, {
      method: "DELETE",
      headers: { "X-Delete-Token": upload.deleteToken },
    });
    assert.equal(deleted.status, 204);
    const after = await fetch(upload.shareUrl, { headers: { Accept: "application/json" } });
    assert.equal(after.status, 404);
    assert.equal(((await after.json()) as { error: { code: string } }).error.code, "NotFound");
  });

  it("shares and fetches a file with raw HTTP/1.1 requests, as curl sends them", async () => {
    const bytes = testBytes(64 * 1024 + 7);
    const request = JSON.stringify({ fileName: "raw.dat", contentType: "application/x-raw", size: bytes.length });
    const created = await rawRequest(
      `${server.url}uploads`,
      "POST",
      { "Content-Type": "application/json", Accept: "*/*", "User-Agent": "curl/8.5.0" },
      request,
    );
    assert.equal(created.status, 201, created.body.toString());
    const upload = rawJson<{ id: string; uploadUrl: string; headers: Record<string, string>; deleteToken: string }>(
      created,
    );

    const put = await rawRequest(upload.uploadUrl, "PUT", upload.headers, bytes);
    assert.equal(put.status, 200, put.body.toString());

    const shareUrl = `${server.url}files/${upload.id}`;
    await eventually("the raw upload to become available", async () => {
      const res = await rawRequest(shareUrl, "GET", { Accept: "*/*" });
      return res.status === 200 && rawJson(res).status === "available" ? true : undefined;
    });

    const grant = await rawRequest(`${shareUrl}/download`, "POST", { Accept: "*/*" });
    assert.equal(grant.status, 200, grant.body.toString());
    const download = await rawRequest(rawJson<{ downloadUrl: string }>(grant).downloadUrl, "GET");
    assert.equal(download.status, 200);
    assert.ok(download.body.equals(bytes), "raw download differs from the upload");

    const deleted = await rawRequest(shareUrl, "DELETE", { "X-Delete-Token": upload.deleteToken });
    assert.equal(deleted.status, 204);
    const gone = await rawRequest(shareUrl, "GET");
    assert.equal(gone.status, 404);
  });

  it("refuses a PUT whose length differs from the declared size (the signature covers it)", async () => {
    const upload = await shareWithFetch(
      server.url,
      { name: "short.txt", type: "text/plain", bytes: Buffer.from("12345") },
      { put: false },
    );
    const put = await rawRequest(upload.uploadUrl, "PUT", upload.headers, Buffer.from("123456"));
    assert.equal(put.status, 403);
  });

  it("keeps nothing of a PUT cut short, so the same upload URL works when the client retries (as on S3)", async () => {
    const bytes = testBytes(256 * 1024);
    const upload = await shareWithFetch(
      server.url,
      { name: "retry.bin", type: "application/octet-stream", bytes },
      { put: false },
    );
    // Half the body, then the connection drops (a laptop lid closed mid-upload).
    const cutShort = async () => {
      const target = new URL(upload.uploadUrl);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(target.port), target.hostname, () => {
          const head = [`PUT ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
          for (const [name, value] of Object.entries(upload.headers)) head.push(`${name}: ${value}`);
          head.push(`Content-Length: ${bytes.length}`, "", "");
          socket.write(head.join("\r\n"));
          socket.write(bytes.subarray(0, bytes.length / 2), () => setTimeout(() => socket.destroy(), 100));
        });
        socket.on("close", () => resolve());
        socket.on("error", reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
    };
    await cutShort();

    const retry = await fetch(upload.uploadUrl, {
      method: "PUT",
      headers: upload.headers,
      body: new Uint8Array(bytes),
    });
    assert.equal(retry.status, 200, await retry.text());
    await eventually("the retried upload to become available", async () => {
      const res = await fetch(upload.shareUrl, { headers: { Accept: "application/json" } });
      return ((await res.json()) as { status?: string }).status === "available" ? true : undefined;
    });
    const download = async () => {
      const grant = await fetch(`${upload.shareUrl}/download`, { method: "POST" });
      const file = await fetch(((await grant.json()) as { downloadUrl: string }).downloadUrl);
      return Buffer.from(await file.arrayBuffer());
    };
    assert.ok((await download()).equals(bytes), "the stored file differs from the retried upload");
    // A cut-short PUT to a complete object leaves it alone (s3rver refuses it with 412 before writing).
    await cutShort();
    assert.ok((await download()).equals(bytes), "a cut-short PUT damaged the stored file");
  });

  it("answers unknown paths and wrong methods 404 (as the deployed API) and OPTIONS with a preflight, in the docs/api.md error shape", async () => {
    const missing = await fetch(new URL("nope", server.url));
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(((await missing.json()) as { error: object }).error).sort(), ["code", "message"]);

    const wrong = await fetch(new URL("uploads", server.url), { method: "PUT" });
    assert.equal(wrong.status, 404);
    assert.deepEqual(await wrong.json(), {
      error: { code: "NotFound", message: "There is no PUT /uploads; this path takes POST, OPTIONS." },
    });

    const preflight = await fetch(new URL("files/AAAAAAAAAAAAAAAAAAAAAA/download", server.url), {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:3000");

    const foreign = await fetch(new URL("uploads", server.url), {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  });

  it("answers a request body over 1 MiB with 413 TooLarge", async () => {
    const res = await rawRequest(
      `${server.url}uploads`,
      "POST",
      { "Content-Type": "application/json" },
      Buffer.alloc(1024 * 1024 + 1, 0x20),
    );
    assert.equal(res.status, 413);
    assert.equal(rawJson<{ error: { code: string } }>(res).error.code, "TooLarge");
  });

  it("answers only to its own host name (no DNS rebinding)", async () => {
    const res = await rawRequest(server.url, "GET", { Host: "evil.example" });
    assert.equal(res.status, 400);
    const port = new URL(server.url).port;
    const viaLocalhost = await rawRequest(server.url, "GET", { Host: `localhost:${port}` });
    assert.equal(viaLocalhost.status, 200);
  });
});

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
