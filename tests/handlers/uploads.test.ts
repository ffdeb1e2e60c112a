import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { getRecord } from "../../handlers/store/records";
import { bytesOf, testConfig, useBackends } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

// POST /uploads and the pre-signed PUT, against a signature-checking S3 server and dynalite over HTTP.
describe("POST /uploads with a real S3 and DynamoDB server", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("answers 201 with the docs/api.md shape and stores a pending record with only a hash of the delete token", async () => {
    const api = env.api();
    const reply = await api.createUpload({ fileName: "  report.pdf  ", size: 11 });
    assert.equal(reply.status, 201);
    const body = reply.json;
    assert.match(body.id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(body.fileKey, fileKeyFor(body.id));
    assert.equal(body.method, "PUT");
    assert.deepEqual(body.headers, { "Content-Type": "application/pdf", "If-None-Match": "*" });
    assert.equal(body.expiresIn, 300);
    assert.equal(body.shareUrl, `https://api.test/files/${body.id}`);
    assert.ok(Math.abs(Date.parse(body.expiresAt) - (Date.now() + 3600_000)) < 5000, "default share lifetime");
    assert.match(body.deleteToken, /^[A-Za-z0-9_-]{43}$/);

    const record = await getRecord(api.deps, keyNameFor(body.id));
    assert.ok(record);
    assert.equal(record.status, "pending");
    assert.equal(record.fileName, "report.pdf", "trimmed");
    assert.equal(record.deleteTokenHash, createHash("sha256").update(body.deleteToken).digest("hex"));
    assert.ok(!JSON.stringify(record).includes(body.deleteToken), "the token itself is never stored");
  });

  it("signs Content-Type, Content-Length and If-None-Match and adds no checksum the client did not ask for", async () => {
    const reply = await env.api().createUpload();
    const url = new URL(reply.json.uploadUrl);
    assert.deepEqual(url.searchParams.get("X-Amz-SignedHeaders")?.split(";").sort(), [
      "content-length",
      "content-type",
      "host",
      "if-none-match",
    ]);
    for (const name of url.searchParams.keys()) assert.ok(!/checksum/i.test(name), `unexpected ${name} in the URL`);
    assert.equal(url.searchParams.get("X-Amz-Expires"), "300");
    assert.ok(url.pathname.endsWith(`/${fileKeyFor(reply.json.id)}`), "the key comes from the id, never the file name");
  });

  it("lets the declared upload through and S3 then rejects another content type or length with 403", async () => {
    const api = env.api();
    const bytes = bytesOf(11);
    const reply = await api.createUpload({ size: 11 });
    const { uploadUrl, headers } = reply.json;

    const otherType = await fetch(uploadUrl, {
      method: "PUT",
      headers: { "Content-Type": "text/html" },
      body: new Uint8Array(bytes),
    });
    assert.equal(otherType.status, 403);
    const otherLength = await fetch(uploadUrl, { method: "PUT", headers, body: new Uint8Array(bytesOf(12)) });
    assert.equal(otherLength.status, 403);
    await api.backends.idle();
    assert.equal((await getRecord(api.deps, keyNameFor(reply.json.id)))?.status, "pending", "nothing arrived");

    const ok = await fetch(uploadUrl, { method: "PUT", headers, body: new Uint8Array(bytes) });
    assert.equal(ok.status, 200);
    await api.backends.idle();
    assert.equal(
      (await getRecord(api.deps, keyNameFor(reply.json.id)))?.status,
      "available",
      "the S3 event confirmed it",
    );
  });

  it("writes once: the same URL cannot replace bytes already uploaded (412), so downloads get what was confirmed", async () => {
    const api = env.api();
    const reply = await api.createUpload({ size: 11, contentType: "text/plain" });
    const put = (body: string) =>
      fetch(reply.json.uploadUrl, { method: "PUT", headers: reply.json.headers, body: new TextEncoder().encode(body) });
    assert.equal((await put("first bytes")).status, 200);
    await api.backends.idle();
    assert.equal((await put("EVIL-BYTES!")).status, 412);
    const withoutCondition = await fetch(reply.json.uploadUrl, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: new TextEncoder().encode("EVIL-BYTES!"),
    });
    assert.equal(withoutCondition.status, 403, "If-None-Match is signed: it cannot be left out");
    const url = (await api.request("POST", `/files/${reply.json.id}/download`)).json.downloadUrl;
    assert.equal(await (await fetch(url)).text(), "first bytes");
  });

  it("never signs an upload URL that outlives its share", async () => {
    const reply = await env.api().createUpload({ expiresInSeconds: 60 });
    assert.equal(reply.json.expiresIn, 60);
    assert.equal(new URL(reply.json.uploadUrl).searchParams.get("X-Amz-Expires"), "60");
  });

  it("accepts every limit at exactly its maximum", async () => {
    const api = env.api();
    const config = api.deps.config;
    const reply = await api.createUpload({
      fileName: "é".repeat(251) + ".pdf",
      size: config.maxFileSizeBytes,
      expiresInSeconds: config.maxShareTtlSeconds,
      maxDownloads: config.maxDownloadsLimit,
    });
    assert.equal(reply.status, 201, reply.body);
  });

  it("counts the file name in characters (code points), as docs/api.md says: 255 emoji pass, 256 are 256", async () => {
    const api = env.api();
    const emoji = "\u{1F600}"; // one character, two UTF-16 units
    const most = await api.createUpload({ fileName: emoji.repeat(255) });
    assert.equal(most.status, 201, most.body);
    assert.equal((await getRecord(api.deps, keyNameFor(most.json.id)))?.fileName, emoji.repeat(255));
    const over = await api.createUpload({ fileName: emoji.repeat(256) });
    assert.equal(over.status, 400);
    assert.match(over.json.error.message, /1 to 255 characters .* got 256\./);
  });

  it("refuses a contentType with a tab or repeated spaces (signed collapsed, no PUT could match); one space works", async () => {
    const api = env.api();
    for (const contentType of ["text/plain;\tcharset=utf-8", "text/plain;  charset=utf-8", 'text/plain; name="a  b"']) {
      const reply = await api.createUpload({ contentType, size: 5 });
      assert.equal(reply.status, 400, `${JSON.stringify(contentType)}: ${reply.body}`);
      assert.match(reply.json.error.message, /tabs or repeated spaces/);
    }
    const fine = await api.createUpload({ contentType: "text/plain; charset=utf-8", size: 5 });
    assert.equal(fine.status, 201, fine.body);
    assert.equal(fine.json.headers["Content-Type"], "text/plain; charset=utf-8");
    const put = await fetch(fine.json.uploadUrl, { method: "PUT", headers: fine.json.headers, body: "hello" });
    assert.equal(put.status, 200, await put.text());
  });

  it("stores the file name in Unicode NFC, trimmed", async () => {
    const api = env.api();
    const reply = await api.createUpload({ fileName: " Re\u0301sume\u0301.pdf " });
    assert.equal((await getRecord(api.deps, keyNameFor(reply.json.id)))?.fileName, "R\u00e9sum\u00e9.pdf");
  });

  it("keeps the file name out of the S3 key, even with path separators", async () => {
    const reply = await env.api().createUpload({ fileName: "../../etc/passwd" });
    assert.equal(reply.status, 201);
    assert.equal(reply.json.fileKey, fileKeyFor(reply.json.id));
  });

  it("signs the SHA-256 when given: the header is required and must carry that digest", async () => {
    const api = env.api();
    const bytes = bytesOf(64);
    const sha256 = createHash("sha256").update(bytes).digest("base64");
    const reply = await api.createUpload({ size: 64, sha256 });
    assert.deepEqual(reply.json.headers, {
      "Content-Type": "application/pdf",
      "If-None-Match": "*",
      "x-amz-checksum-sha256": sha256,
    });
    const url = new URL(reply.json.uploadUrl);
    assert.ok(url.searchParams.get("X-Amz-SignedHeaders")?.split(";").includes("x-amz-checksum-sha256"));
    assert.equal(url.searchParams.get("x-amz-checksum-sha256"), null, "a header, not a query parameter");

    const without = await fetch(reply.json.uploadUrl, {
      method: "PUT",
      headers: { "Content-Type": "application/pdf", "If-None-Match": "*" },
      body: new Uint8Array(bytes),
    });
    assert.equal(without.status, 403);
    const wrongDigest = createHash("sha256").update("other").digest("base64");
    const wrong = await fetch(reply.json.uploadUrl, {
      method: "PUT",
      headers: { ...reply.json.headers, "x-amz-checksum-sha256": wrongDigest },
      body: new Uint8Array(bytes),
    });
    assert.equal(wrong.status, 403);
    const ok = await fetch(reply.json.uploadUrl, {
      method: "PUT",
      headers: reply.json.headers,
      body: new Uint8Array(bytes),
    });
    assert.equal(ok.status, 200);
  });

  it("refuses an upload URL once it has expired (403 from S3)", async () => {
    const api = env.api();
    const realNow = api.deps.now;
    api.deps.now = () => new Date(Date.now() - 301_000); // signed 301 s ago with a 300 s lifetime
    try {
      const reply = await api.createUpload({ size: 11 });
      const put = await fetch(reply.json.uploadUrl, {
        method: "PUT",
        headers: reply.json.headers,
        body: new Uint8Array(bytesOf(11)),
      });
      assert.equal(put.status, 403);
      assert.match(await put.text(), /expired/i);
    } finally {
      api.deps.now = realNow;
    }
  });

  it("uses the stack defaults for share lifetime and download limit when the client gives none", async () => {
    const api = env.api();
    // The body has neither expiresInSeconds nor maxDownloads.
    const reply = await api.createUpload();
    assert.equal(reply.status, 201);
    const record = await getRecord(api.deps, keyNameFor(reply.json.id));
    // testConfig(): defaultShareTtlSeconds 3600, defaultMaxDownloads 0 (= unlimited).
    assert.equal(record!.expiresAtEpoch - Math.floor(Date.parse(record!.createdAt) / 1000), 3600);
    assert.equal(Date.parse(reply.json.expiresAt), record!.expiresAtEpoch * 1000, "the answer says the same");
    assert.equal(record?.maxDownloads, undefined, "stack default 0 = unlimited");
  });

  it("keeps the share lifetime and download limit the client asks for", async () => {
    const api = env.api();
    const reply = await api.createUpload({ expiresInSeconds: 120, maxDownloads: 3 });
    const record = await getRecord(api.deps, keyNameFor(reply.json.id));
    assert.equal(record?.maxDownloads, 3);
    assert.equal(record!.expiresAtEpoch - Math.floor(Date.parse(record!.createdAt) / 1000), 120);
  });

  it("never lets a client choose the key: a direct PUT to another key with the signed URL's signature fails", async () => {
    const api = env.api();
    const reply = await api.createUpload({ size: 11 });
    const other = keyNameFor("AAAAAAAAAAAAAAAAAAAAAA"); // another share's key
    const tampered = reply.json.uploadUrl.replace(keyNameFor(reply.json.id), other);
    assert.ok(tampered.includes(other), "the URL now names another key");
    const put = await fetch(tampered, {
      method: "PUT",
      headers: reply.json.headers,
      body: new Uint8Array(bytesOf(11)),
    });
    assert.equal(put.status, 403);
  });
});

describe("POST /uploads on a stack with a content-type allow-list and a default download limit", () => {
  const env = useBackends(testConfig({ allowedContentTypes: ["image/png", "text/plain"], defaultMaxDownloads: 2 }));
  before(env.start);
  after(env.stop);

  it("answers 415 UnsupportedMediaType for a type not on the list, naming the allowed ones", async () => {
    const reply = await env.api().createUpload({ contentType: "application/pdf" });
    assert.equal(reply.status, 415);
    assert.equal(reply.json.error.code, "UnsupportedMediaType");
    assert.match(reply.json.error.message, /image\/png, text\/plain/);
  });

  it("accepts a listed type whatever its case and parameters", async () => {
    const reply = await env.api().createUpload({ contentType: "Text/Plain; charset=utf-8" });
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.json.headers, { "Content-Type": "Text/Plain; charset=utf-8", "If-None-Match": "*" });
  });

  it("applies the stack's default download limit", async () => {
    const api = env.api();
    const reply = await api.createUpload({ contentType: "image/png" });
    assert.equal((await getRecord(api.deps, keyNameFor(reply.json.id)))?.maxDownloads, 2);
  });
});
