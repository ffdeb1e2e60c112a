// Downloading a large file as several ranged GETs at once (as `aws s3 cp` does), each written in place into the
// partial file; the SHA-256 is still computed over the bytes in order, as each range's turn comes, on a thread of its own
// (cli/hashThread.ts). Memory stays
// flat: a few range buffers are allocated once and reused, and a range is only fetched when one of them is free.
// Each GET reads straight into its buffer over a kept-alive connection of its own (cli/rangeConnection.ts).
import { FileHandle } from "node:fs/promises";
import { hashThread } from "./hashThread";
import { RangeConnection, RangesUnsupported } from "./rangeConnection";
import { retry } from "./retry";

export { RangesUnsupported };

export const RANGE = 8 * 1024 * 1024;
export const RANGES_AT_ONCE = 4;
/** Range buffers: one per GET in flight and two finished ones waiting for their turn to be hashed (or written). */
const HELD = RANGES_AT_ONCE + 2;

interface Got {
  index: number;
  /** Shared with the hashing thread. */
  shared: SharedArrayBuffer;
  buffer: Buffer;
  /** The range's bytes: the start of its buffer. */
  bytes: Buffer;
  written?: boolean;
  hashed?: boolean;
}

/** Writes `bytes` at `position`, all of them (a write may take fewer bytes than given). */
async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, position + at);
    if (bytesWritten === 0) throw new Error("the disk took none of a range's bytes");
    at += bytesWritten;
  }
}

/** Downloads `size` bytes from `url` into `handle` in ranges, RANGES_AT_ONCE at a time, hashing them in order;
 *  resolves with their SHA-256 (base64). */
export async function downloadRanges(
  url: string,
  size: number,
  handle: FileHandle,
  onBytes: (n: number) => void,
): Promise<string> {
  const count = Math.ceil(size / RANGE);
  const free: { shared: SharedArrayBuffer; buffer: Buffer }[] = [];
  const hasher = hashThread();
  let allocated = 0;
  const waiting: (() => void)[] = [];
  /** Ranges received and not yet hashed, by number. */
  const finished = new Map<number, Got>();
  const writes = new Set<Promise<void>>();
  const hashes = new Set<Promise<void>>();
  let nextToHash = 0;
  let nextToFetch = 0;
  let failure: unknown;
  const failWith = (e: unknown) => {
    failure ??= e;
    waiting.splice(0).forEach((w) => w());
  };
  // A buffer is free again once its range is both written and hashed.
  const release = (got: Got) => {
    if (!got.written || !got.hashed) return;
    free.push(got);
    waiting.shift()?.();
  };
  // A range's number is given with its buffer, in order: the range next to be hashed always holds one, so
  // finished ranges waiting for it can never take them all.
  const take = async (): Promise<{ index: number; shared: SharedArrayBuffer; buffer: Buffer } | undefined> => {
    for (;;) {
      if (failure !== undefined || nextToFetch >= count) return undefined;
      let place = free.pop();
      if (place === undefined && allocated < Math.min(HELD, count)) {
        allocated++;
        const shared = new SharedArrayBuffer(RANGE);
        place = { shared, buffer: Buffer.from(shared) };
      }
      if (place !== undefined) return { index: nextToFetch++, shared: place.shared, buffer: place.buffer };
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const worker = async () => {
    const connection = new RangeConnection(url);
    try {
      for (let next = await take(); next !== undefined; next = await take()) {
        const start = next.index * RANGE;
        const got: Got = { ...next, bytes: next.buffer.subarray(0, Math.min(RANGE, size - start)) };
        try {
          await retry(() => connection.get(start, got.bytes), { attempts: 3 });
        } catch (e) {
          failWith(e);
          break;
        }
        onBytes(got.bytes.length);
        const write = writeAll(handle, got.bytes, start).then(() => {
          got.written = true;
          release(got);
        }, failWith);
        writes.add(write);
        finished.set(got.index, got);
        for (let ready = finished.get(nextToHash); ready !== undefined; ready = finished.get(nextToHash)) {
          finished.delete(nextToHash++);
          hashes.add(
            hasher.add(ready.index, ready.shared, ready.bytes.length).then(() => {
              ready.hashed = true;
              release(ready);
            }, failWith),
          );
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: RANGES_AT_ONCE }, worker));
  await Promise.all([...writes, ...hashes]);
  if (failure !== undefined || nextToHash !== count) {
    await hasher.stop();
    throw failure ?? new Error(`hashed ${nextToHash} of ${count} ranges`);
  }
  return hasher.digest();
}
