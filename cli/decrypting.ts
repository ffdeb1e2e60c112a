// The decrypting stage of an encrypted share's download (docs/encryption.md): fed the ciphertext in order (after
// the stage that counts and hashes it against the share's size and SHA-256), it lets out only records whose GCM
// tag checked, and holds the plaintext to the size the encrypted metadata states. A failure of either is a
// CliError with exit code 5, and the caller deletes the partial file.
import { Transform } from "node:stream";
import { decryptStream } from "./crypto/ece";
import { cliError, EXIT } from "./errors";

export interface Decrypting {
  /** The pipeline stages, in order: decrypt, then count the plaintext. */
  stages: [Transform, Transform];
  /** Plaintext bytes let out so far. */
  written(): number;
  /** Throws unless exactly the stated plaintext size came out. */
  check(): void;
}

export function decrypting(key: Buffer, plainSize: number, name: string): Decrypting {
  let written = 0;
  const wrongSize = (what: string) =>
    cliError(
      EXIT.verification,
      `${name} decrypted to ${what} bytes than the ${plainSize} bytes its encrypted metadata states; the partial file was deleted.`,
    );
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (written + chunk.length > plainSize) return done(wrongSize("more"));
      written += chunk.length;
      done(null, chunk);
    },
  });
  return {
    stages: [decryptStream(key), count],
    written: () => written,
    check() {
      if (written !== plainSize) throw wrongSize("fewer");
    },
  };
}
