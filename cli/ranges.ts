// Downloading a large file as several ranged GETs at once (as `aws s3 cp` does), each written in place into the
// partial file; the SHA-256 is still computed over the bytes in order, as each range's turn comes. Memory stays
// flat: a few range buffers, reused, and a range is only fetched into a free one.
import { Hash } from "node:crypto";
import { FileHandle } from "node:fs/promises";
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { cliError, EXIT } from "./errors";
import { retry } from "./retry";

export const RANGE = 8 * 1024 * 1024;
export const RANGES_AT_ONCE = 4;
/** Range buffers: one per GET in flight and two finished ones waiting for their turn to be hashed. */
const BUFFERS = RANGES_AT_ONCE + 2;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** The storage answered a range with the whole object (200): it does not serve ranges. */
export class RangesUnsupported extends Error {}

/** GETs bytes [start, start+length) into `into`; rejects unless the storage answers exactly those bytes (206). */
function getRange(url: string, start: number, length: number, into: Buffer): Promise<void> {
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
        chunk.copy(into, at);
        at += chunk.length;
      });
      res.on("error", (e) => reject(broke(e.message)));
      res.on("end", () => (at === length ? resolve() : reject(broke(`got ${at} of ${length} bytes of a range`))));
    });
    req.end();
  });
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
  const free: Buffer[] = [];
  let made = 0;
  const waiting: (() => void)[] = [];
  const finished = new Map<number, { buffer: Buffer; length: number }>();
  let nextToHash = 0;
  let nextToFetch = 0;
  let failure: unknown;
  const giveBack = (buffer: Buffer) => {
    free.push(buffer);
    waiting.shift()?.();
  };
  // A range's number is given with its buffer, in order: the range next to be hashed always holds a buffer, so
  // finished ranges waiting for it can never take them all.
  const take = async (): Promise<{ index: number; buffer: Buffer } | undefined> => {
    for (;;) {
      if (failure !== undefined || nextToFetch >= count) return undefined;
      const buffer = free.pop() ?? (made < BUFFERS ? (made++, Buffer.allocUnsafeSlow(RANGE)) : undefined);
      if (buffer) {
        if (failure !== undefined || nextToFetch >= count) {
          giveBack(buffer);
          return undefined;
        }
        return { index: nextToFetch++, buffer };
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const worker = async () => {
    for (let got = await take(); got !== undefined; got = await take()) {
      const { index, buffer } = got;
      const start = index * RANGE;
      const length = Math.min(RANGE, size - start);
      try {
        await retry(() => getRange(url, start, length, buffer), { attempts: 3 });
        for (let at = 0; at < length;) {
          at += (await handle.write(buffer, at, length - at, start + at)).bytesWritten;
        }
        onBytes(length);
        finished.set(index, { buffer, length });
        for (let ready = finished.get(nextToHash); ready !== undefined; ready = finished.get(nextToHash)) {
          finished.delete(nextToHash++);
          hash.update(ready.buffer.subarray(0, ready.length));
          giveBack(ready.buffer);
        }
      } catch (e) {
        failure ??= e;
        giveBack(buffer);
        waiting.splice(0).forEach((w) => w());
      }
    }
  };
  await Promise.all(Array.from({ length: RANGES_AT_ONCE }, worker));
  if (failure !== undefined) throw failure;
  if (nextToHash !== count) throw new Error(`hashed ${nextToHash} of ${count} ranges`);
}
