import assert from "node:assert/strict";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/records";
import { bytesOf, useBackends } from "../support/harness";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

describe("Concurrent DELETEs with the right token (real S3 and DynamoDB servers)", function () {
  this.timeout(60_000);
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("ends every one of 20 concurrent DELETEs 204 or 404, never 500, at least one 204; repeated 5 times", async () => {
    const api = env.api();
    const counts: Record<number, number> = {};
    for (let round = 0; round < 5; round++) {
      const { id, deleteToken } = await api.share(bytesOf(11, round));
      const replies = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.request("DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } }),
        ),
      );
      for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const statuses = replies.map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 204 || s === 404),
        `round ${round}: every DELETE must end 204 or 404, got ${statuses.join(",")}`,
      );
      assert.ok(statuses.includes(204), `round ${round}: one DELETE must succeed`);
      for (const r of replies.filter((x) => x.status === 404)) assert.equal(r.json.error.code, "NotFound");
      assert.equal(await getRecord(api.deps, keyNameFor(id)), undefined, "the record is gone");
      assert.equal(await headObject(api.deps, fileKeyFor(id)), undefined, "the object is gone");
    }
    // The counts go to the report: how the 100 DELETEs ended.
    console.log(`      concurrent DELETE outcomes over 5x20: ${JSON.stringify(counts)}`);
  });
});
