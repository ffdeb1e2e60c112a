// The encrypted view of a local file that encrypted uploads hash and send (cli/crypto/sealedFile.ts): whatever the
// read sizes and order (1 MiB chunks of parts, parts read out of order by a resumed share, reads straddling
// records), the bytes are exactly encryptStream's output for the same key and salt, and http_ece decrypts them.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as httpEce from "http_ece";
import { encryptedSize, encryptStream, fileKeys, newSalt, RECORD_PLAIN, RECORD_SIZE } from "../../cli/crypto/ece";
import { byteChunks, openBytes, Sealing } from "../../cli/crypto/sealedFile";
import { newShareKey } from "../../cli/crypto/shareKey";
import { isCliError } from "../../cli/errors";

async function streamed(sealing: Sealing, plain: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([plain]),
    encryptStream(fileKeys(sealing.key, sealing.salt)),
    new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }),
  );
  return Buffer.concat(chunks);
}

const SIZES = [1, 100, RECORD_PLAIN - 1, RECORD_PLAIN, RECORD_PLAIN + 1, 3 * RECORD_PLAIN + 5, 2 * 1024 * 1024 + 3];

describe("encrypted uploads' view of a file (cli/crypto/sealedFile.ts)", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-sealed-"))));
  after(async () => rm(dir, { recursive: true, force: true }));

  for (const size of SIZES) {
    it(`a file of ${size} bytes reads as encryptStream's bytes, in chunks of any size and in any order`, async () => {
      const plain = randomBytes(size);
      const path = join(dir, `f${size}`);
      await writeFile(path, plain);
      const sealing = { key: newShareKey(), salt: newSalt() };
      const expected = await streamed(sealing, plain);
      assert.equal(expected.length, encryptedSize(size));
      for (const chunk of [1000, RECORD_SIZE, RECORD_SIZE + 1, 1024 * 1024]) {
        const chunks: Buffer[] = [];
        for await (const c of byteChunks(path, sealing, undefined, chunk)) chunks.push(c);
        assert.ok(Buffer.concat(chunks).equals(expected), `sequential chunks of ${chunk}`);
      }
      // Parts of 100,003 bytes, read backwards, each in 7,919-byte reads from one reader.
      const reader = await openBytes(path, sealing);
      try {
        assert.equal(reader.size, expected.length);
        const got = Buffer.alloc(expected.length);
        const part = 100_003;
        for (let start = Math.floor((expected.length - 1) / part) * part; start >= 0; start -= part) {
          for (let at = start; at < Math.min(expected.length, start + part);) {
            const length = Math.min(7919, start + part - at, expected.length - at);
            const { bytesRead } = await reader.read(got, at, length, at);
            assert.equal(bytesRead, length);
            at += bytesRead;
          }
        }
        assert.ok(got.equals(expected), "parts read out of order");
      } finally {
        await reader.close();
      }
      assert.ok(httpEce.decrypt(expected, { version: "aes128gcm", key: sealing.key }).equals(plain));
    });
  }

  it("a file that got shorter while it is read is refused, not padded", async () => {
    const path = join(dir, "shrinks");
    await writeFile(path, randomBytes(3 * RECORD_PLAIN));
    const reader = await openBytes(path, { key: newShareKey(), salt: newSalt() });
    try {
      await truncate(path, RECORD_PLAIN);
      await assert.rejects(
        reader.read(Buffer.alloc(RECORD_SIZE), 0, RECORD_SIZE, 2 * RECORD_SIZE),
        (e: unknown) => isCliError(e) && /got shorter while it was being uploaded/.test(e.message),
      );
    } finally {
      await reader.close();
    }
  });
});
