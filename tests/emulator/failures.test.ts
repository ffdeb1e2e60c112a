// A write the local S3 cannot store (disk full, store unwritable) fails with 500 and leaves nothing behind,
// so the same pre-signed URL works once the store recovers: S3 never keeps part of a failed write.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { assertAbsent, BUCKET, errorCode, MiB, putBody, signPut, stagedFiles, startTestS3, stored } from "./s3";

const run = promisify(execFile);

/** A failed write's answer: 500 InternalError with S3's generic message (no path, no errno). */
async function assertInternalError(res: Response): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 500, text);
  assert.equal(errorCode(text), "InternalError");
  assert.doesNotMatch(text, /ENOSPC|EEXIST|ENOTDIR|\/tmp\//);
}

describe("emulator: storage failures", () => {
  it("emulator: a PUT that fills the disk (a 1 MiB tmpfs) gets 500, leaves nothing behind, and the same URL succeeds once space returns (needs mount rights; skipped without them)", async function () {
    const dir = await mkdtemp(join(tmpdir(), "emulator-full-"));
    try {
      await run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
    } catch {
      await rm(dir, { recursive: true, force: true });
      this.skip();
    }
    try {
      const s3 = await startTestS3(dir);
      try {
        const body = randomBytes(2 * MiB);
        const url = await signPut(s3, "full/file", body.length);
        await assertInternalError(await putBody(url, body));
        await assertAbsent(s3, "full/file");
        assert.deepEqual(await stagedFiles(s3), []);
        await run("mount", ["-o", "remount,size=8m", dir]);
        const retry = await putBody(url, body);
        assert.equal(retry.status, 200, await retry.text());
        assert.ok((await stored(s3, "full/file")).equals(body));
      } finally {
        await s3.close();
      }
    } finally {
      await run("umount", [dir]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("emulator: a PUT the store cannot write (its staging folder blocked) gets 500 and stores nothing; the same URL succeeds once the store recovers", async () => {
    const s3 = await startTestS3();
    try {
      const staging = join(s3.directory, BUCKET, "._S3rver_tmp");
      await rm(staging, { recursive: true, force: true });
      await writeFile(staging, "a file where the store wants a folder");
      const body = randomBytes(256 * 1024);
      const url = await signPut(s3, "blocked/file", body.length);
      await assertInternalError(await putBody(url, body));
      await assertAbsent(s3, "blocked/file");
      await rm(staging);
      await mkdir(staging);
      const retry = await putBody(url, body);
      assert.equal(retry.status, 200, await retry.text());
      assert.ok((await stored(s3, "blocked/file")).equals(body));
    } finally {
      await s3.close();
    }
  });
});
