// The S3 ObjectCreated handler throws (so Lambda retries the event, then keeps it in the failure queue) when S3
// or DynamoDB fails, and returns normally only with a final outcome. Real S3 and DynamoDB servers; the events
// are the ones the S3 server really emitted (captured, not handled), and a "dead" dependency is a client whose
// endpoint is the discard port, where nothing listens.
import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { createDocumentClient, createS3Client } from "../../handlers/clients";
import type { Deps } from "../../handlers/deps";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { Backends, startBackends } from "../../local/backends";
import { newLocalCredentials } from "../../local/access";
import { Api, bytesOf, testConfig } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

const DEAD = {
  region: "us-east-1",
  credentials: newLocalCredentials(),
  endpoint: "http://127.0.0.1:9",
  maxAttempts: 1,
};
const context = { awsRequestId: "retry-test" };

describe("S3 ObjectCreated failures: throw to be retried, return only when final (real servers)", () => {
  let backends: Backends;
  let api: Api;
  const captured: S3Event[] = [];
  let deadDb: Deps;
  let deadS3: Deps;

  before(async () => {
    backends = await startBackends({
      config: testConfig(),
      onObjectCreated: async (event) => void captured.push(event),
    });
    api = new Api(backends);
    deadDb = { ...api.deps, db: createDocumentClient(DEAD) };
    deadS3 = { ...api.deps, s3: createS3Client({ ...DEAD, forcePathStyle: true }) };
  });

  after(() => backends?.close());

  /** Puts `body` to `key` and returns the event S3 emitted for it (not yet handled by anyone). */
  async function eventFor(put: () => Promise<unknown>): Promise<S3Event> {
    const before = captured.length;
    await put();
    await backends.idle();
    assert.equal(captured.length, before + 1, "the S3 server emitted one event");
    return captured[before] as S3Event;
  }

  /** A pending share whose bytes are in S3, and the event that would confirm it. */
  async function uploaded(): Promise<{ id: string; key: string; event: S3Event }> {
    const bytes = bytesOf(11);
    const created = await api.createUpload({ size: bytes.length });
    assert.equal(created.status, 201, created.body);
    const event = await eventFor(() =>
      fetch(created.json.uploadUrl, { method: "PUT", headers: created.json.headers, body: new Uint8Array(bytes) }),
    );
    return { id: created.json.id, key: created.json.fileKey, event };
  }

  it("throws when DynamoDB is unreachable, changes nothing, and the retried event confirms the upload", async () => {
    const { id, key, event } = await uploaded();
    await assert.rejects(handleObjectCreated(event, context, deadDb));
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.status, "pending");
    assert.ok(await headObject(api.deps, key), "the upload is kept for the retry");
    assert.deepEqual(await handleObjectCreated(event, context, api.deps), ["confirmed"]);
  });

  it("throws when S3 is unreachable while checking the upload, and the retried event confirms it", async () => {
    const { id, event } = await uploaded();
    await assert.rejects(handleObjectCreated(event, context, deadS3));
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.status, "pending");
    assert.deepEqual(await handleObjectCreated(event, context, api.deps), ["confirmed"]);
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.status, "available");
  });

  it("throws when S3 cannot delete an object that has no record, and the retried event deletes it", async () => {
    const key = fileKeyFor("BBBBBBBBBBBBBBBBBBBBBB");
    const event = await eventFor(() =>
      api.deps.s3.send(new PutObjectCommand({ Bucket: api.deps.config.bucketName, Key: key, Body: "stray" })),
    );
    await assert.rejects(handleObjectCreated(event, context, deadS3));
    assert.ok(await headObject(api.deps, key), "not reported deleted while it is still there");
    assert.deepEqual(await handleObjectCreated(event, context, api.deps), ["deleted-no-record"]);
    assert.equal(await headObject(api.deps, key), undefined);
  });

  it("returns normally with a final outcome when nothing failed (and again on a re-delivery)", async () => {
    const { event } = await uploaded();
    assert.deepEqual(await handleObjectCreated(event, context, api.deps), ["confirmed"]);
    assert.deepEqual(await handleObjectCreated(event, context, api.deps), ["already-confirmed"]);
  });
});
