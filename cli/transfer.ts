// Moving bytes: hashing a file in one streamed pass, and streaming a byte range of a file to a pre-signed URL.
// Memory stays flat: nothing holds more than a stream's buffer of the file.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { byteChunks, Sealing } from "./crypto/sealedFile";
import { cliError, EXIT } from "./errors";

/** SHA-256 (base64) of bytes [start, start+length) of a file (of its encrypted bytes, with `sealing`), streamed. */
export async function hashRange(
  path: string,
  range: { start: number; length: number } | undefined,
  onBytes: (n: number) => void = () => undefined,
  sealing?: Sealing,
): Promise<string> {
  const hash = createHash("sha256");
  const options = range ? { start: range.start, end: range.start + range.length - 1 } : {};
  const chunks =
    sealing !== undefined
      ? byteChunks(path, sealing, range)
      : (createReadStream(path, { ...options, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>);
  for await (const chunk of chunks) {
    hash.update(chunk);
    onBytes(chunk.length);
  }
  return hash.digest("base64");
}

/** Connections kept open between PUTs (one TLS or TCP handshake per connection, not per part). */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Sends bytes as the body of a PUT: [start, start+length) of a file (of its encrypted bytes, with `sealing`),
 *  streamed, or a buffer already read (a part, hashed when it was read). Resolves with the ETag.
 *  Failures that may pass (network, 5xx, 429, an expired URL's 403) are marked retryable. */
export function putRange(
  url: string,
  headers: Record<string, string>,
  file: { path: string; start: number; length: number; sealing?: Sealing } | Buffer,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const https = target.protocol === "https:";
    const req = (https ? httpsRequest : httpRequest)(target, {
      method: "PUT",
      headers: { ...headers, "Content-Length": String(file.length) },
      agent: https ? agents.https : agents.http,
      signal,
    });
    const fail = (message: string, retryable: boolean, storageCode = "") =>
      reject(Object.assign(cliError(EXIT.unavailable, message), { retryable, storageCode }));
    req.on("error", (e) =>
      fail(`the upload connection failed (${(e as { code?: string }).code ?? e.message})`, !signal?.aborted),
    );
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.length < 64 && chunks.push(c));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(String(res.headers["etag"] ?? ""));
        const text = Buffer.concat(chunks).toString("utf8");
        const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? "";
        const retryable = status === 429 || status >= 500 || code === "RequestTimeout" || /expired/i.test(text);
        fail(`storage refused the upload: ${status} ${code}`.trim(), retryable, code);
      });
      res.on("error", (e) => fail(`the upload connection failed (${e.message})`, true));
    });
    if (file.length === 0) return req.end();
    if (Buffer.isBuffer(file)) {
      // Written in slices, each counted when the socket has taken it: progress moves while the part goes.
      for (let at = 0; at < file.length; at += 1024 * 1024) {
        const slice = file.subarray(at, at + 1024 * 1024);
        req.write(slice, () => onBytes(slice.length));
      }
      return req.end();
    }
    const body =
      file.sealing !== undefined
        ? Readable.from(byteChunks(file.path, file.sealing, file), { objectMode: false })
        : createReadStream(file.path, {
            start: file.start,
            end: file.start + file.length - 1,
            highWaterMark: 256 * 1024,
          });
    body.on("data", (c: Buffer | string) => onBytes(c.length));
    body.on("error", (e: Error) => {
      req.destroy(e);
      reject(cliError(EXIT.failed, `cannot read the file: ${e.message}`));
    });
    body.pipe(req);
  });
}
