import assert from "node:assert/strict";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { createS3Client } from "../../handlers/clients";
import { bytesOf, useBackends } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

describe("DELETE /files/{id} with a real S3 and DynamoDB server", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("answers 403 Forbidden without the token or with another one, and deletes nothing", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const other = await api.share(bytesOf(11));
    for (const headers of <Record<string, string>[]>[
      {},
      { "x-delete-token": "" },
      { "x-delete-token": "wrong" },
      { "x-delete-token": other.deleteToken },
    ]) {
      const reply = await api.request("DELETE", `/files/${id}`, { headers });
      assert.equal(reply.status, 403);
      assert.equal(reply.json.error.code, "Forbidden");
      assert.match(reply.json.error.message, /X-Delete-Token|delete token/);
    }
    assert.ok(await getRecord(api.deps, keyNameFor(id)));
    assert.ok(await headObject(api.deps, fileKeyFor(id)));
  });

  it("deletes the object and the record with the right token: 204, then 404 everywhere", async () => {
    const api = env.api();
    const { id, deleteToken } = await api.share(bytesOf(11));
    const url = (await api.request("POST", `/files/${id}/download`)).json.downloadUrl;
    const reply = await api.request("DELETE", `/files/${id}`, { headers: { "X-Delete-Token": deleteToken } });
    assert.equal(reply.status, 204);
    assert.equal(reply.body, "");
    assert.equal(await getRecord(api.deps, keyNameFor(id)), undefined);
    assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined);
    assert.equal((await api.request("GET", `/files/${id}`)).status, 404);
    assert.equal(
      (await api.request("DELETE", `/files/${id}`, { headers: { "X-Delete-Token": deleteToken } })).status,
      404,
    );
    // S3 answers 403 rather than 404 for a missing key when the signer may not list the bucket.
    assert.ok([403, 404].includes((await fetch(url)).status), "a download URL handed out before is dead too");
  });

  it("deletes a share whose upload never arrived", async () => {
    const api = env.api();
    const created = await api.createUpload();
    const reply = await api.request("DELETE", `/files/${created.json.id}`, {
      headers: { "x-delete-token": created.json.deleteToken },
    });
    assert.equal(reply.status, 204);
    assert.equal(await getRecord(api.deps, keyNameFor(created.json.id)), undefined);
  });

  it("hands out no download once a delete has begun, even if removing the object failed; a retry finishes", async () => {
    const api = env.api();
    const { id, deleteToken } = await api.share(bytesOf(11));
    const s3Down = api.with({
      s3: createS3Client({
        region: "us-east-1",
        credentials: api.backends.credentials,
        endpoint: "http://127.0.0.1:9",
        maxAttempts: 1,
      }),
    });
    const failed = await s3Down.request("DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } });
    assert.equal(failed.status, 503);
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.status, "deleting");
    assert.equal((await api.request("GET", `/files/${id}`)).status, 404);
    assert.equal((await api.request("POST", `/files/${id}/download`)).status, 404);
    assert.equal((await api.request("DELETE", `/files/${id}`, { headers: { "x-delete-token": "wrong" } })).status, 403);

    const retried = await api.request("DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } });
    assert.equal(retried.status, 204);
    assert.equal(await getRecord(api.deps, keyNameFor(id)), undefined);
    assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined);
  });
});
