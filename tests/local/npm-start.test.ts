// The local mode as a user runs it: `npm start` in a child process on a free port, walked as a client would,
// with fetch and with raw HTTP text.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { waitFor } from "../support/wait";
import { rawJson, rawRequest, shareWithFetch, testBytes } from "./http";
import { LocalProcess, startLocalProcess } from "./server";

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

  it("offers sign-in through the local issuer (Pulumi.dev.yaml: auth cognito) while anonymous visitors may still share", async () => {
    const config = (await (await fetch(new URL("config", server.url))).json()) as {
      auth: { issuer: string; required: { upload: boolean; download: boolean } } | null;
      apiKeys: boolean;
    };
    assert.ok(config.auth, "GET /config names the issuer");
    assert.match(config.auth.issuer, /^http:\/\/127\.0\.0\.1:\d+/);
    assert.deepEqual(config.auth.required, { upload: false, download: false });
    assert.equal(config.apiKeys, false);
    const discovery = await fetch(`${config.auth.issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200, "the issuer is running");
    // The anonymous share itself is the next tests' walk (create, PUT, download), with no token.
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
    await waitFor(
      async () => {
        const res = await rawRequest(shareUrl, "GET", { Accept: "*/*" });
        return res.status === 200 && rawJson(res).status === "available";
      },
      { what: "the raw upload to become available" },
    );

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

  it("emulator: local S3 keeps nothing of a PUT cut short, so the same upload URL works when the client retries (as on S3)", async () => {
    const bytes = testBytes(256 * 1024);
    const upload = await shareWithFetch(
      server.url,
      { name: "retry.bin", type: "application/octet-stream", bytes },
      { put: false },
    );
    // Half the body, then the connection drops (a laptop lid closed mid-upload). TCP delivers the half before
    // the close, so the server gets both once the write is flushed: no pause is needed.
    const cutShort = async () => {
      const target = new URL(upload.uploadUrl);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(target.port), target.hostname, () => {
          const head = [`PUT ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
          for (const [name, value] of Object.entries(upload.headers)) head.push(`${name}: ${value}`);
          head.push(`Content-Length: ${bytes.length}`, "", "");
          socket.write(head.join("\r\n"));
          socket.write(bytes.subarray(0, bytes.length / 2), () => socket.destroy());
        });
        socket.on("close", () => resolve());
        socket.on("error", reject);
      });
    };
    await cutShort();

    // The client retries with the same URL. The server may still be discarding the cut-short PUT, so a retry is
    // polled; had it kept the partial file, every retry would get 412 until the deadline.
    const retries: number[] = [];
    await waitFor(
      async () => {
        const retry = await fetch(upload.uploadUrl, {
          method: "PUT",
          headers: upload.headers,
          body: new Uint8Array(bytes),
        });
        retries.push(retry.status);
        await retry.arrayBuffer();
        return retry.status === 200;
      },
      { what: "a retried PUT to be accepted", timeoutMs: 5000, intervalMs: 50 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}; the retries got ${retries.join(", ")}`);
    });
    await waitFor(
      async () => {
        const res = await fetch(upload.shareUrl, { headers: { Accept: "application/json" } });
        return ((await res.json()) as { status?: string }).status === "available";
      },
      { what: "the retried upload to become available" },
    );
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
