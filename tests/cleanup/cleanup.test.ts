import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CleanupReport, runCleanup } from "../../handlers/cleanup";
import { createS3Client } from "../../handlers/clients";
import type { Deps } from "../../handlers/deps";
import { createLogger } from "../../handlers/log";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { Backends, startBackends } from "../../local/backends";
import { Api, bytesOf, testConfig } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

const log = createLogger({ test: "cleanup" });

describe("clean-up against real local S3 and DynamoDB servers, with an injected clock", () => {
  let backends: Backends;
  /** When true, S3 events are dropped, as if their delivery had failed: objects then have no confirmed record. */
  let dropEvents = false;
  before(async () => {
    backends = await startBackends({
      config: testConfig(),
      onObjectCreated: (event) =>
        dropEvents ? Promise.resolve() : handleObjectCreated(event, { awsRequestId: "test" }, backends.deps),
    });
  });
  after(() => backends.close());
  afterEach(() => (dropEvents = false));

  const api = () => new Api(backends);
  /** The handlers' deps with the clock `seconds` ahead of now. */
  const later = (seconds: number, overrides: Partial<Deps> = {}): Deps => ({
    ...backends.deps,
    now: () => new Date(Date.now() + seconds * 1000),
    ...overrides,
  });
  const run = (deps: Deps) => runCleanup(deps, { limit: 100, log });
  const removedOf = (report: CleanupReport, id: string) =>
    report.removed.filter((r) => r.file === backends.deps.fingerprint(keyNameFor(id)));
  const gone = async (id: string) =>
    (await getRecord(backends.deps, keyNameFor(id))) === undefined &&
    (await headObject(backends.deps, fileKeyFor(id))) === undefined;

  it("removes an expired share's object and record on the first run after it expired, not before", async () => {
    const { id } = await api().share(bytesOf(11), { expiresInSeconds: 120 });
    assert.equal(removedOf(await run(later(60)), id).length, 0, "not due before it expires");
    assert.ok(await headObject(backends.deps, fileKeyFor(id)), "the object stays while the share lives");
    const report = await run(later(121));
    assert.deepEqual(
      removedOf(report, id).map((r) => r.reason),
      ["expired"],
    );
    assert.ok(await gone(id), "object and record are gone");
  });

  it("removes a share whose downloads are used up once its last download URL has expired", async () => {
    const a = api();
    const { id } = await a.share(bytesOf(11), { maxDownloads: 1 });
    assert.equal((await a.request("POST", `/files/${id}/download`)).status, 200);
    const ttl = backends.deps.config.downloadUrlTtlSeconds;
    assert.equal(removedOf(await run(later(ttl - 5)), id).length, 0, "the last URL may still be in use");
    assert.ok(await headObject(backends.deps, fileKeyFor(id)));
    assert.deepEqual(
      removedOf(await run(later(ttl + 2)), id).map((r) => r.reason),
      ["exhausted"],
    );
    assert.ok(await gone(id));
  });

  it("keeps a share with downloads left until it expires", async () => {
    const a = api();
    const { id } = await a.share(bytesOf(11), { maxDownloads: 2, expiresInSeconds: 3600 });
    assert.equal((await a.request("POST", `/files/${id}/download`)).status, 200);
    assert.equal(removedOf(await run(later(600)), id).length, 0);
    assert.ok(await headObject(backends.deps, fileKeyFor(id)));
  });

  it("removes a record still pending after its upload URL expired (plus the grace for a PUT in flight)", async () => {
    const created = await api().createUpload({ expiresInSeconds: 86400 });
    const id: string = created.json.id;
    const uploadTtl = backends.deps.config.uploadUrlTtlSeconds;
    assert.equal(removedOf(await run(later(uploadTtl + 1)), id).length, 0, "a PUT begun in time may still arrive");
    assert.deepEqual(
      removedOf(await run(later(uploadTtl + 601)), id).map((r) => r.reason),
      ["upload-never-arrived"],
    );
    assert.equal(await getRecord(backends.deps, keyNameFor(id)), undefined);
  });

  it("finishes a DELETE that stopped half-way (record stuck in deleting)", async () => {
    const a = api();
    const { id, deleteToken } = await a.share(bytesOf(11));
    const deadS3 = createS3Client({
      region: "us-east-1",
      credentials: backends.credentials,
      endpoint: "http://127.0.0.1:9",
      maxAttempts: 1,
    });
    const failed = await a
      .with({ s3: deadS3 })
      .request("DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } });
    assert.equal(failed.status, 503);
    assert.equal((await getRecord(backends.deps, keyNameFor(id)))?.status, "deleting");
    assert.deepEqual(
      removedOf(await run(later(61)), id).map((r) => r.reason),
      ["delete-unfinished"],
    );
    assert.ok(await gone(id));
  });

  it("removes an object that has no record (a PUT whose S3 event was lost, or after a delete)", async () => {
    dropEvents = true;
    const id = backends.deps.random(16);
    await backends.deps.s3.send(
      new PutObjectCommand({ Bucket: backends.deps.config.bucketName, Key: fileKeyFor(id), Body: "stray" }),
    );
    await backends.idle();
    assert.ok(await headObject(backends.deps, fileKeyFor(id)));
    assert.deepEqual(
      removedOf(await run(later(0)), id).map((r) => r.reason),
      ["object-without-record"],
    );
    assert.ok(await gone(id), "the object and the claim record are both gone");
  });

  it("two runs at once remove each share exactly once", async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => (await api().share(bytesOf(n), { expiresInSeconds: 60 })).id),
    );
    const [first, second] = await Promise.all([run(later(61)), run(later(61))]);
    for (const id of ids) {
      const count = removedOf(first, id).length + removedOf(second, id).length;
      assert.equal(count, 1, `share ${backends.deps.fingerprint(keyNameFor(id))} removed ${count} times`);
      assert.ok(await gone(id));
    }
    assert.equal(first.failed + second.failed, 0);
  });

  it("a failing S3 delete leaves the record (not downloadable) for the next run, which removes it", async () => {
    const a = api();
    const { id } = await a.share(bytesOf(11), { expiresInSeconds: 60 });
    const deadS3 = createS3Client({
      region: "us-east-1",
      credentials: backends.credentials,
      endpoint: "http://127.0.0.1:9",
      maxAttempts: 1,
    });
    // Listing objects fails too with this client: only the removal of due shares is exercised.
    const broken = later(61, { s3: deadS3 });
    const failedRun = await runCleanup(broken, { limit: 100, log }).catch((e: Error) => e);
    assert.ok(failedRun instanceof Error, "the run reports that it could not list the bucket");
    const record = await getRecord(backends.deps, keyNameFor(id));
    assert.equal(record?.status, "deleting", "the record stays, and no download is handed out");
    assert.equal(record?.sweepClaimBy, undefined, "the claim was released");
    assert.ok(await headObject(backends.deps, fileKeyFor(id)));
    assert.deepEqual(
      removedOf(await run(later(62)), id).map((r) => r.reason),
      ["delete-unfinished"],
    );
    assert.ok(await gone(id));
  });
});
