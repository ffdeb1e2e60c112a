// The CLI's up-front checksum pass (cli/hashParts.ts): the whole file's SHA-256 on this thread and the parts'
// in a worker thread, from one read in CHUNK-sized pieces. Whatever the sizes, every part's checksum must be the
// SHA-256 of exactly that slice (S3 refuses the part otherwise) and the whole file's that of every byte.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHUNK, hashFileAndParts } from "../../cli/hashParts";

const MIB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("base64");

describe("CLI checksum pass (whole file here, parts in a worker thread)", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-hash-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  // Part boundaries inside a 4 MiB read chunk, on one, a part larger than several chunks, a short last part,
  // a file smaller than one part, and more reads in flight than the worker's buffers.
  const cases: [string, number, number][] = [
    ["parts straddling read chunks, short last part", 23 * CHUNK + 7, 5 * CHUNK + 3],
    ["parts ending exactly on read chunks", 8 * CHUNK, 4 * CHUNK],
    ["parts of many read chunks (more than the worker's buffers)", 40 * CHUNK + 1, 16 * CHUNK],
    ["a file smaller than one part", 100, 5 * MIB],
    ["parts smaller than a read chunk", 9 * CHUNK + 5, Math.floor(CHUNK / 3)],
  ];
  for (const [name, size, partSize] of cases) {
    it(`each part's SHA-256 is its slice's and the whole file's is every byte's: ${name}`, async () => {
      const bytes = randomBytes(size);
      const path = join(dir, "file.bin");
      await writeFile(path, bytes);
      let reported = 0;
      const got = await hashFileAndParts(path, partSize, (n) => (reported += n));
      const want: string[] = [];
      for (let at = 0; at < size; at += partSize) want.push(sha256(bytes.subarray(at, at + partSize)));
      assert.deepEqual(got.parts, want);
      assert.equal(got.sha256, sha256(bytes));
      assert.equal(reported, size, "progress counts every byte once");
    });
  }

  it("a file that cannot be read rejects instead of hanging", async () => {
    await assert.rejects(hashFileAndParts(join(dir, "missing.bin"), 5 * MIB), { code: "ENOENT" });
  });
});
