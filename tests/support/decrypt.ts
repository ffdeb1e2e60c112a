// A whole stored object decrypted with the CLI's streaming decrypter (cli/crypto/ece.ts), for tests that check
// what an encrypted upload left in the bucket.
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { decryptStream } from "../../cli/crypto/ece";

/** The plaintext of `cipher` (an RFC 8188 aes128gcm object) under the share key `key`; rejects as the CLI would. */
export async function decryptWhole(key: Uint8Array, cipher: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([cipher]),
    decryptStream(key),
    new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }),
  );
  return Buffer.concat(chunks);
}
