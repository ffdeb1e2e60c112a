// POST /uploads/{id}/complete when the upload changes between the API's ListParts check and S3's
// CompleteMultipartUpload (a part uploaded again, an abort, a concurrent complete): always a 4xx, never a 5xx,
// and the record left as it was so that the client can retry. Real local S3 and DynamoDB servers; a hook on
// the SDK client runs the interfering request for real at exactly that moment.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { AbortMultipartUploadCommand } from "@aws-sdk/client-s3";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { Api, testConfig, useBackends } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

const MIB = 1024 * 1024;
const HOOK = "beforeNextComplete";

/** Runs `hook` once, just before the next CompleteMultipartUpload leaves the client: after the API's check. */
function beforeNextComplete(s3: S3Client, hook: () => Promise<void>): void {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "CompleteMultipartUploadCommand" && s3.middlewareStack.remove(HOOK)) await hook();
      return next(args);
    },
    { step: "initialize", name: HOOK },
  );
}

/** Answers the next CompleteMultipartUpload with `answer` instead of S3 (a stub, for what the emulator cannot do). */
function stubNextComplete(s3: S3Client, answer: () => Promise<Error | Record<string, unknown>>): void {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "CompleteMultipartUploadCommand" || !s3.middlewareStack.remove(HOOK)) {
        return next(args);
      }
      const out = await answer();
      if (out instanceof Error) throw out;
      return { output: { $metadata: { httpStatusCode: 200 }, ...out }, response: {} };
    },
    { step: "initialize", name: HOOK },
  );
}

/** An error shaped as the SDK throws S3's (name = S3's code, unmodelled XML fields copied on as strings). */
const s3Error = (code: string, fields: Record<string, string> = {}) =>
  Object.assign(
    new Error(`S3 said ${code}`),
    { name: code, $fault: "client", $metadata: { httpStatusCode: 400 } },
    fields,
  );

describe("POST /uploads/{id}/complete when S3 refuses the completion after the API's check", function () {
  this.timeout(120_000);
  const config = testConfig({
    maxFileSizeBytes: 64 * MIB,
    multipartThresholdBytes: 8 * MIB,
    multipartPartSizeBytes: 5 * MIB,
  });
  const env = useBackends(config);
  before(env.start);
  after(env.stop);
  afterEach(() => env.api().deps.s3.middlewareStack.remove(HOOK)); // a test that failed before its hook ran

  const file = randomBytes(11 * MIB); // parts of 5, 5 and 1 MiB
  const partOf = (n: number) => file.subarray((n - 1) * 5 * MIB, Math.min(n * 5 * MIB, file.length));

  /** A share with all three parts uploaded, ready to complete. */
  async function ready(api: Api) {
    const created = await api.createUpload({ fileName: "big.bin", contentType: "video/mp4", size: file.length });
    assert.equal(created.status, 201, created.body);
    const { id, deleteToken } = created.json;
    const call = (method: string, path: string, body?: unknown) =>
      api.request(method, `/uploads/${id}/${path}`, { body, headers: { "x-delete-token": deleteToken } });
    const put = async (n: number, bytes: Buffer) => {
      const signed = await call("POST", "parts", { parts: [{ partNumber: n }] });
      assert.equal(signed.status, 200, signed.body);
      const res = await fetch(signed.json.parts[0].url, { method: "PUT", body: new Uint8Array(bytes) });
      assert.equal(res.status, 200, await res.text());
      return { partNumber: n, etag: res.headers.get("etag") ?? "" };
    };
    const parts = [await put(1, partOf(1)), await put(2, partOf(2)), await put(3, partOf(3))];
    const record = await getRecord(api.deps, keyNameFor(id));
    assert.ok(record?.multipart);
    return { id, call, put, parts, record, target: { key: fileKeyFor(id), uploadId: record.multipart.uploadId } };
  }

  it("answers 400 naming the part when that part was uploaded again after the check (S3: InvalidPart), keeps the record, and a retry with the new ETag completes", async () => {
    const api = env.api();
    const { id, call, put, parts, record } = await ready(api);
    let replaced: { partNumber: number; etag: string } | undefined;
    beforeNextComplete(api.deps.s3, async () => {
      replaced = await put(2, randomBytes(5 * MIB)); // same size, other bytes: another ETag
    });
    const refused = await call("POST", "complete", { parts });
    assert.ok(replaced, "the part was uploaded again between the check and the completion");
    assert.equal(refused.status, 400, refused.body);
    assert.equal(refused.json.error.code, "InvalidRequest");
    assert.match(refused.json.error.message, /^part 2 is not the part S3 holds .*GET \/uploads\/\{id\}\/parts/);
    assert.deepEqual(await getRecord(api.deps, keyNameFor(id)), record, "the record is as it was");
    assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined, "no object was assembled");

    const listed = await call("GET", "parts");
    assert.equal(listed.status, 200, "the upload is still open");
    const retry = await call("POST", "complete", { parts: [parts[0], replaced, parts[2]] });
    assert.equal(retry.status, 200, retry.body);
    assert.equal((await headObject(api.deps, fileKeyFor(id)))?.size, file.length);
  });

  it("answers 409 Conflict when the upload was aborted after the check (S3: NoSuchUpload), and changes nothing", async () => {
    const api = env.api();
    const { id, call, parts, record, target } = await ready(api);
    beforeNextComplete(api.deps.s3, async () => {
      await api.deps.s3.send(
        new AbortMultipartUploadCommand({ Bucket: config.bucketName, Key: target.key, UploadId: target.uploadId }),
      );
    });
    const refused = await call("POST", "complete", { parts });
    assert.equal(refused.status, 409, refused.body);
    assert.equal(refused.json.error.code, "Conflict");
    assert.match(refused.json.error.message, /no longer open/);
    assert.deepEqual(await getRecord(api.deps, keyNameFor(id)), record);
    assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined);
  });

  it("answers 409 Conflict to a complete overtaken by another complete of the same upload after its check; the other's 200 stands", async () => {
    const api = env.api();
    const { id, call, parts } = await ready(api);
    let other: { status: number; body: string } | undefined;
    beforeNextComplete(api.deps.s3, async () => {
      other = await call("POST", "complete", { parts });
    });
    const late = await call("POST", "complete", { parts });
    assert.equal(other?.status, 200, other?.body);
    assert.equal(late.status, 409, late.body);
    assert.equal(late.json.error.code, "Conflict");
    assert.ok(
      (await getRecord(api.deps, keyNameFor(id)))?.multipart?.completedAt,
      "completed once, by the other request",
    );
    assert.equal((await headObject(api.deps, fileKeyFor(id)))?.size, file.length);
    const again = await call("POST", "complete", { parts });
    assert.equal(again.status, 409, "a complete after a successful one is the documented 409");
    assert.match(again.json.error.message, /already complete/);
  });

  it("ends 4 concurrent completes of one upload with exactly one 200 and 409 Conflict for the rest, never a 5xx", async () => {
    for (let round = 0; round < 3; round++) {
      const api = env.api();
      const { call, parts } = await ready(api);
      const replies = await Promise.all([1, 2, 3, 4].map(() => call("POST", "complete", { parts })));
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409], replies.map((r) => r.body).join("\n"));
      for (const r of replies.filter((x) => x.status === 409)) assert.equal(r.json.error.code, "Conflict");
    }
  });

  it("maps S3's EntityTooSmall, InvalidPartOrder and InvalidPart at completion to 400 naming the part by its digits only (stubbed S3 answers: after the API's own size and order check the emulator cannot produce these), record unchanged", async () => {
    const api = env.api();
    const { id, call, parts, record } = await ready(api);
    const cases = [
      {
        error: s3Error("EntityTooSmall", { PartNumber: "2", ProposedSize: "3" }),
        message: /^part 2 is smaller than S3's 5 MiB minimum/,
      },
      { error: s3Error("InvalidPartOrder"), message: /^S3 refused the order of the parts/ },
      // Only digits of S3's answer reach the client.
      { error: s3Error("InvalidPart", { PartNumber: "<b>2</b>" }), message: /^a part is not the part S3 holds/ },
    ];
    for (const { error, message } of cases) {
      stubNextComplete(api.deps.s3, async () => error);
      const refused = await call("POST", "complete", { parts });
      assert.equal(refused.status, 400, `${error.name}: ${refused.body}`);
      assert.equal(refused.json.error.code, "InvalidRequest");
      assert.match(refused.json.error.message, message);
      assert.deepEqual(await getRecord(api.deps, keyNameFor(id)), record, `${error.name}: the record is as it was`);
    }
    assert.equal((await call("POST", "complete", { parts })).status, 200, "the untouched upload still completes");
  });

  it("answers 409 to a complete whose CompleteMultipartUpload S3 answers 200 after another complete won (the other complete runs inside a stub so it wins first; S3 and the emulator both answer a repeated Complete with 200)", async () => {
    const api = env.api();
    const { id, call, parts } = await ready(api);
    let other: { status: number; body: string } | undefined;
    stubNextComplete(api.deps.s3, async () => {
      other = await call("POST", "complete", { parts }); // the real completion, through S3
      return { ETag: '"repeated-success"' };
    });
    const late = await call("POST", "complete", { parts });
    assert.equal(other?.status, 200, other?.body);
    assert.equal(late.status, 409, late.body);
    assert.match(late.json.error.message, /completed or deleted by another request/);
    assert.ok((await getRecord(api.deps, keyNameFor(id)))?.multipart?.completedAt);
  });
});
