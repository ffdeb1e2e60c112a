// The capacity calculator (npm run capacity): its arithmetic, checked against numbers worked out by hand from the
// declared steps (scripts/capacity/flows.ts) for a share with 3 downloads that ends by expiry.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseSettings } from "../../config/parse";
import { parseArgs, parseSize, report, stackSettings } from "../../scripts/capacity/main";
import { ceilings, firstCeiling, monthlyCost, perShare, Workload } from "../../scripts/capacity/model";
import { PRICES, QUOTAS } from "../../scripts/capacity/prices";

const anonymous: Workload = { sharesPerDay: 100000, avgSizeBytes: 50e6, downloads: 3, signedIn: 0, ending: "expiry" };

describe("capacity calculator", () => {
  it("reads sizes as people write them, and refuses what is not a size", () => {
    assert.equal(parseSize("50MB"), 50_000_000);
    assert.equal(parseSize("1.5GiB"), 1_610_612_736);
    assert.equal(parseSize("2048"), 2048);
    assert.throws(() => parseSize("fifty"), /give a size like 50MB/);
  });

  it("counts one anonymous share's life: 5 API requests, 6 invocations, 6 audit events, 4 sweep-index writes", () => {
    const share = perShare(anonymous, parseSettings({}));
    // create, view, 3 downloads
    assert.equal(share.api, 5);
    // createUpload, objectCreated, getFile, 3 x downloadFile (the clean-up run is counted per run, not per share)
    assert.deepEqual(share.lambda, { createUpload: 1, objectCreated: 1, getFile: 1, downloadFile: 3 });
    // created, confirmed, 3 downloaded, removed
    assert.equal(share.putEvents, 6);
    // put on create, moved on confirm (delete + put), deleted on removal
    assert.deepEqual(share.indexWru, { bySweepAt: 4 });
    assert.deepEqual(share.s3, {
      PutObject: 1,
      HeadObject: 1,
      GetObject: 3,
      ListMultipartUploads: 1,
      ListObjectVersions: 1,
      DeleteObject: 1,
    });
  });

  it("prices 100,000 shares a day: 18 million audit events cost 18 USD, 15 million API requests 52.50 USD", () => {
    const costs = Object.fromEntries(monthlyCost(anonymous, parseSettings({})).map((c) => [c.service, c.usd]));
    assert.equal(PRICES.eventBridgeEvent.value, 1e-6);
    assert.ok(Math.abs(costs["EventBridge"]! - 18) < 1e-9, `EventBridge ${costs["EventBridge"]}`);
    assert.ok(Math.abs(costs["API Gateway"]! - 52.5) < 1e-9, `API Gateway ${costs["API Gateway"]}`);
    // 3 downloads x 50 MB x 3,000,000 shares = 450,000 GB at 0.09
    assert.ok(Math.abs(costs["Data transfer out"]! - 40500) < 1e-6);
    assert.equal(costs["WAF"], undefined, "no WAF on a stack without it");
  });

  it("finds the sweep index's ceiling 8 times higher with 8 shards than with the single one it had", () => {
    const one = ceilings(anonymous, parseSettings({ sweepShards: 1 })).find((c) => c.what.includes("sweep index"))!;
    const eight = ceilings(anonymous, parseSettings({ sweepShards: 8 })).find((c) => c.what.includes("sweep index"))!;
    assert.equal(QUOTAS.dynamoPartitionWcu.value, 1000);
    assert.equal(one.sharesPerSecond, 250); // 1000 write units/s over 4 a share
    assert.equal(eight.sharesPerSecond, 2000);
  });

  it("names the prod stack's first ceiling at 100,000 shares a day: the clean-up, at 100 shares per 300 s", () => {
    const { settings, region } = stackSettings("prod");
    assert.equal(region, "eu-west-1");
    const options = parseArgs(["--shares-per-day", "100000", "--avg-size", "50MB", "--downloads", "3"]);
    assert.equal(options.signedIn, 1, "prod requires sign-in to share");
    const first = firstCeiling(options, settings);
    assert.match(first.what, /^the clean-up/);
    assert.equal(first.sharesPerSecond, 100 / 300);
    // Shares deleted by their owners never wait for the clean-up: then the stage throttle (50/s) on the
    // download route, 3 requests a share, comes first.
    const deleted = firstCeiling({ ...options, ending: "delete" }, settings);
    assert.match(deleted.what, /stage throttle on the busiest route \(downloadFile/);
    assert.equal(deleted.sharesPerSecond, 50 / 3);
  });

  it("runs as npm run capacity prints it: cost by service, ceilings, the first quota", () => {
    const out = execFileSync(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        join(__dirname, "../../scripts/capacity/main.ts"),
        "--shares-per-day",
        "1000",
        "--avg-size",
        "5MB",
        "--downloads",
        "2",
      ],
      { encoding: "utf8", cwd: join(__dirname, "../..") },
    );
    assert.equal(out, report(parseArgs(["--shares-per-day", "1000", "--avg-size", "5MB", "--downloads", "2"])));
    for (const service of ["Lambda", "API Gateway", "DynamoDB", "S3 requests", "EventBridge", "WAF"]) {
      assert.match(out, new RegExp(`^  ${service} `, "m"));
    }
    assert.match(out, /^First quota the stack hits: .+, at [\d.,]+ shares\/s\.$/m);
  });
});
