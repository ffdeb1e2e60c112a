import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { getRecord, markDeleting } from "../../handlers/store/records";
import { headObject } from "../../handlers/objects";
import { bytesOf, useBackends } from "../support/harness";
import { objectCreatedPut } from "./events";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

// The S3 ObjectCreated handler called directly, as Lambda would on a (re-)delivered event, with real servers.
describe("S3 ObjectCreated delivery (real S3 and DynamoDB servers)", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("changes nothing when the same event is delivered again", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const before = await getRecord(api.deps, keyNameFor(id));
    const event = objectCreatedPut(api.deps.config.bucketName, fileKeyFor(id));
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "again" }, api.deps), ["already-confirmed"]);
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "again" }, api.deps), ["already-confirmed"]);
    assert.deepEqual(await getRecord(api.deps, keyNameFor(id)), before);
    assert.ok(await headObject(api.deps, fileKeyFor(id)), "the confirmed object stays");
  });

  it("does nothing, without failing, for an event whose object is already gone", async () => {
    const api = env.api();
    const created = await api.createUpload();
    const event = objectCreatedPut(api.deps.config.bucketName, created.json.fileKey);
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "late" }, api.deps), ["gone"]);
    assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.status, "pending");
  });

  it("deletes an upload that arrives while its share is being deleted", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const record = await getRecord(api.deps, keyNameFor(id));
    await markDeleting(api.deps, keyNameFor(id), record!.deleteTokenHash);
    const event = objectCreatedPut(api.deps.config.bucketName, fileKeyFor(id));
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "race" }, api.deps), ["deleted-no-record"]);
    assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined);
  });

  it("ignores events for another bucket", async () => {
    const api = env.api();
    const event = objectCreatedPut("someone-elses-bucket", "uploads/AAAAAAAAAAAAAAAAAAAAAA");
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "other" }, api.deps), []);
  });
});

// Objects written straight to the emulator: its ObjectCreated events reach the handler as they would on AWS.
describe("S3 ObjectCreated: uploads that do not match their record (real S3 and DynamoDB servers)", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  async function objectExists(key: string): Promise<boolean> {
    return (await headObject(env.api().deps, key)) !== undefined;
  }

  it("deletes an object that has no record", async () => {
    const api = env.api();
    const key = fileKeyFor("ZZZZZZZZZZZZZZZZZZZZZZ");
    await api.deps.s3.send(
      new PutObjectCommand({ Bucket: api.deps.config.bucketName, Key: key, Body: "x", ContentType: "text/plain" }),
    );
    await api.backends.idle();
    assert.equal(await objectExists(key), false);
  });

  it("deletes an object whose key is not a key name (any name, or an id as keys were before key names)", async () => {
    const api = env.api();
    for (const key of ["uploads/not an id.txt", `uploads/${api.deps.random(16)}`]) {
      await api.deps.s3.send(new PutObjectCommand({ Bucket: api.deps.config.bucketName, Key: key, Body: "x" }));
      await api.backends.idle();
      assert.equal(await objectExists(key), false, key);
    }
  });

  it("deletes an object whose size or type differs from the record and leaves the share pending", async () => {
    const api = env.api();
    const reply = await api.createUpload({ size: 11, contentType: "application/pdf" });
    const key = reply.json.fileKey;
    // Written with the service's own credentials, bypassing the signed URL: what the URL would have refused.
    await api.deps.s3.send(
      new PutObjectCommand({
        Bucket: api.deps.config.bucketName,
        Key: key,
        Body: "twelve bytes",
        ContentType: "application/pdf",
      }),
    );
    await api.backends.idle();
    assert.equal(await objectExists(key), false);
    assert.equal((await getRecord(api.deps, keyNameFor(reply.json.id)))?.status, "pending");

    await api.deps.s3.send(
      new PutObjectCommand({
        Bucket: api.deps.config.bucketName,
        Key: key,
        Body: "eleven byte",
        ContentType: "text/html",
      }),
    );
    await api.backends.idle();
    assert.equal(await objectExists(key), false);
  });

  it("deletes an upload that arrives after its share expired", async () => {
    const api = env.api();
    const reply = await api.createUpload({ size: 11, expiresInSeconds: 60 });
    const realNow = api.deps.now;
    api.deps.now = () => new Date(Date.now() + 61_000);
    try {
      await api.deps.s3.send(
        new PutObjectCommand({
          Bucket: api.deps.config.bucketName,
          Key: reply.json.fileKey,
          Body: "eleven byte",
          ContentType: "application/pdf",
        }),
      );
      await api.backends.idle();
    } finally {
      api.deps.now = realNow;
    }
    assert.equal(await objectExists(reply.json.fileKey), false);
  });
});
