// The tests' one capture of what the handlers log (tests/support/stdout.ts), which other tests rely on to see
// log lines: it must give back the environment as it found it.
import assert from "node:assert/strict";
import { captureLogs } from "../support/harness";
import { captureStdout } from "../support/stdout";

describe("the tests' log capture", () => {
  const saved = process.env["FILESHARE_LOG_LEVEL"];
  afterEach(() => {
    if (saved === undefined) delete process.env["FILESHARE_LOG_LEVEL"];
    else process.env["FILESHARE_LOG_LEVEL"] = saved;
  });

  for (const [name, capture] of [
    ["captureStdout", (fn: () => Promise<void>) => captureStdout(fn)],
    ["captureLogs", (fn: () => Promise<void>) => captureLogs(fn)],
  ] as const) {
    it(`${name} leaves an unset log level unset (not the string "undefined") and a set one as it was`, async () => {
      delete process.env["FILESHARE_LOG_LEVEL"];
      await capture(async () => assert.equal(process.env["FILESHARE_LOG_LEVEL"], "info"));
      assert.equal("FILESHARE_LOG_LEVEL" in process.env, false);
      process.env["FILESHARE_LOG_LEVEL"] = "warn";
      await capture(async () => undefined);
      assert.equal(process.env["FILESHARE_LOG_LEVEL"], "warn");
    });
  }

  it("returns each JSON line written to stdout, and stderr only when asked", async () => {
    const { entries } = await captureLogs(async () => {
      process.stdout.write('{"a":1}\n');
      process.stdout.write('{"b":2}\n{"c":3}\n');
    });
    assert.deepEqual(entries, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    const both = await captureStdout(async () => void process.stderr.write("to stderr\n"), { stderr: true });
    assert.equal(both.text, "to stderr\n");
  });
});
