// The sweep index is write-sharded (handlers/store/records.ts): a share's shard comes from its key name, the number of
// shards from fileshare:sweepShards. These tests run the clean-up against real local DynamoDB (dynalite) and S3.
import assert from "node:assert/strict";
import { PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { MAX_SWEEP_SHARDS } from "../../config/schema";
import { runCleanup } from "../../handlers/cleanup";
import { Deps } from "../../handlers/deps";
import { KeyName, keyNameFor } from "../../handlers/ids";
import { createLogger } from "../../handlers/log";
import { ALL_SWEEP_SHARDS, getRecord, LEGACY_SWEEP_SHARD, sweepShardOf } from "../../handlers/store/records";
import { SWEEP_AT_ATTRIBUTE, SWEEP_SHARD_ATTRIBUTE, TABLE_KEY } from "../../config/table";
import { Backends, startBackends } from "../../local/backends";
import { Api, testConfig } from "../support/harness";

const log = createLogger({ test: "sweep-shards" });

describe("sweep shards: the shard of a key name", () => {
  const names = Array.from({ length: 4000 }, (_, i) => keyNameFor(`share-${i}`));

  it("is the same for the same key name, and within 0..shards-1", () => {
    for (const shards of [1, 3, 8, MAX_SWEEP_SHARDS]) {
      for (const name of names.slice(0, 200)) {
        const shard = sweepShardOf(name, shards);
        assert.equal(sweepShardOf(name, shards), shard);
        assert.ok(Number(shard) >= 0 && Number(shard) < shards, `${shard} is within 0..${shards - 1}`);
      }
    }
  });

  it("spreads key names evenly: no shard of 8 gets more than 1.25x its share of 4,000 names", () => {
    const counts = new Map<string, number>();
    for (const name of names) counts.set(sweepShardOf(name, 8), (counts.get(sweepShardOf(name, 8)) ?? 0) + 1);
    assert.equal(counts.size, 8);
    for (const [shard, count] of counts) assert.ok(count <= 625, `shard ${shard} holds ${count} of 4000`);
  });

  it("names every shard value the clean-up must read: 0..MAX_SWEEP_SHARDS-1 and the legacy one", () => {
    assert.deepEqual(
      [...ALL_SWEEP_SHARDS].sort(),
      [LEGACY_SWEEP_SHARD, ...Array.from({ length: MAX_SWEEP_SHARDS }, (_, i) => String(i))].sort(),
    );
  });
});

describe("sweep shards: the clean-up against real local S3 and DynamoDB servers", () => {
  let backends: Backends;
  before(async () => {
    backends = await startBackends({ config: testConfig() });
  });
  after(() => backends.close());

  /** The handlers' deps with `sweepShards` set and the clock `seconds` ahead of now. */
  const withShards = (sweepShards: number, seconds = 0): Deps => ({
    ...backends.deps,
    config: { ...backends.deps.config, sweepShards },
    now: () => new Date(Date.now() + seconds * 1000),
  });
  /** Creates `count` pending shares (no upload: the clean-up removes them once their upload URL is long gone). */
  const createPending = async (deps: Deps, count: number): Promise<KeyName[]> => {
    const api = new Api(backends, deps);
    const created = await Promise.all(Array.from({ length: count }, () => api.createUpload()));
    return created.map((r) => {
      assert.equal(r.status, 201, r.body);
      return keyNameFor(r.json.id);
    });
  };
  const shardOf = async (keyName: KeyName) => (await getRecord(backends.deps, keyName))?.sweepShard;
  /** Past the pending shares' sweep time (upload URL lifetime plus its grace). */
  const due = () => backends.deps.config.uploadUrlTtlSeconds + 601;
  const remaining = async (names: KeyName[]) =>
    (await Promise.all(names.map((n) => getRecord(backends.deps, n)))).filter((r) => r !== undefined).length;
  const tableItems = async () =>
    (await backends.deps.db.send(new ScanCommand({ TableName: backends.deps.config.tableName }))).Items ?? [];

  afterEach(async () => {
    // Each test starts from an empty table: sweep whatever a failed test left.
    await runCleanup(withShards(1, 10 * 86400), { limit: 1000, log });
  });

  it("writes each share into the shard of its key name and removes due shares from every shard", async () => {
    const names = await createPending(withShards(4), 40);
    const shards = await Promise.all(names.map(shardOf));
    assert.deepEqual(
      shards,
      names.map((n) => sweepShardOf(n, 4)),
      "each record's shard is its key name's",
    );
    assert.deepEqual([...new Set(shards)].sort(), ["0", "1", "2", "3"], "40 shares land on all 4 shards");
    const report = await runCleanup(withShards(4, due()), { limit: 100, log });
    assert.equal(report.removed.length, 40, "every due share is removed, whatever its shard");
    assert.equal(await remaining(names), 0);
  });

  it("loses nothing when sweepShards shrinks, grows, or a record still carries the legacy shard", async () => {
    const wide = await createPending(withShards(MAX_SWEEP_SHARDS), 60);
    const narrow = await createPending(withShards(1), 5);
    assert.ok(new Set(await Promise.all(wide.map(shardOf))).size > 20, "the wide shares use many shards");
    assert.deepEqual(new Set(await Promise.all(narrow.map(shardOf))), new Set(["0"]));
    // A record as the unsharded version wrote it.
    const legacy = keyNameFor("legacy-share");
    const past = Math.floor(Date.now() / 1000) - 10;
    await backends.deps.db.send(
      new PutCommand({
        TableName: backends.deps.config.tableName,
        Item: {
          [TABLE_KEY]: legacy,
          fileKey: `uploads/${legacy}`,
          status: "pending",
          createdAt: new Date(past * 1000).toISOString(),
          expiresAt: new Date(past * 1000).toISOString(),
          expiresAtEpoch: past,
          downloads: 0,
          deleteTokenHash: "0".repeat(64),
          [SWEEP_SHARD_ATTRIBUTE]: LEGACY_SWEEP_SHARD,
          [SWEEP_AT_ATTRIBUTE]: past,
        },
      }),
    );
    // The stack now runs with 2 shards: the clean-up still finds shares on shards 2..31, "0" and "live".
    const report = await runCleanup(withShards(2, due()), { limit: 1000, log });
    assert.equal(report.removed.length, 66);
    assert.equal(await remaining([...wide, ...narrow, legacy]), 0);
    assert.deepEqual(await tableItems(), []);
  });

  it("takes at most `limit` due shares per run, oldest first across shards, and the rest on the next runs", async () => {
    const names = await createPending(withShards(8), 12);
    const first = await runCleanup(withShards(8, due()), { limit: 5, log });
    assert.equal(first.removed.length, 5);
    assert.equal(await remaining(names), 7);
    await runCleanup(withShards(8, due()), { limit: 5, log });
    await runCleanup(withShards(8, due()), { limit: 5, log });
    assert.equal(await remaining(names), 0);
  });

  it("follows a shard's pages when DynamoDB truncates a Query (simulated: every page cut to 2 items)", async () => {
    const names = await createPending(withShards(1), 7);
    const deps = withShards(1, due());
    // A middleware on a client of its own: Query pages of at most 2 items, as a 1 MB page would cut them.
    const db = Object.create(deps.db) as Deps["db"];
    let pages = 0;
    db.send = ((command: { input: { Limit?: number; IndexName?: string } }) => {
      if (command.input.IndexName !== undefined) {
        command.input.Limit = Math.min(command.input.Limit ?? 2, 2);
        pages++;
      }
      return deps.db.send(command as never);
    }) as Deps["db"]["send"];
    const report = await runCleanup({ ...deps, db }, { limit: 100, log });
    assert.equal(report.removed.length, 7, "all 7 found, 2 per page");
    assert.ok(pages >= ALL_SWEEP_SHARDS.length + 3, `shard 0 was read in 4 pages (${pages} Query calls)`);
    assert.equal(await remaining(names), 0);
  });
});
