import assert from "node:assert/strict";
import type { S3Event } from "aws-lambda";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { getRecord, markDeleting } from "../../handlers/records";
import { headObject } from "../../handlers/objects";
import { bytesOf, useBackends } from "../support/harness";

/** An S3 ObjectCreated notification as AWS sends it (key URL-encoded). */
function s3Event(bucket: string, key: string): S3Event {
  return {
    Records: [
      {
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodeURIComponent(key) } },
      },
    ],
  } as unknown as S3Event;
}

// The S3 ObjectCreated handler called directly, as Lambda would on a (re-)delivered event, with real servers.
describe("S3 ObjectCreated delivery (real S3 and DynamoDB servers)", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("changes nothing when the same event is delivered again", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const before = await getRecord(api.deps, id);
    const event = s3Event(api.deps.config.bucketName, `uploads/${id}`);
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "again" }, api.deps), ["already-confirmed"]);
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "again" }, api.deps), ["already-confirmed"]);
    assert.deepEqual(await getRecord(api.deps, id), before);
    assert.ok(await headObject(api.deps, `uploads/${id}`), "the confirmed object stays");
  });

  it("does nothing, without failing, for an event whose object is already gone", async () => {
    const api = env.api();
    const created = await api.createUpload();
    const event = s3Event(api.deps.config.bucketName, created.json.fileKey);
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "late" }, api.deps), ["gone"]);
    assert.equal((await getRecord(api.deps, created.json.id))?.status, "pending");
  });

  it("deletes an upload that arrives while its share is being deleted", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const record = await getRecord(api.deps, id);
    await markDeleting(api.deps, id, record!.deleteTokenHash);
    const event = s3Event(api.deps.config.bucketName, `uploads/${id}`);
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "race" }, api.deps), ["deleted-no-record"]);
    assert.equal(await headObject(api.deps, `uploads/${id}`), undefined);
  });

  it("ignores events for another bucket", async () => {
    const api = env.api();
    const event = s3Event("someone-elses-bucket", "uploads/AAAAAAAAAAAAAAAAAAAAAA");
    assert.deepEqual(await handleObjectCreated(event, { awsRequestId: "other" }, api.deps), []);
  });
});
