// Downloading a large file as several ranged GETs at once (as `aws s3 cp` does), each written in place into the
// partial file; the SHA-256 is still computed over the bytes in order, as each range's turn comes. Memory stays
// flat: at most a few ranges are held, and a range is only fetched when one of those places is free. A range is
// kept as the pieces the HTTP parser handed over (it has copied them out of the socket already): copying them
// once more into one buffer cost about a sixth of the download's CPU.
import { Hash } from "node:crypto";
import { FileHandle } from "node:fs/promises";
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { cliError, EXIT } from "./errors";
import { retry } from "./retry";

export const RANGE = 8 * 1024 * 1024;
export const RANGES_AT_ONCE = 4;
/** Ranges held at once: one per GET in flight and two finished ones waiting for their turn to be hashed. */
const HELD = RANGES_AT_ONCE + 2;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** The storage answered a range with the whole object (200): it does not serve ranges. */
export class RangesUnsupported extends Error {}

/** GETs bytes [start, start+length); resolves with them as received, rejects unless the storage answers exactly
 *  those bytes (206). */
function getRange(url: string, start: number, length: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const https = target.protocol === "https:";
    const req = (https ? httpsRequest : httpRequest)(target, {
      headers: { Range: `bytes=${start}-${start + length - 1}` },
      agent: https ? agents.https : agents.http,
    });
    const broke = (why: string) =>
      Object.assign(cliError(EXIT.unavailable, `The download broke off (${why}); run the command again.`), {
        retryable: true,
      });
    req.on("error", (e) => reject(broke((e as { code?: string }).code ?? e.message)));
    req.on("response", (res: IncomingMessage) => {
      if (res.statusCode === 200) {
        res.destroy();
        return reject(new RangesUnsupported());
      }
      if (res.statusCode !== 206) {
        res.resume();
        const retryable = (res.statusCode ?? 0) >= 500 || res.statusCode === 429;
        return reject(
          Object.assign(
            cliError(
              EXIT.unavailable,
              `The storage answered ${res.statusCode} to the download; run the command again.`,
            ),
            { retryable },
          ),
        );
      }
      let at = 0;
      const pieces: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (at + chunk.length > length) {
          res.destroy();
          return reject(
            cliError(
              EXIT.verification,
              "The storage sent more than the range asked for; the download was stopped and the partial file deleted.",
            ),
          );
        }
        pieces.push(chunk);
        at += chunk.length;
      });
      res.on("error", (e) => reject(broke(e.message)));
      res.on("end", () => (at === length ? resolve(pieces) : reject(broke(`got ${at} of ${length} bytes of a range`))));
    });
    req.end();
  });
}

/** Writes `pieces` at `position`, all of them (a vectored write may take fewer bytes than given). */
async function writeAll(handle: FileHandle, pieces: Buffer[], position: number): Promise<void> {
  const left = pieces.filter((piece) => piece.length > 0);
  while (left.length > 0) {
    let written = (await handle.writev(left, position)).bytesWritten;
    if (written === 0) throw new Error("the disk took none of a range's bytes");
    position += written;
    while (left.length > 0 && written >= left[0]!.length) written -= left.shift()!.length;
    if (written > 0) left[0] = left[0]!.subarray(written);
  }
}

/** Downloads `size` bytes from `url` into `handle` in ranges, RANGES_AT_ONCE at a time, hashing them in order. */
export async function downloadRanges(
  url: string,
  size: number,
  handle: FileHandle,
  hash: Hash,
  onBytes: (n: number) => void,
): Promise<void> {
  const count = Math.ceil(size / RANGE);
  let free = HELD;
  const waiting: (() => void)[] = [];
  const finished = new Map<number, Buffer[]>();
  let nextToHash = 0;
  let nextToFetch = 0;
  let failure: unknown;
  const giveBack = () => {
    free++;
    waiting.shift()?.();
  };
  // A range's number is given with its place, in order: the range next to be hashed always holds a place, so
  // finished ranges waiting for it can never take them all.
  const take = async (): Promise<number | undefined> => {
    for (;;) {
      if (failure !== undefined || nextToFetch >= count) return undefined;
      if (free > 0) {
        free--;
        return nextToFetch++;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const worker = async () => {
    for (let index = await take(); index !== undefined; index = await take()) {
      const start = index * RANGE;
      const length = Math.min(RANGE, size - start);
      try {
        const pieces = await retry(() => getRange(url, start, length), { attempts: 3 });
        await writeAll(handle, pieces, start);
        onBytes(length);
        finished.set(index, pieces);
        for (let ready = finished.get(nextToHash); ready !== undefined; ready = finished.get(nextToHash)) {
          finished.delete(nextToHash++);
          for (const piece of ready) hash.update(piece);
          giveBack();
        }
      } catch (e) {
        failure ??= e;
        giveBack();
        waiting.splice(0).forEach((w) => w());
      }
    }
  };
  await Promise.all(Array.from({ length: RANGES_AT_ONCE }, worker));
  if (failure !== undefined) throw failure;
  if (nextToHash !== count) throw new Error(`hashed ${nextToHash} of ${count} ranges`);
}
