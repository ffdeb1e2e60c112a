// Client helpers for the local-mode tests: the API walk with fetch, and raw HTTP/1.1 text over a TCP socket
// (what curl sends), so the gateway is also proven against requests no HTTP library tidied up.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { waitFor } from "../support/wait";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd === -1) throw new Error("truncated chunked body");
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1").split(";")[0] as string, 16);
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Sends one request as raw HTTP/1.1 text (Connection: close) and parses the raw answer. */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<RawResponse> {
  const target = new URL(url);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`];
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "host")) lines.push(`Host: ${target.host}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (payload !== undefined) lines.push(`Content-Length: ${payload.length}`);
  lines.push("Connection: close", "", "");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10000, () => socket.destroy(new Error(`no answer to raw ${method} ${url}`)));
    socket.on("connect", () => {
      socket.write(lines.join("\r\n"));
      if (payload !== undefined) socket.write(payload);
    });
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("end", () => {
      try {
        const data = Buffer.concat(chunks);
        const headEnd = data.indexOf("\r\n\r\n");
        const head = data.subarray(0, headEnd).toString("latin1").split("\r\n");
        const status = Number((head[0] ?? "").split(" ")[1]);
        const parsed: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(":");
          parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        let rest: Buffer = data.subarray(headEnd + 4);
        if (parsed["transfer-encoding"] === "chunked") rest = decodeChunked(rest);
        resolve({ status, headers: parsed, body: rest });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Parses a raw response's JSON body. */
export function rawJson<T = Record<string, unknown>>(response: RawResponse): T {
  return JSON.parse(response.body.toString("utf8")) as T;
}

/** Random test content: incompressible bytes, so a wrong or truncated copy cannot compare equal. */
export const testBytes = (size: number) => randomBytes(size);

/** The POST /uploads answer (docs/api.md). */
export interface CreatedUpload {
  id: string;
  fileKey: string;
  uploadUrl: string;
  method: string;
  headers: Record<string, string>;
  expiresIn: number;
  expiresAt: string;
  shareUrl: string;
  deleteToken: string;
}

/** Shares `bytes` through the API with fetch: create, PUT to the pre-signed URL, wait until available. */
export async function shareWithFetch(
  base: string,
  file: { name: string; type: string; bytes: Buffer; maxDownloads?: number; expiresInSeconds?: number },
  options: { put?: boolean } = {},
): Promise<CreatedUpload> {
  const created = await fetch(new URL("uploads", base), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      fileName: file.name,
      contentType: file.type,
      size: file.bytes.length,
      maxDownloads: file.maxDownloads,
      expiresInSeconds: file.expiresInSeconds,
    }),
  });
  if (created.status !== 201) throw new Error(`POST /uploads: ${created.status} ${await created.text()}`);
  const upload = (await created.json()) as CreatedUpload;
  if (options.put === false) return upload;
  const put = await fetch(upload.uploadUrl, {
    method: upload.method,
    headers: upload.headers,
    body: new Uint8Array(file.bytes),
  });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  await waitFor(
    async () => {
      const res = await fetch(new URL(`files/${upload.id}`, base), { headers: { Accept: "application/json" } });
      const body = (await res.json()) as { status?: string };
      return body.status === "available";
    },
    { what: `file ${upload.id} to become available` },
  );
  return upload;
}
