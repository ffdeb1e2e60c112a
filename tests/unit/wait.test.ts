import assert from "node:assert/strict";
import { waitFor } from "../support/wait";

describe("the tests' waitFor", () => {
  it("resolves to the first truthy value as soon as the predicate holds", async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 });
    assert.equal(value, "after 3");
  });

  it("fails after its deadline, naming what it waited for", async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor(async () => false, { timeoutMs: 30, intervalMs: 5, what: "the moon" }),
      /^Error: timed out after 30 ms waiting for the moon$/,
    );
    assert.ok(Date.now() - started >= 30, "it waits at least until the deadline");
  });
});
