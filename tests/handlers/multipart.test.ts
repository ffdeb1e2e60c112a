// Multipart uploads (docs/api.md v1.1 "Large files") through the handlers, with the parts PUT for real to the
// signature-checking local S3 and the records in dynalite.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListPartsCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { completeMultipartUpload, listParts, signPart } from "../../handlers/multipart";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { Api, testConfig, useBackends } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

/** A 40 MiB file, sent in 5 MiB parts (threshold 8 MiB). */
const config = testConfig({
  maxFileSizeBytes: 64 * MIB,
  multipartThresholdBytes: 8 * MIB,
  multipartPartSizeBytes: 5 * MIB,
});

describe("multipart uploads through the API with the real local S3 and DynamoDB", function () {
  this.timeout(120_000);
  const env = useBackends(config);
  before(env.start);
  after(env.stop);

  // Random, so that no two parts are alike (equal parts have equal ETags).
  const file = randomBytes(40 * MIB + 123);
  const partOf = (n: number) => file.subarray((n - 1) * 5 * MIB, Math.min(n * 5 * MIB, file.length));

  async function start(api: Api, fields: Record<string, unknown> = {}) {
    const created = await api.createUpload({
      fileName: "video.mp4",
      contentType: "video/mp4",
      size: file.length,
      sha256: sha256(file),
      ...fields,
    });
    assert.equal(created.status, 201, created.body);
    const { id, deleteToken } = created.json;
    const owner = { "x-delete-token": deleteToken };
    const call = (method: string, path: string, body?: unknown) =>
      api.request(method, `/uploads/${id}/${path}`, { body, headers: owner });
    return { created: created.json, id, deleteToken, owner, call };
  }

  async function putPart(url: string, headers: Record<string, string>, body: Buffer) {
    const res = await fetch(url, { method: "PUT", headers, body: new Uint8Array(body) });
    return { status: res.status, etag: res.headers.get("etag") ?? "", text: await res.text() };
  }

  async function sendParts(
    call: Awaited<ReturnType<typeof start>>["call"],
    numbers: number[],
    withSha = false,
  ): Promise<{ partNumber: number; etag: string }[]> {
    const signed = await call("POST", "parts", {
      parts: numbers.map((n) => (withSha ? { partNumber: n, sha256: sha256(partOf(n)) } : { partNumber: n })),
    });
    assert.equal(signed.status, 200, signed.body);
    const out = [];
    for (const p of signed.json.parts) {
      const put = await putPart(p.url, p.headers, partOf(p.partNumber));
      assert.equal(put.status, 200, put.text);
      out.push({ partNumber: p.partNumber, etag: put.etag });
    }
    return out;
  }

  it("answers the plan for a file above the threshold: MULTIPART, 5 MiB parts, 9 parts, no upload URL", async () => {
    const { created, id } = await start(env.api());
    assert.equal(created.method, "MULTIPART");
    assert.deepEqual(created.multipart, { partSize: 5 * MIB, partCount: 9 });
    assert.equal(created.uploadUrl, undefined);
    const record = await getRecord(env.api().deps, keyNameFor(id));
    assert.equal(record?.multipart?.partCount, 9);
    assert.equal(record?.status, "pending");
  });

  it("uploads 40 MiB in parts, interrupted and resumed from GET parts, completes, confirms, downloads the same bytes", async () => {
    const api = env.api();
    const { id, call } = await start(api);
    const first = await sendParts(call, [1, 2, 3]);
    // The client "lost its state": S3 says what it holds.
    const listed = await call("GET", "parts");
    assert.equal(listed.status, 200, listed.body);
    assert.deepEqual(
      listed.json.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size]),
      [
        [1, 5 * MIB],
        [2, 5 * MIB],
        [3, 5 * MIB],
      ],
    );
    const held = new Set(listed.json.parts.map((p: { partNumber: number }) => p.partNumber));
    const rest = await sendParts(
      call,
      [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((n) => !held.has(n)),
    );
    const done = await call("POST", "complete", { parts: [...first, ...rest] });
    assert.equal(done.status, 200, done.body);
    assert.equal(done.json.id, id);
    assert.equal(done.json.size, file.length);
    assert.equal(done.json.sha256, sha256(file), "the declared whole-file SHA-256 is shown");
    await api.backends.idle();
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.status, "available", "the S3 event confirmed the object");
    const download = await api.request("POST", `/files/${id}/download`);
    assert.equal(download.status, 200, download.body);
    const got = Buffer.from(await (await fetch(download.json.downloadUrl)).arrayBuffer());
    assert.equal(got.length, file.length);
    assert.ok(got.equals(file), "downloaded bytes equal the uploaded bytes");
    const again = await call("POST", "complete", { parts: [...first, ...rest] });
    assert.equal(again.status, 409, "completing twice is a conflict");
    assert.equal(again.json.error.code, "Conflict");

    // A duplicate (or late) CompleteMultipartUpload event changes nothing.
    const before = await getRecord(api.deps, keyNameFor(id));
    const event = {
      Records: [
        {
          eventName: "ObjectCreated:CompleteMultipartUpload",
          s3: { bucket: { name: config.bucketName }, object: { key: fileKeyFor(id) } },
        },
      ],
    } as unknown as S3Event;
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "dup" }, api.deps), ["already-confirmed"]);
    assert.deepEqual(await getRecord(api.deps, keyNameFor(id)), before);
  });

  it("records the whole-file SHA-256 given at complete when POST /uploads gave none, and GET /files/{id} answers it", async () => {
    const api = env.api();
    const { id, call } = await start(api, { sha256: undefined, checksumAlgorithm: "SHA256" });
    assert.equal((await api.request("GET", `/files/${id}`)).json.sha256, undefined, "none declared yet");
    const parts = await sendParts(call, [1, 2, 3, 4, 5, 6, 7, 8, 9], true);
    const malformed = await call("POST", "complete", { parts, sha256: "not-a-digest" });
    assert.equal(malformed.status, 400, malformed.body);
    assert.match(malformed.json.error.message, /sha256/);
    const done = await call("POST", "complete", { parts, sha256: sha256(file) });
    assert.equal(done.status, 200, done.body);
    assert.equal(done.json.sha256, sha256(file));
    assert.equal((await api.request("GET", `/files/${id}`)).json.sha256, sha256(file));
  });

  it("refuses (400, nothing completed) a SHA-256 at complete that differs from the one POST /uploads recorded", async () => {
    const api = env.api();
    const { id, call } = await start(api);
    const parts = await sendParts(call, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const other = sha256(Buffer.from("another file"));
    const refused = await call("POST", "complete", { parts, sha256: other });
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.json.error.message, /file changed/);
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.multipart?.completedAt, undefined, "still open");
    const done = await call("POST", "complete", { parts, sha256: sha256(file) });
    assert.equal(done.status, 200, done.body);
  });

  it("deletes a completed multipart object whose size does not match the record (the confirmation check)", async () => {
    const api = env.api();
    // Declared one byte larger than what is sent: complete refuses (the last part is short), so assemble the
    // object behind the API's back, as a client with S3 credentials could, and let the event check it.
    const { id } = await start(api, { size: file.length + 1, sha256: undefined });
    const record = await getRecord(api.deps, keyNameFor(id));
    const target = { key: fileKeyFor(id), uploadId: record!.multipart!.uploadId };
    for (let n = 1; n <= 9; n++) {
      const { url } = await signPart(api.deps, target, { partNumber: n, length: partOf(n).length }, 300);
      assert.equal((await putPart(url, {}, partOf(n))).status, 200);
    }
    await completeMultipartUpload(api.deps, target, await listParts(api.deps, target));
    await api.backends.idle();
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.status, "pending", "not confirmed");
    assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined, "the mismatching object was deleted");
  });

  it("signs each part URL for exactly its length: another length is refused by S3 (403)", async () => {
    const { call } = await start(env.api());
    const signed = await call("POST", "parts", { parts: [{ partNumber: 9 }] });
    const url = new URL(signed.json.parts[0].url);
    assert.ok(url.searchParams.get("X-Amz-SignedHeaders")?.split(";").includes("content-length"));
    for (const name of url.searchParams.keys()) assert.ok(!/checksum/i.test(name), `unexpected ${name}`);
    const wrong = await putPart(signed.json.parts[0].url, {}, partOf(1));
    assert.equal(wrong.status, 403, "a 5 MiB body on the URL of the 123-byte... last part");
    const right = await putPart(signed.json.parts[0].url, {}, partOf(9));
    assert.equal(right.status, 200, right.text);
  });

  it("refuses to complete with a part missing, naming it (400), and with a wrong ETag", async () => {
    const { call } = await start(env.api());
    const parts = await sendParts(call, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const missing = await call("POST", "complete", { parts: parts.filter((p) => p.partNumber !== 4) });
    assert.equal(missing.status, 400);
    assert.match(missing.json.error.message, /^part 4 is missing/);
    const wrongEtag = parts.map((p) => (p.partNumber === 2 ? { ...p, etag: parts[0]!.etag } : p));
    const bad = await call("POST", "complete", { parts: wrongEtag });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^part 2: the ETag/);
  });

  it("refuses to complete when a part was never uploaded, naming it", async () => {
    const { call } = await start(env.api());
    const parts = await sendParts(call, [1, 2, 3, 4, 5, 6, 7, 8]);
    const reply = await call("POST", "complete", { parts: [...parts, { partNumber: 9, etag: '"abc"' }] });
    assert.equal(reply.status, 400);
    assert.match(reply.json.error.message, /^part 9 has not been uploaded/);
  });

  it("with per-part SHA-256, S3 refuses a corrupted part and accepts the real one", async () => {
    const { call } = await start(env.api(), { checksumAlgorithm: "SHA256" });
    const unsigned = await call("POST", "parts", { parts: [{ partNumber: 1 }] });
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.json.error.message, /part 1: .*give its sha256/);
    const signed = await call("POST", "parts", { parts: [{ partNumber: 1, sha256: sha256(partOf(1)) }] });
    const p = signed.json.parts[0];
    assert.deepEqual(p.headers, { "x-amz-checksum-sha256": sha256(partOf(1)) });
    const corrupted = Buffer.from(partOf(1));
    corrupted[1000] = corrupted[1000]! ^ 0xff;
    const refused = await putPart(p.url, p.headers, corrupted);
    assert.equal(refused.status, 400, `S3 refuses a part whose SHA-256 does not match: ${refused.text}`);
    const ok = await putPart(p.url, p.headers, partOf(1));
    assert.equal(ok.status, 200, ok.text);
  });

  it("is owner-only: part URLs, the part list and complete need the delete token (403 without, 403 wrong)", async () => {
    const api = env.api();
    const { id } = await start(api);
    for (const [method, path] of [
      ["POST", "parts"],
      ["GET", "parts"],
      ["POST", "complete"],
    ] as const) {
      const body = method === "POST" ? { parts: [{ partNumber: 1, etag: "x" }] } : undefined;
      const none = await api.request(method, `/uploads/${id}/${path}`, { body });
      assert.equal(none.status, 403, `${method} ${path} without a token`);
      const wrong = await api.request(method, `/uploads/${id}/${path}`, {
        body,
        headers: { "x-delete-token": "A".repeat(43) },
      });
      assert.equal(wrong.status, 403, `${method} ${path} with another token`);
    }
  });

  it("DELETE on an open upload aborts it and any other upload of its key: no parts and no upload are left in S3", async () => {
    const api = env.api();
    const { id, owner, call } = await start(api);
    await sendParts(call, [1, 2]);
    const record = await getRecord(api.deps, keyNameFor(id));
    const uploadId = record?.multipart?.uploadId;
    const Bucket = config.bucketName;
    const Key = record!.fileKey;
    await api.deps.s3.send(new CreateMultipartUploadCommand({ Bucket, Key })); // begun outside the record
    const open = async () =>
      ((await api.deps.s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }))).Uploads ?? []).length;
    assert.equal(await open(), 2);
    const deleted = await api.request("DELETE", `/files/${id}`, { headers: owner });
    assert.equal(deleted.status, 204);
    assert.equal(await open(), 0, "ListMultipartUploads shows no upload of the key");
    await assert.rejects(
      api.deps.s3.send(new ListPartsCommand({ Bucket: config.bucketName, Key: fileKeyFor(id), UploadId: uploadId })),
      (e: Error) => e.name === "NoSuchUpload",
      "S3 no longer knows the upload: its parts are gone",
    );
    assert.equal((await api.request("GET", `/uploads/${id}/parts`, { headers: owner })).status, 404);
  });

  it("answers 400 for part numbers outside the plan, 404 for a single-PUT share, and keeps small files single PUT", async () => {
    const api = env.api();
    const { call } = await start(api);
    const outside = await call("POST", "parts", { parts: [{ partNumber: 10 }] });
    assert.equal(outside.status, 400);
    assert.match(outside.json.error.message, /from 1 to 9; got 10/);
    const small = await api.createUpload({ size: 1000 });
    assert.equal(small.json.method, "PUT");
    const notMultipart = await api.request("GET", `/uploads/${small.json.id}/parts`, {
      headers: { "x-delete-token": small.json.deleteToken },
    });
    assert.equal(notMultipart.status, 404);
  });
});
