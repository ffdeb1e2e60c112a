// Share ids never become storage keys (handlers/ids.ts): after a whole flow through the local gateway, with real
// S3 and DynamoDB servers over HTTP, no S3 key in the bucket and no table key holds a share id, while the S3 event
// handler and the clean-up, which know only the key name, still confirm, and remove what is expired or orphaned,
// and log the same fingerprint for a share as the routes that knew its id.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { runCleanup } from "../../handlers/cleanup";
import { Deps } from "../../handlers/deps";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";
import { createLogger } from "../../handlers/log";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { LEGACY_SWEEP_SHARD } from "../../handlers/store/records";
import { SWEEP_AT_ATTRIBUTE, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY } from "../../config/table";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import { testConfig } from "../support/harness";
import { captureStdout } from "../support/stdout";

type Json = Record<string, unknown>;

describe("storage keys are key names: no share id in an S3 key or a table key (local gateway, real S3 and DynamoDB)", function () {
  this.timeout(60_000);
  let backends: Backends;
  let gateway: Gateway;
  let port: number;
  /** When true, S3 events are dropped (their delivery failed): an object written then has no confirmed record. */
  let dropEvents = false;

  before(async () => {
    backends = await startBackends({
      config: testConfig(),
      onObjectCreated: (event) =>
        dropEvents ? Promise.resolve() : handleObjectCreated(event, { awsRequestId: "key-names" }, backends.deps),
    });
    gateway = createGateway({ deps: () => backends.deps });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: (text === "" ? undefined : JSON.parse(text)) as Json };
  };
  const create = async (bytes: Buffer, fields: Json = {}) => {
    const r = await call("POST", "/uploads", {
      fileName: "a.txt",
      contentType: "text/plain",
      size: bytes.length,
      ...fields,
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json as {
      id: string;
      fileKey: string;
      uploadUrl: string;
      headers: Record<string, string>;
      deleteToken: string;
    };
  };
  const put = async (created: { uploadUrl: string; headers: Record<string, string> }, bytes: Buffer) => {
    const r = await fetch(created.uploadUrl, { method: "PUT", headers: created.headers, body: new Uint8Array(bytes) });
    await r.arrayBuffer();
    assert.equal(r.status, 200);
    await backends.idle();
  };
  const bucketKeys = async () =>
    (await backends.deps.s3.send(new ListObjectsV2Command({ Bucket: backends.deps.config.bucketName }))).Contents?.map(
      (o) => o.Key ?? "",
    ) ?? [];
  const tableItems = async () =>
    ((await backends.deps.db.send(new ScanCommand({ TableName: backends.deps.config.tableName }))).Items ??
      []) as Json[];
  const later = (seconds: number): Deps => ({ ...backends.deps, now: () => new Date(Date.now() + seconds * 1000) });

  /** Fails when any S3 key or table key holds one of `ids`, or an (anonymous) item holds one anywhere. */
  async function assertNoIdStored(ids: string[], when: string): Promise<void> {
    const keys = await bucketKeys();
    const items = await tableItems();
    for (const id of ids) {
      for (const key of keys) assert.ok(!key.includes(id), `${when}: S3 key ${key} holds a share id`);
      for (const item of items) {
        assert.ok(!String(item[TABLE_KEY]).includes(id), `${when}: table key ${String(item[TABLE_KEY])} is a share id`);
        assert.ok(!JSON.stringify(item).includes(id), `${when}: an anonymous share's record holds its id`);
      }
    }
  }

  it("create, PUT, confirm, download, delete and a clean-up run leave no share id in S3 keys or table keys; confirm and clean-up still work", async () => {
    const bytes = randomBytes(64);
    const { result, text } = await captureStdout(async () => {
      // a: the whole life of a share through the API.
      const a = await create(bytes, { maxDownloads: 2 });
      assert.equal(a.fileKey, fileKeyFor(a.id));
      assert.ok(!a.fileKey.includes(a.id) && !a.uploadUrl.includes(a.id), "the key and the upload URL hold no id");
      await put(a, bytes);
      assert.equal((await call("GET", `/files/${a.id}`)).json["status"], "available", "the S3 event confirmed it");
      const download = await call("POST", `/files/${a.id}/download`);
      assert.equal(download.status, 200);
      const downloadUrl = String(download.json["downloadUrl"]);
      assert.ok(!downloadUrl.includes(a.id), "the download URL holds the key name, not the id");
      assert.deepEqual(Buffer.from(await (await fetch(downloadUrl)).arrayBuffer()), bytes);
      // c: expires; d: an object whose S3 event was lost and which has no record (an orphan).
      const c = await create(bytes, { expiresInSeconds: 60 });
      await put(c, bytes);
      const d = randomBytes(16).toString("base64url");
      dropEvents = true;
      await backends.deps.s3.send(
        new PutObjectCommand({ Bucket: backends.deps.config.bucketName, Key: fileKeyFor(d), Body: "stray" }),
      );
      await backends.idle();
      dropEvents = false;

      // Everything stored now, under key names only.
      const ids = [a.id, c.id, d];
      await assertNoIdStored(ids, "with three objects stored");
      const keys = await bucketKeys();
      for (const id of ids) assert.ok(keys.includes(`uploads/${keyNameFor(id)}`), "stored under its key name");
      const tableKeys = (await tableItems()).map((i) => i[TABLE_KEY]);
      assert.deepEqual(new Set(tableKeys), new Set([keyNameFor(a.id), keyNameFor(c.id)]), "records by key name");

      const deleted = await call("DELETE", `/files/${a.id}`, undefined, { "x-delete-token": a.deleteToken });
      assert.equal(deleted.status, 204);
      assert.equal((await call("GET", `/files/${a.id}`)).status, 404);
      const report = await runCleanup(later(61), { limit: 100, log: createLogger({ test: "key-names" }) });
      return { a, c, d, report };
    });
    const { a, c, d, report } = result;
    const fp = (id: string) => backends.deps.fingerprint(keyNameFor(id));
    assert.deepEqual(
      report.removed.map((r) => [r.file, r.reason]).sort(),
      [
        [fp(c.id), "expired"],
        [fp(d), "object-without-record"],
      ].sort(),
      "the clean-up, knowing only key names, removed the expired share and the orphan",
    );
    assert.deepEqual(await bucketKeys(), [], "no object left");
    assert.deepEqual(await tableItems(), [], "no record left");
    await assertNoIdStored([a.id, c.id, d], "after the clean-up");

    // One fingerprint per share, whether the line came from a route (the id) or from the S3 event handler or the
    // clean-up (the key name alone).
    const lines = text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Json);
    const fileOf = (message: string) => lines.filter((l) => l["message"] === message).map((l) => l["file"]);
    assert.deepEqual(fileOf("upload created"), [fp(a.id), fp(c.id)]);
    assert.deepEqual(fileOf("upload confirmed"), [fp(a.id), fp(c.id)]);
    assert.deepEqual(fileOf("download granted"), [fp(a.id)]);
    assert.deepEqual(fileOf("file deleted"), [fp(a.id)]);
    assert.deepEqual(fileOf("share removed").sort(), [fp(c.id), fp(d)].sort());
    for (const id of [a.id, c.id, d]) assert.ok(!text.includes(id), "no id in any log line");
  });

  it("a share stored under its id before key names is not found by the API, and the clean-up still removes it when due", async () => {
    const id = randomBytes(16).toString("base64url");
    const oldKey = `uploads/${id}`;
    const now = Math.floor(Date.now() / 1000);
    await backends.deps.s3.send(
      new PutObjectCommand({
        Bucket: backends.deps.config.bucketName,
        Key: oldKey,
        Body: "old",
        ContentType: "text/plain",
      }),
    );
    await backends.idle();
    assert.deepEqual(await bucketKeys(), [], "an object at an id-shaped key is not ours: the S3 event deletes it");
    dropEvents = true;
    await backends.deps.s3.send(
      new PutObjectCommand({
        Bucket: backends.deps.config.bucketName,
        Key: oldKey,
        Body: "old",
        ContentType: "text/plain",
      }),
    );
    await backends.idle();
    dropEvents = false;
    // The record as the previous version wrote it: keyed by the id, its object at uploads/<id>.
    await backends.deps.db.send(
      new PutCommand({
        TableName: backends.deps.config.tableName,
        Item: {
          [TABLE_KEY]: id,
          fileKey: oldKey,
          fileName: "old.txt",
          contentType: "text/plain",
          size: 3,
          status: "available",
          createdAt: new Date((now - 100) * 1000).toISOString(),
          expiresAt: new Date((now + 30) * 1000).toISOString(),
          expiresAtEpoch: now + 30,
          downloads: 0,
          deleteTokenHash: "0".repeat(64),
          [SWEEP_SHARD_ATTRIBUTE]: LEGACY_SWEEP_SHARD,
          [SWEEP_AT_ATTRIBUTE]: now + 30,
        },
      }),
    );
    assert.equal((await call("GET", `/files/${id}`)).status, 404, "the API looks shares up by key name only");
    const report = await runCleanup(later(31), { limit: 100, log: createLogger({ test: "key-names" }) });
    assert.deepEqual(
      report.removed.map((r) => r.reason),
      ["expired"],
    );
    assert.deepEqual(await bucketKeys(), [], "its object is gone");
    assert.deepEqual(await tableItems(), [], "its record is gone");
  });
});
