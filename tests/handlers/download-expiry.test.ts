// A download URL handed out in a share's last moments must work for its whole expiresIn, with the clean-up
// running: an expired share's bytes stay until the last URL handed out has expired (as an exhausted share's do).
import assert from "node:assert/strict";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { runCleanup } from "../../handlers/cleanup";
import { Deps } from "../../handlers/deps";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";
import { createLogger } from "../../handlers/log";
import { headObject } from "../../handlers/objects";
import { SWEEP_AT_ATTRIBUTE, TABLE_KEY, TTL_ATTRIBUTE } from "../../config/table";
import { startCleanupTimer } from "../../local/cleanup";
import { bytesOf, useBackends } from "../support/harness";
import { waitFor } from "../support/wait";

const log = createLogger({ test: "download-expiry" });

describe("A download URL handed out just before the share expires (real S3 and DynamoDB servers)", function () {
  this.timeout(120_000);
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("works after the share expired and the clean-up ran; the bytes go once that URL has expired", async () => {
    const api = env.api();
    const deps = api.deps;
    const bytes = bytesOf(11, 7);
    const { id } = await api.share(bytes);
    // Arrange: the share ends 8 s from now (the API's shortest share is 60 s, too long to wait for).
    const expiresAtEpoch = Math.floor(Date.now() / 1000) + 8;
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: { [TABLE_KEY]: keyNameFor(id) },
        UpdateExpression: "SET #expires = :e, #expiresAt = :iso, #sweep = :e",
        ExpressionAttributeNames: {
          "#expires": TTL_ATTRIBUTE,
          "#expiresAt": "expiresAt",
          "#sweep": SWEEP_AT_ATTRIBUTE,
        },
        ExpressionAttributeValues: { ":e": expiresAtEpoch, ":iso": new Date(expiresAtEpoch * 1000).toISOString() },
      }),
    );
    const timer = startCleanupTimer(() => deps, 200);
    try {
      const granted = await api.request("POST", `/files/${id}/download`);
      assert.equal(granted.status, 200, granted.body);
      const ttl = granted.json.expiresIn as number;
      assert.ok(ttl > 10, "the URL outlives the share by far");

      await waitFor(async () => (await api.request("GET", `/files/${id}`)).status === 410, {
        what: "the share to expire",
        timeoutMs: 60_000,
      });
      // At least one whole run after the expiry, besides the timer's.
      await runCleanup(deps, { limit: 100, log });

      const res = await fetch(granted.json.downloadUrl);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, `the URL said expiresIn ${ttl}, so it must still work: ${body.toString()}`);
      assert.deepEqual(body, bytes);
    } finally {
      await timer.stop();
    }

    // Once the last URL has expired, the next run removes the bytes.
    const later: Deps = {
      ...deps,
      now: () => new Date((expiresAtEpoch + deps.config.downloadUrlTtlSeconds + 2) * 1000),
    };
    const report = await runCleanup(later, { limit: 100, log });
    assert.deepEqual(
      report.removed.filter((r) => r.file === deps.fingerprint(keyNameFor(id))).map((r) => r.reason),
      ["expired"],
    );
    assert.equal(await headObject(deps, fileKeyFor(id)), undefined, "the object is gone");
  });
});
