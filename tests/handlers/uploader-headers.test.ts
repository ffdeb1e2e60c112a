// What an uploader controls beyond the signed headers: S3 accepts unsigned standard headers (Content-Encoding,
// Cache-Control, Content-Disposition, ...) on a pre-signed PUT and stores them with the object. Real uploads
// through the pre-signed URL, the S3 event, the ObjectCreated handler, real S3 and DynamoDB servers.
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { captureLogs, useBackends } from "../support/harness";
import { keyNameFor } from "../../handlers/ids";

describe("Uploads carrying headers nobody declared (real pre-signed PUTs, real servers)", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  /** Creates a share for `body` and PUTs it with the signed headers plus `extra`; returns the PUT status. */
  async function upload(body: Buffer, extra: Record<string, string>, contentType = "application/octet-stream") {
    const api = env.api();
    const created = await api.createUpload({ fileName: "f.bin", contentType, size: body.length });
    const { result: put, entries } = await captureLogs(async () => {
      const r = await fetch(created.json.uploadUrl, {
        method: "PUT",
        headers: { ...created.json.headers, ...extra },
        body: new Uint8Array(body),
      });
      await r.arrayBuffer();
      await api.backends.idle();
      return r;
    });
    return { api, created, put, entries };
  }

  for (const [header, value] of [
    ["Content-Encoding", "gzip"],
    ["Content-Encoding", "br"],
  ] as const) {
    it(`deletes an upload stored with an undeclared ${header}: ${value}, leaves the share pending and logs why`, async () => {
      // A 20 KB gzip body that would inflate to 20 MB in a browser honouring Content-Encoding.
      const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
      const { api, created, put, entries } = await upload(bomb, { [header]: value });
      assert.equal(put.status, 200, "S3 accepts unsigned standard headers; the check happens after");
      assert.equal(await headObject(api.deps, created.json.fileKey), undefined, "the object is deleted");
      assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "pending");
      assert.equal((await api.request("POST", `/files/${created.json.id}/download`)).status, 409);
      const warning = entries.find((e) => e.message === "deleted an upload that does not match its record");
      assert.ok(warning, "the rejection is logged");
      assert.deepEqual(warning.reasons, [`undeclared ${header}`]);
    });
  }

  it("accepts the same upload URL again when the retry carries exactly the signed headers", async () => {
    const body = Buffer.from("honest bytes");
    const { api, created } = await upload(body, { "Content-Encoding": "gzip" });
    assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "pending");
    const retry = await fetch(created.json.uploadUrl, {
      method: "PUT",
      headers: created.json.headers,
      body: new Uint8Array(body),
    });
    assert.equal(retry.status, 200);
    await api.backends.idle();
    assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "available");
  });

  it("never makes a share available whose upload carried unsigned x-amz-meta-* or a website redirect", async () => {
    for (const extra of <Record<string, string>[]>[
      { "x-amz-meta-owner": "evil" },
      { "x-amz-website-redirect-location": "https://evil.example" },
    ]) {
      const { api, created, put } = await upload(Buffer.from("twelve bytes"), extra);
      // Real S3 refuses unsigned x-amz-* headers (403); an emulator that stores them gets the object deleted.
      assert.ok([200, 403].includes(put.status), `PUT status ${put.status}`);
      assert.equal(await headObject(api.deps, created.json.fileKey), undefined, JSON.stringify(extra));
      assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "pending", JSON.stringify(extra));
    }
  });

  it("deletes an object stored with metadata or a redirect even when the writer could sign them", async () => {
    const api = env.api();
    for (const extra of [{ Metadata: { owner: "x" } }, { WebsiteRedirectLocation: "/elsewhere" }]) {
      const created = await api.createUpload({ fileName: "f.bin", contentType: "application/pdf", size: 11 });
      const { entries } = await captureLogs(async () => {
        await api.deps.s3.send(
          new PutObjectCommand({
            Bucket: api.deps.config.bucketName,
            Key: created.json.fileKey,
            Body: "eleven byte",
            ContentType: "application/pdf",
            ...extra,
          }),
        );
        await api.backends.idle();
      });
      assert.equal(await headObject(api.deps, created.json.fileKey), undefined);
      assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "pending");
      const warning = entries.find((e) => e.message === "deleted an upload that does not match its record");
      assert.match(String(warning?.reasons), /undeclared (x-amz-meta-owner|x-amz-website-redirect-location)/);
    }
  });

  it("confirms an honest upload whose client added Cache-Control, as fetch() does on a conditional PUT", async () => {
    const { api, created, put } = await upload(Buffer.from("eleven byte"), { "Cache-Control": "no-cache" });
    assert.equal(put.status, 200);
    assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "available");
  });

  it("pins type, disposition, identity encoding and no-store caching on the download URL, whatever was stored", async () => {
    const api = env.api();
    const { id } = await api.share(Buffer.from("eleven byte"), { contentType: "text/plain" });
    const download = await api.request("POST", `/files/${id}/download`);
    const url = new URL(download.json.downloadUrl);
    assert.equal(url.searchParams.get("response-content-encoding"), "identity");
    assert.equal(url.searchParams.get("response-cache-control"), "private, no-store");
    assert.equal(url.searchParams.get("response-content-type"), "text/plain");
    assert.match(url.searchParams.get("response-content-disposition") ?? "", /^attachment;/);
    const got = await fetch(url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-encoding"), "identity");
    assert.equal(got.headers.get("cache-control"), "private, no-store");
    assert.equal(await got.text(), "eleven byte");
  });
});
