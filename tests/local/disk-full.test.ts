// A full disk under the local DynamoDB (dynalite on a 2 MiB tmpfs): before the patch in patches/dynalite+4.0.0.patch
// the whole `npm start` process exited with "IO error: ... No space left on device". Needs root to mount a tmpfs;
// without it the test says so and is skipped.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Backends, startBackends } from "../../local/backends";
import { Api, testConfig } from "../support/harness";

const run = promisify(execFile);

describe("emulator: dynalite on a full disk answers errors instead of exiting; the API answers 503 and recovers", function () {
  this.timeout(120_000);
  let mountPoint: string;
  let backends: Backends | undefined;

  before(async function () {
    mountPoint = await mkdtemp(join(tmpdir(), "fileshare-full-"));
    try {
      await run("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint]);
    } catch {
      await rm(mountPoint, { recursive: true, force: true });
      console.log("      (skipped: mounting a small tmpfs needs root)");
      this.skip();
    }
  });

  after(async () => {
    await backends?.close().catch(() => undefined);
    if (mountPoint) {
      await run("umount", [mountPoint]).catch(() => undefined);
      await rm(mountPoint, { recursive: true, force: true });
    }
  });

  it("keeps serving reads while full, writes nothing half, and creates shares again once space returns", async () => {
    // Most of the space goes to a ballast file, so the table's log fills up after a few hundred shares.
    const ballast = join(mountPoint, "ballast");
    await writeFile(ballast, Buffer.alloc(1.7 * 1024 * 1024));
    backends = await startBackends({ config: testConfig(), dataDir: join(mountPoint, "data") });
    const api = new Api(backends);
    const ids: string[] = [];
    let refused = 0;
    for (let i = 0; i < 5000 && refused < 3; i++) {
      const reply = await api.createUpload({ fileName: "x".repeat(200) });
      if (reply.status === 201) ids.push(reply.json.id);
      else {
        refused++;
        assert.equal(reply.status, 503, reply.body);
        assert.equal(reply.json.error.code, "Unavailable");
        assert.doesNotMatch(reply.body, /space|IO error|dynamo|level/i, "no internals in the body");
      }
    }
    assert.equal(refused, 3, `the disk filled up (after ${ids.length} shares)`);
    console.log(`      disk full after ${ids.length} shares: 3 of 3 further creates got 503, the process stayed up`);
    assert.equal((await api.request("GET", `/files/${ids[0]}`)).status, 200, "reads still work while full");
    const items = await backends.deps.db.send(new ScanCommand({ TableName: backends.deps.config.tableName }));
    assert.equal(items.Items?.length, ids.length, "a refused create left no record behind");

    await rm(ballast);
    const after = await api.createUpload();
    assert.equal(after.status, 201, "writes work again once space returns, without a restart");
    assert.equal((await api.request("GET", `/files/${after.json.id}`)).status, 200);
  });
});
