// POST /uploads/{id}/url: the owner of a pending single-PUT share gets a fresh upload URL once the first expired,
// signed for the same headers, and the share is then filled through it (real S3 and DynamoDB servers; the
// expired URL is one signed 301 s in the past, which S3 refuses with 403 as it would have after waiting).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { keyNameFor } from "../../handlers/ids";
import { getRecord } from "../../handlers/store/records";
import { LocalServer } from "../../local/server";
import { call, startSignedInStack, tokenFor } from "../auth/support";
import { Api, bytesOf, testConfig, useBackends } from "../support/harness";

/** A share whose upload URL expired before anything was sent. */
async function expiredUpload(api: Api, bytes: Buffer, fields: Record<string, unknown> = {}) {
  const realNow = api.deps.now;
  api.deps.now = () => new Date(Date.now() - 301_000);
  try {
    const created = await api.createUpload({ size: bytes.length, ...fields });
    assert.equal(created.status, 201, created.body);
    return created.json;
  } finally {
    api.deps.now = realNow;
  }
}

const put = async (url: string, headers: Record<string, string>, bytes: Buffer) => {
  const res = await fetch(url, { method: "PUT", headers, body: new Uint8Array(bytes) });
  return { status: res.status, text: await res.text() };
};

describe("POST /uploads/{id}/url with a real S3 and DynamoDB server", () => {
  const env = useBackends(testConfig({ multipartThresholdBytes: 1024 }));
  before(env.start);
  after(env.stop);

  it("gives the owner a fresh URL with the same signed headers; the share is filled through it", async () => {
    const api = env.api();
    const bytes = bytesOf(11, 3);
    const sha256 = createHash("sha256").update(bytes).digest("base64");
    const created = await expiredUpload(api, bytes, { contentType: "text/plain; charset=utf-8", sha256 });
    const first = await put(created.uploadUrl, created.headers, bytes);
    assert.equal(first.status, 403, "the first URL has expired");
    assert.match(first.text, /expired/i);
    const before = await getRecord(api.deps, keyNameFor(created.id));

    const renewed = await api.request("POST", `/uploads/${created.id}/url`, {
      body: {},
      headers: { "x-delete-token": created.deleteToken },
    });
    assert.equal(renewed.status, 200, renewed.body);
    assert.equal(renewed.json.method, "PUT");
    assert.deepEqual(renewed.json.headers, created.headers, "the same headers to send");
    const signed = (url: string) => new URL(url).searchParams.get("X-Amz-SignedHeaders");
    assert.equal(signed(renewed.json.uploadUrl), signed(created.uploadUrl), "the same signed headers");
    assert.equal(renewed.json.expiresIn, api.deps.config.uploadUrlTtlSeconds);
    const after = await getRecord(api.deps, keyNameFor(created.id));
    assert.ok(after!.sweepAtEpoch! > before!.sweepAtEpoch!, "the pending share waits for the new URL's upload");

    assert.equal((await put(renewed.json.uploadUrl, renewed.json.headers, bytesOf(11, 4))).status, 400, "other bytes");
    assert.equal((await put(renewed.json.uploadUrl, renewed.json.headers, bytes)).status, 200);
    await api.backends.idle();
    assert.equal((await api.request("GET", `/files/${created.id}`)).json.status, "available");
    const again = await api.request("POST", `/uploads/${created.id}/url`, {
      body: {},
      headers: { "x-delete-token": created.deleteToken },
    });
    assert.equal(again.status, 409, "nothing left to send");
    assert.equal(again.json.error.code, "Conflict");
  });

  it("refuses anyone but the owner (403), a multipart share and an unknown id (404)", async () => {
    const api = env.api();
    const created = await expiredUpload(api, bytesOf(11));
    const stranger = await api.request("POST", `/uploads/${created.id}/url`, {
      body: {},
      headers: { "x-delete-token": "not-the-token" },
    });
    assert.equal(stranger.status, 403);
    const anonymous = await api.request("POST", `/uploads/${created.id}/url`, { body: {} });
    assert.equal(anonymous.status, 403);

    const large = await api.createUpload({ size: 2048 });
    assert.equal(large.json.method, "MULTIPART");
    const multipart = await api.request("POST", `/uploads/${large.json.id}/url`, {
      body: {},
      headers: { "x-delete-token": large.json.deleteToken },
    });
    assert.equal(multipart.status, 404);
    assert.match(multipart.json.error.message, /\/parts/);

    const unknown = await api.request("POST", `/uploads/AAAAAAAAAAAAAAAAAAAAAA/url`, {
      body: {},
      headers: { "x-delete-token": created.deleteToken },
    });
    assert.equal(unknown.status, 404);
  });
});

describe("POST /uploads/{id}/url with the owner's bearer token (over HTTP, sign-in on)", function () {
  this.timeout(120_000);
  let server: LocalServer;
  before(async () => {
    server = await startSignedInStack();
  });
  after(async () => server?.close());

  it("answers the owner's token and refuses another user's", async () => {
    const alice = await tokenFor(server, "alice@example.com");
    const bob = await tokenFor(server, "bob@example.com");
    const created = await call(server, "POST", "/uploads", {
      token: alice,
      body: { fileName: "a.txt", contentType: "text/plain", size: 5 },
    });
    assert.equal(created.status, 201);
    const path = `/uploads/${created.json.id}/url`;
    assert.equal((await call(server, "POST", path, { token: bob, body: {} })).status, 403);
    const mine = await call(server, "POST", path, { token: alice, body: {} });
    assert.equal(mine.status, 200, JSON.stringify(mine.json));
    const res = await fetch(mine.json.uploadUrl, { method: "PUT", headers: mine.json.headers, body: "hello" });
    assert.equal(res.status, 200);
  });
});
