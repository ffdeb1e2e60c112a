// A 1 GiB file through `fileshare upload` against plain `npm start` (Pulumi.dev.yaml as it is, no FILESHARE_*
// overrides): above the multipart threshold, so it goes up in parts, and within the stack's file size limit.
// The file is sparse (a marker at each end): made at once and read back quickly, so the test measures the upload
// path, not the disk.
import assert from "node:assert/strict";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings, readStackFile } from "../../local/settings";
import { startCli } from "../cli/process";
import { LocalProcess, startLocalProcess } from "./server";

const SIZE = 1024 ** 3;

describe("local mode: a 1 GiB file with npm start's defaults", function () {
  this.timeout(20 * 60_000); // a deadline against hangs only: a busy 2-core machine takes minutes
  let dir: string;
  let local: LocalProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-large-"));
  });
  after(async () => {
    await local?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("the dev stack's settings take it in parts: above multipartThresholdBytes, within maxFileSizeBytes", async () => {
    const dev = await loadSettings({});
    assert.ok(dev.multipartThresholdBytes < SIZE, "1 GiB is above the multipart threshold");
    assert.ok(dev.maxFileSizeBytes >= SIZE, `maxFileSizeBytes ${dev.maxFileSizeBytes} takes 1 GiB`);
    // Pulumi.dev.yaml itself says so (not only the schema's default).
    assert.ok(Number((await readStackFile(join(__dirname, "..", "..", "Pulumi.dev.yaml"))).maxFileSizeBytes) >= SIZE);
  });

  it("fileshare upload sends it in parts to plain npm start, and the share is available at its full size", async () => {
    const file = join(dir, "video.mp4");
    const handle = await open(file, "w");
    await handle.write("start of video");
    await handle.write("end of video", SIZE - 12);
    await handle.close();
    // Only a data folder of its own (and PORT=0, from the helper): every setting is npm start's default. Its
    // request lines are read below (the tests' setup silences the logs of this process and its children).
    local = await startLocalProcess({
      env: { FILESHARE_DATA_DIR: join(dir, "data"), FILESHARE_LOG_LEVEL: "info" },
      timeoutMs: 120_000,
    });
    const { done } = startCli(["--api", local.url, "upload", file], { FILESHARE_CONFIG_DIR: join(dir, "cli") });
    const run = await done;
    assert.equal(run.code, 0, `fileshare upload failed: ${run.stderr}`);
    const id = /link: \S+\/files\/([\w-]+)/.exec(run.stdout)?.[1];
    assert.ok(id, run.stdout);
    const info = (await (await fetch(new URL(`files/${id}`, local.url))).json()) as { status: string; size: number };
    assert.deepEqual({ status: info.status, size: info.size }, { status: "available", size: SIZE });
    // The server's request lines show the multipart way: part URLs asked for, then one completion.
    const lines = local.stdout();
    assert.match(lines, /POST \/uploads\/\{id\}\/parts 200|"route":"\/uploads\/\{id\}\/parts","status":200/, lines);
    assert.match(lines, /POST \/uploads\/\{id\}\/complete 200|"route":"\/uploads\/\{id\}\/complete","status":200/);
  });
});
