// What npm start says in a terminal: a line at once, then its banner, then one short line per request; runs of
// the clean-up that removed nothing say nothing (local/console.ts, local/cleanup.ts).
import assert from "node:assert/strict";
import { Logger } from "../../handlers/log";
import { quietWhenIdle } from "../../local/cleanup";
import { terminalLine } from "../../local/console";
import { waitFor } from "../support/wait";
import { LocalProcess, startLocalProcess } from "./server";

const json = (fields: Record<string, unknown>) =>
  JSON.stringify({ time: "2026-12-07T15:09:06.694Z", level: "info", ...fields });

describe("local mode: the terminal's log lines", () => {
  it("shows a request as one short line: time, method, route template, status, latency", () => {
    const line = json({
      message: "request finished",
      requestId: "f1e8d02f-54e0-4782-be9b-3f3021ecd4c0",
      method: "POST",
      route: "/uploads",
      status: 201,
      latencyMs: 465,
      caller: "BYpuMWtgLc5h",
      callerType: "ip",
    });
    assert.equal(terminalLine(line, false), "15:09:06 POST /uploads 201 465 ms");
  });

  it("leaves the handlers' other info lines (audit events) to FILESHARE_LOG_LEVEL=debug, and always shows warnings", () => {
    const audit = json({ message: "audit event", component: "audit", audit: { type: "share.created" } });
    assert.equal(terminalLine(audit, false), undefined);
    assert.equal(terminalLine(audit, true), '15:09:06 audit event (audit={"type":"share.created"})');
    const warn = json({ level: "warn", message: "client closed the connection", method: "PUT" });
    assert.equal(terminalLine(warn, false), "15:09:06 warn: client closed the connection (method=PUT)");
    assert.equal(terminalLine("not json", false), "not json");
  });

  it("drops the summary of a clean-up run that removed nothing, keeps one that removed something", () => {
    const seen: string[] = [];
    const log: Logger = { info: (m, f) => seen.push(`${m} ${JSON.stringify(f)}`), warn: () => {}, error: () => {} };
    const quiet = quietWhenIdle(log, {});
    quiet.info("clean-up run finished", { removed: 0, failed: 0 });
    quiet.info("clean-up run finished", { removed: 2, failed: 0 });
    quiet.info("share removed", { reason: "expired" });
    assert.deepEqual(seen, ['clean-up run finished {"removed":2,"failed":0}', 'share removed {"reason":"expired"}']);
    quietWhenIdle(log, { FILESHARE_LOG_LEVEL: "debug" }).info("clean-up run finished", { removed: 0, failed: 0 });
    assert.equal(seen.length, 3, "at debug every run is logged");
  });
});

describe("local mode: npm start in a terminal", function () {
  this.timeout(90_000);
  let local: LocalProcess;
  before(async () => {
    const env = { FILESHARE_LOG_LEVEL: "info", FILESHARE_CLEANUP_INTERVAL_SECONDS: "1" };
    local = await startLocalProcess({ args: ["--memory"], env });
  });
  after(async () => local?.stop());

  it("says it is starting before anything else, then one short line per request and no idle clean-up runs", async () => {
    const lines = () => local.stdout().split("\n");
    assert.equal(lines()[0], "fileshare: starting…");
    assert.equal((await fetch(new URL("config", local.url))).status, 200);
    const shown = await waitFor(() => lines().find((l) => l.includes("GET /config")), { timeoutMs: 20_000 });
    assert.match(shown, /^\d\d:\d\d:\d\d GET \/config 200 \d+ ms$/);
    // Nothing to see is a negative: give the clean-up (every second here) time for a few idle runs first. Their
    // lines at debug are proven above; a slow machine runs fewer of them, which makes this weaker, never flaky.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.doesNotMatch(local.stdout(), /clean-up/, local.stdout());
    assert.equal(lines().filter((l) => l.startsWith("{")).length, 0, "no JSON lines at the default level");
  });
});
