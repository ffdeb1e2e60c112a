// Concurrent DELETEs of one share with the right token, over HTTP against `npm start`'s stack in this process
// (the gateway, real S3 and DynamoDB servers): exactly one deletes, logs and audits; the others answer 404, the
// answer any DELETE after it gets (docs/api.md, DELETE /files/{id}).
import assert from "node:assert/strict";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { LocalServer } from "../../local/server";
import { call, share, startSignedInStack } from "../auth/support";
import { captureStdout } from "../support/stdout";

const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { message?: string; file?: string; audit?: { type?: string; file?: string } });

describe("Concurrent DELETEs with the right token (over HTTP, real S3 and DynamoDB servers)", function () {
  this.timeout(120_000);
  let server: LocalServer;
  before(async () => {
    server = await startSignedInStack({ FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "false" });
  });
  after(async () => server?.close());

  it("of 20 concurrent DELETEs exactly one answers 204, logs 'file deleted' and writes share.deleted; 19 answer 404; 5 rounds", async () => {
    const counts: Record<number, number> = {};
    for (let round = 0; round < 5; round++) {
      const { id, deleteToken } = await share(server, undefined);
      const { result: replies, text } = await captureStdout(() =>
        Promise.all(
          Array.from({ length: 20 }, () =>
            call(server, "DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } }),
          ),
        ),
      );
      for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(
        statuses,
        [204, ...Array<number>(19).fill(404)],
        `round ${round}: one 204 and nineteen 404s, got ${statuses.join(",")}`,
      );
      for (const r of replies.filter((x) => x.status === 404)) assert.equal(r.json.error.code, "NotFound");

      const lines = jsonLines(text);
      const deletedLines = lines.filter((l) => l.message === "file deleted");
      const deletedEvents = lines.filter((l) => l.message === "audit event" && l.audit?.type === "share.deleted");
      assert.equal(deletedLines.length, 1, `round ${round}: one "file deleted" log line, got ${deletedLines.length}`);
      assert.equal(
        deletedEvents.length,
        1,
        `round ${round}: one share.deleted audit event, got ${deletedEvents.length}`,
      );
      assert.equal(deletedEvents[0]?.audit?.file, deletedLines[0]?.file, "the event and the line name the same share");

      const deps = server.backends.deps;
      assert.equal(await getRecord(deps, keyNameFor(id)), undefined, "the record is gone");
      assert.equal(await headObject(deps, fileKeyFor(id)), undefined, "the object is gone");
    }
    // The counts go to the report: how the 100 DELETEs ended.
    console.log(`      concurrent DELETE outcomes over 5x20: ${JSON.stringify(counts)}`);
  });
});
