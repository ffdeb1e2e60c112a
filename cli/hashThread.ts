// SHA-256 of a download's ranges, in order, on a thread of its own: the thread that reads the sockets is then
// free while ranges are hashed (on a busy machine a second thread also gets a second share of the CPU, as the
// several threads of `aws s3 cp` do). Ranges live in SharedArrayBuffers: nothing is copied to the thread.
import { Worker } from "node:worker_threads";

// Plain JavaScript, evaluated as the worker's code: the CLI is one bundled file, with no module to point at.
const CODE = `
const { parentPort } = require("node:worker_threads");
const hash = require("node:crypto").createHash("sha256");
parentPort.on("message", (m) => {
  if (m === "digest") return parentPort.postMessage(hash.digest("base64"));
  hash.update(new Uint8Array(m.buffer, 0, m.length));
  parentPort.postMessage(m.index);
});
`;

export interface HashThread {
  /** Hashes the first `length` bytes of `buffer` after everything given before; resolves once it is done. */
  add(index: number, buffer: SharedArrayBuffer, length: number): Promise<void>;
  /** The SHA-256 (base64) of everything added, once all of it is hashed; ends the thread. */
  digest(): Promise<string>;
  /** Ends the thread without a digest (a failed download). */
  stop(): Promise<void>;
}

export function hashThread(): HashThread {
  const worker = new Worker(CODE, { eval: true });
  const waiting = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  let digested: { resolve: (digest: string) => void; reject: (e: unknown) => void } | undefined;
  worker.on("message", (m: number | string) => {
    if (typeof m === "string") return digested?.resolve(m);
    waiting.get(m)?.resolve();
    waiting.delete(m);
  });
  worker.on("error", (e) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
    digested?.reject(e);
  });
  return {
    add: (index, buffer, length) =>
      new Promise((resolve, reject) => {
        waiting.set(index, { resolve, reject });
        worker.postMessage({ index, buffer, length });
      }),
    digest: async () => {
      try {
        return await new Promise<string>((resolve, reject) => {
          digested = { resolve, reject };
          worker.postMessage("digest");
        });
      } finally {
        await worker.terminate();
      }
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}
