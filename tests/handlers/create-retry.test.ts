// POST /uploads when DynamoDB wrote the record but its answer was lost (a 5xx or a timeout after the write): the
// SDK retries the conditional PutItem, which then fails its condition on our own item. Real local DynamoDB; a hook
// on the SDK client lets the first write through to the server and then throws the transient error the SDK
// retries, as a dropped answer would look.
import assert from "node:assert/strict";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../../handlers/deps";
import { keyNameFor } from "../../handlers/ids";
import { getRecord, putRecord } from "../../handlers/store/records";
import { testConfig, useBackends } from "../support/harness";

const HOOK = "loseNextPutAnswer";

/** The next PutItem reaches DynamoDB, which stores the item; its answer is then replaced by a retryable 500. */
function loseNextPutAnswer(db: Deps["db"]): void {
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (/^Put(Item)?Command$/.test(context.commandName ?? "") && db.middlewareStack.remove(HOOK)) {
        throw Object.assign(new Error("the answer was lost"), {
          name: "InternalServerError",
          $fault: "server",
          $metadata: { httpStatusCode: 500 },
        });
      }
      return out;
    },
    { step: "deserialize", name: HOOK },
  );
}

describe("POST /uploads when DynamoDB's answer to the record's write is lost and the SDK retries it", function () {
  this.timeout(60_000);
  const env = useBackends(testConfig());
  before(env.start);
  after(env.stop);
  afterEach(() => env.api().deps.db.middlewareStack.remove(HOOK));

  it("answers 201 for the share its first attempt stored (not 500), and stores it once", async () => {
    const api = env.api();
    loseNextPutAnswer(api.deps.db);
    const created = await api.createUpload({ fileName: "kept.txt" });
    assert.equal(created.status, 201, created.body);
    const stored = await getRecord(api.deps, keyNameFor(created.json.id));
    assert.equal(stored?.fileName, "kept.txt");
    assert.equal(stored?.status, "pending");
    const all = await api.deps.db.send(new ScanCommand({ TableName: api.deps.config.tableName }));
    assert.equal(all.Items?.filter((i) => i["fileName"] === "kept.txt").length, 1);
  });

  it("still refuses to overwrite another share's record under the same key (the condition holds)", async () => {
    const api = env.api();
    const created = await api.createUpload({ fileName: "first.txt" });
    const first = (await getRecord(api.deps, keyNameFor(created.json.id)))!;
    const intruder = { ...first, fileName: "second.txt", deleteTokenHash: "0".repeat(64) };
    await assert.rejects(putRecord(api.deps, intruder), { name: "ConditionalCheckFailedException" });
    assert.equal((await getRecord(api.deps, first.id))?.fileName, "first.txt");
  });
});
