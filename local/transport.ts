// The local gateway's transport limits: how large a request body may be and how it is read, and how long a client
// may take to send a request (local/gateway.ts explains where these differ from API Gateway).
import { IncomingMessage } from "node:http";

/** Largest request body the gateway reads, bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How long a client may take to send a whole request, and its headers, ms (Node's own defaults are 300 s / 60 s). */
export const REQUEST_TIMEOUT_MS = 30_000;
export const HEADERS_TIMEOUT_MS = 10_000;

/** Beyond this many bytes a too-large body is no longer drained: the connection is cut instead. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

/**
 * Reads the body up to `limit` bytes; resolves undefined when it is larger. A moderately larger body is
 * still read to its end (and dropped) so that the client gets the 413 instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > MAX_DRAIN_BYTES) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) {
        req.removeAllListeners("data");
        req.pause();
        resolve(undefined);
      }
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
    // Without this, a client that hangs up mid-body would leave the promise pending forever.
    req.on("close", () => {
      if (!req.complete)
        reject(Object.assign(new Error("the client closed the connection mid-request"), { code: "ECONNRESET" }));
    });
  });
}
