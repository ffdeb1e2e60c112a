// The CLI's one read per upload (cli/hashParts.ts): parts read in order into a few reused buffers, each hashed
// into its part's SHA-256 and the whole file's. Whatever the sizes, every part's bytes and checksum must be
// exactly its slice (S3 refuses the part otherwise), the whole file's checksum that of every byte, and no more
// buffers than allowed may be in use at once.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bufferCount, BUFFER_BUDGET, CHUNK, readParts, ReadPart } from "../../cli/hashParts";

const MIB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("base64");
const planOf = (size: number, partSize: number) => ({ size, partSize, partCount: Math.ceil(size / partSize) });

describe("CLI part reader (one read: each part and the whole file hashed from the buffer that is sent)", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-hash-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  // Part boundaries inside a read chunk, on one, parts of many chunks, a file smaller than one part, parts
  // smaller than a chunk.
  const cases: [string, number, number][] = [
    ["parts straddling read chunks, short last part", 23 * CHUNK + 7, 5 * CHUNK + 3],
    ["parts ending exactly on read chunks", 8 * CHUNK, 4 * CHUNK],
    ["parts of many read chunks", 40 * CHUNK + 1, 16 * CHUNK],
    ["a file smaller than one part", 100, 5 * MIB],
    ["parts smaller than a read chunk", 9 * CHUNK + 5, Math.floor(CHUNK / 3)],
  ];
  for (const [name, size, partSize] of cases) {
    it(`each part's bytes and SHA-256 are its slice's and the whole file's is every byte's: ${name}`, async () => {
      const bytes = randomBytes(size);
      const path = join(dir, "file.bin");
      await writeFile(path, bytes);
      const whole = createHash("sha256");
      const parts: string[] = [];
      for await (const part of readParts(path, planOf(size, partSize), 2, whole)) {
        const want = bytes.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize);
        assert.ok(part.bytes.equals(want), `part ${part.partNumber}'s bytes`);
        parts.push(part.sha256);
        part.release();
      }
      const want: string[] = [];
      for (let at = 0; at < size; at += partSize) want.push(sha256(bytes.subarray(at, at + partSize)));
      assert.deepEqual(parts, want);
      assert.equal(whole.digest("base64"), sha256(bytes));
    });
  }

  it("never has more parts out than its buffers: the next part waits until one is released", async () => {
    const path = join(dir, "file.bin");
    await writeFile(path, randomBytes(10 * MIB));
    const reader = readParts(path, planOf(10 * MIB, MIB), 3, createHash("sha256"));
    const out: ReadPart[] = [];
    for (let i = 0; i < 3; i++) out.push((await reader.next()).value as ReadPart);
    const fourth = reader.next();
    const early = await Promise.race([fourth.then(() => "read"), new Promise((r) => setTimeout(r, 200, "waiting"))]);
    assert.equal(early, "waiting", "a fourth buffer was used while three parts were out");
    out[0]!.release();
    assert.equal(((await fourth).value as ReadPart).partNumber, 4);
    await reader.return(undefined);
  });

  it("a file that got shorter since its plan was made is refused, not sent short", async () => {
    const path = join(dir, "short.bin");
    await writeFile(path, randomBytes(4 * MIB));
    const reader = readParts(path, planOf(4 * MIB, MIB), 2, createHash("sha256"));
    (await reader.next()).value.release();
    await truncate(path, 2 * MIB + 10);
    (await reader.next()).value.release();
    await assert.rejects(reader.next(), /got shorter/);
  });

  it("a file that cannot be read rejects instead of hanging", async () => {
    const reader = readParts(join(dir, "missing.bin"), planOf(10, 5), 2, createHash("sha256"));
    await assert.rejects(reader.next(), { code: "ENOENT" });
  });

  it("keeps one buffer per part in flight plus one read ahead, within the budget, and never fewer than two", () => {
    assert.equal(bufferCount(16 * MIB, 4), 5);
    assert.equal(bufferCount(64 * MIB, 4), BUFFER_BUDGET / (64 * MIB));
    assert.equal(bufferCount(512 * MIB, 4), 2);
  });
});
