// The clean-up and multipart shares: a large file's share must be removed at its expiry like any other, whether
// its upload was left open (parts in S3) or completed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { runCleanup } from "../../handlers/cleanup";
import { Deps } from "../../handlers/deps";
import { createLogger } from "../../handlers/log";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { testConfig, useBackends } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

const MIB = 1024 * 1024;
const log = createLogger({ test: "cleanup-multipart" });

describe("clean-up of multipart shares against real local S3 and DynamoDB servers, with an injected clock", function () {
  this.timeout(120_000);
  const env = useBackends(
    testConfig({ maxFileSizeBytes: 16 * MIB, multipartThresholdBytes: 5 * MIB, multipartPartSizeBytes: 5 * MIB }),
  );
  before(env.start);
  after(env.stop);

  const file = randomBytes(6 * MIB); // two parts: 5 MiB and 1 MiB
  const later = (seconds: number): Deps => ({
    ...env.api().deps,
    now: () => new Date(Date.now() + seconds * 1000),
  });

  async function startUpload() {
    const api = env.api();
    const created = await api.createUpload({ contentType: "video/mp4", size: file.length, expiresInSeconds: 120 });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json.method, "MULTIPART");
    const { id, deleteToken } = created.json;
    const call = (method: string, path: string, body?: unknown) =>
      api.request(method, `/uploads/${id}/${path}`, { body, headers: { "x-delete-token": deleteToken } });
    const send = async (n: number) => {
      const signed = await call("POST", "parts", { parts: [{ partNumber: n }] });
      assert.equal(signed.status, 200, signed.body);
      const body = file.subarray((n - 1) * 5 * MIB, Math.min(n * 5 * MIB, file.length));
      const put = await fetch(signed.json.parts[0].url, { method: "PUT", body: new Uint8Array(body) });
      assert.equal(put.status, 200, await put.text());
      return { partNumber: n, etag: put.headers.get("etag") ?? "" };
    };
    return { id, call, send };
  }

  const ids = async (deps: Deps) =>
    (await runCleanup(deps, { limit: 100, log })).removed.map((r) => ({ reason: r.reason, file: r.file }));

  it("removes an expired share whose multipart upload was left open: record gone, parts aborted", async () => {
    const { id, send } = await startUpload();
    await send(1);
    const uploadId = (await getRecord(env.api().deps, keyNameFor(id)))?.multipart?.uploadId;
    assert.ok(uploadId);
    const fingerprint = env.api().deps.fingerprint(keyNameFor(id));
    assert.deepEqual(
      (await ids(later(60))).filter((r) => r.file === fingerprint),
      [],
      "not due while the share lives",
    );
    assert.deepEqual(
      (await ids(later(121))).filter((r) => r.file === fingerprint),
      [{ reason: "expired", file: fingerprint }],
    );
    assert.equal(await getRecord(env.api().deps, keyNameFor(id)), undefined);
    const deps = env.api().deps;
    const listed = await deps.s3
      .send(new ListPartsCommand({ Bucket: deps.config.bucketName, Key: fileKeyFor(id), UploadId: uploadId }))
      .then(
        () => "still open",
        (e: Error) => e.name,
      );
    assert.equal(listed, "NoSuchUpload", "the upload's parts were aborted");
  });

  it("aborts every open upload of a pending multipart share's key at its expiry, also one begun outside the record: ListMultipartUploads is then empty", async () => {
    const { id, send } = await startUpload();
    await send(1);
    const deps = env.api().deps;
    const record = await getRecord(deps, keyNameFor(id));
    assert.ok(record?.multipart);
    const Bucket = deps.config.bucketName;
    const Key = record.fileKey;
    // A second upload of the same key that the record knows nothing of, with a part in it.
    const stray = await deps.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await deps.s3.send(new UploadPartCommand({ Bucket, Key, UploadId: stray.UploadId, PartNumber: 1, Body: "x" }));
    const open = async () =>
      ((await deps.s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }))).Uploads ?? []).map(
        (u) => u.UploadId,
      );
    assert.deepEqual((await open()).sort(), [record.multipart.uploadId, stray.UploadId].sort());

    const report = await runCleanup(later(121), { limit: 100, log });
    const removal = report.removed.find((r) => r.file === deps.fingerprint(keyNameFor(id)));
    assert.equal(removal?.reason, "expired");
    assert.equal(removal?.abortedUploads, 2, "the record's upload and the stray one");
    assert.deepEqual(await open(), [], "no upload of the key is left open");
    assert.equal(await getRecord(deps, keyNameFor(id)), undefined);
  });

  it("removes a completed multipart share's object and record at its expiry", async () => {
    const { id, call, send } = await startUpload();
    const parts = [await send(1), await send(2)];
    assert.equal((await call("POST", "complete", { parts })).status, 200);
    await env.api().backends.idle();
    assert.equal((await getRecord(env.api().deps, keyNameFor(id)))?.status, "available");
    const fingerprint = env.api().deps.fingerprint(keyNameFor(id));
    assert.deepEqual(
      (await ids(later(121))).filter((r) => r.file === fingerprint),
      [{ reason: "expired", file: fingerprint }],
    );
    assert.equal(await getRecord(env.api().deps, keyNameFor(id)), undefined);
    assert.equal(await headObject(env.api().deps, fileKeyFor(id)), undefined);
  });
});
