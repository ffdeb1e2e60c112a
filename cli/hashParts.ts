// One read per upload: a multipart upload's parts are read in order into a few reused buffers, and each read
// chunk is hashed twice while still in the CPU's cache: into its part's SHA-256 (signed into the part's URL,
// checked by S3) and into the whole file's (declared at completion, checked by downloaders). The part is then
// sent from that same buffer, so what S3 checks, what the share records and what was sent are the same bytes.
import { createHash, Hash } from "node:crypto";
import { stat } from "node:fs/promises";
import { encryptedSize } from "./crypto/ece";
import { openBytes, Sealing } from "./crypto/sealedFile";
import { cliError, EXIT } from "./errors";
import { partLength } from "../contract/parts";

/** Read size: 1 MiB read and hashed while still in the CPU cache was faster than 4 MiB or 256 KiB (measured). */
export const CHUNK = 1024 * 1024;
/** The most the part buffers may take together; larger parts get fewer buffers (never fewer than two). */
export const BUFFER_BUDGET = 128 * 1024 * 1024;

/** How many part buffers to keep: one per part in flight and one being read ahead, within the budget. */
export function bufferCount(partSize: number, parallel: number): number {
  return Math.max(2, Math.min(parallel + 1, Math.floor(BUFFER_BUDGET / partSize)));
}

export interface ReadPart {
  partNumber: number;
  /** The part's bytes, valid until release(). */
  bytes: Buffer;
  /** base64 SHA-256 of the part. */
  sha256: string;
  /** Gives the buffer back for the next part. */
  release(): void;
}

/** Reads every part of `path` in order (waiting for a free buffer), hashing each part and `whole` on the way.
 *  With `sealing`, the parts are of the file's encrypted bytes, encrypted as they are read. */
export async function* readParts(
  path: string,
  plan: { size: number; partSize: number; partCount: number },
  buffers: number,
  whole: Hash,
  sealing?: Sealing,
): AsyncGenerator<ReadPart> {
  const free: Buffer[] = [];
  let made = 0;
  let wake: (() => void) | undefined;
  const take = async (): Promise<Buffer> => {
    for (;;) {
      const buffer = free.pop() ?? (made < buffers ? (made++, Buffer.allocUnsafeSlow(plan.partSize)) : undefined);
      if (buffer) return buffer;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const file = await openBytes(path, sealing);
  try {
    for (let n = 1; n <= plan.partCount; n++) {
      const buffer = await take();
      const length = partLength(plan.size, plan, n);
      const start = (n - 1) * plan.partSize;
      const part = createHash("sha256");
      for (let at = 0; at < length;) {
        const { bytesRead } = await file.read(buffer, at, Math.min(CHUNK, length - at), start + at);
        if (bytesRead === 0) {
          throw cliError(EXIT.refused, `${path} got shorter while it was being uploaded; run the command again.`);
        }
        const chunk = buffer.subarray(at, at + bytesRead);
        part.update(chunk);
        whole.update(chunk);
        at += bytesRead;
      }
      let released = false;
      yield {
        partNumber: n,
        bytes: buffer.subarray(0, length),
        sha256: part.digest("base64"),
        release: () => {
          if (released) return;
          released = true;
          free.push(buffer);
          wake?.();
        },
      };
    }
  } finally {
    await file.close();
  }
}

/** Every part's SHA-256 and the whole file's in one read, before anything is sent: a share's files are all
 *  declared in POST /shares, so they are hashed first (the parts are read again to be sent). With `sealing`,
 *  of the file's encrypted bytes. */
export async function hashFileAndParts(
  path: string,
  partSize: number,
  onBytes: (n: number) => void = () => undefined,
  sealing?: Sealing,
): Promise<{ sha256: string; parts: string[] }> {
  const plainSize = (await stat(path)).size;
  const size = sealing === undefined ? plainSize : encryptedSize(plainSize);
  const plan = { size, partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
  const whole = createHash("sha256");
  const parts: string[] = [];
  for await (const part of readParts(path, plan, 1, whole, sealing)) {
    parts.push(part.sha256);
    onBytes(part.bytes.length);
    part.release();
  }
  return { sha256: whole.digest("base64"), parts };
}
