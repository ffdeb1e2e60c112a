// The up-front checksum pass of a multipart upload: the whole file's SHA-256 (recorded with the share) and each
// part's (signed into its part URL, checked by S3), from ONE read of the file, so that every part's checksum
// describes the same bytes as the whole file's. Two SHA-256s per byte would take twice one core; the part
// hashes run in a worker thread instead, on the other core, while this thread reads and hashes the whole.
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Worker } from "node:worker_threads";

/** Read size: 1 MiB read and hashed while still in the CPU cache was faster than 4 MiB or 256 KiB (measured). */
export const CHUNK = 1024 * 1024;
/** Chunks read and not yet hashed by the worker: memory stays at most this many chunks (8 MiB). */
const BUFFERS = 8;

// Plain JavaScript, so that it runs the same from cli/dist and from the sources under ts-node. Each message
// is a chunk (hashed, then its buffer sent back for reuse) or null (the end: the part digests are sent).
const PART_HASHER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const partSize = workerData.partSize;
const parts = [];
let hash = createHash("sha256");
let inPart = 0;
parentPort.on("message", (message) => {
  if (message === null) {
    if (inPart > 0) parts.push(hash.digest("base64"));
    parentPort.postMessage({ parts });
    return;
  }
  const bytes = new Uint8Array(message.buffer, 0, message.length);
  for (let at = 0; at < bytes.length; ) {
    const take = Math.min(bytes.length - at, partSize - inPart);
    hash.update(bytes.subarray(at, at + take));
    at += take;
    inPart += take;
    if (inPart === partSize) {
      parts.push(hash.digest("base64"));
      hash = createHash("sha256");
      inPart = 0;
    }
  }
  parentPort.postMessage({ buffer: message.buffer }, [message.buffer]);
});
`;

/** SHA-256 (base64) of a whole file and, from the same read, of each `partSize` slice of it. */
export async function hashFileAndParts(
  path: string,
  partSize: number,
  onBytes: (n: number) => void = () => undefined,
): Promise<{ sha256: string; parts: string[] }> {
  const file = await open(path, "r");
  const worker = new Worker(PART_HASHER, { eval: true, workerData: { partSize } });
  const free: ArrayBuffer[] = Array.from({ length: BUFFERS }, () => new ArrayBuffer(CHUNK));
  let waiting: (() => void) | undefined;
  let failure: Error | undefined;
  const parts = new Promise<string[]>((resolve, reject) => {
    const fail = (e: Error) => {
      failure = e;
      waiting?.();
      reject(e);
    };
    worker.on("message", (m: { buffer?: ArrayBuffer; parts?: string[] }) => {
      if (m.parts) return resolve(m.parts);
      if (m.buffer) free.push(m.buffer);
      waiting?.();
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the part hashing thread stopped (exit code ${code})`)));
  });
  parts.catch(() => undefined); // awaited below; a failure while reading is reported from there
  const whole = createHash("sha256");
  try {
    for (;;) {
      while (free.length === 0 && failure === undefined) await new Promise<void>((r) => (waiting = r));
      if (failure) throw failure;
      const buffer = free.pop() as ArrayBuffer;
      const { bytesRead } = await file.read(new Uint8Array(buffer), 0, CHUNK, null);
      if (bytesRead === 0) {
        free.push(buffer);
        break;
      }
      whole.update(new Uint8Array(buffer, 0, bytesRead));
      worker.postMessage({ buffer, length: bytesRead }, [buffer]);
      onBytes(bytesRead);
    }
    worker.postMessage(null);
    return { sha256: whole.digest("base64"), parts: await parts };
  } finally {
    await file.close();
    worker.removeAllListeners("exit");
    await worker.terminate();
  }
}
