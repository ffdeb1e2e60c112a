// End-to-end encrypted shares made from Node as a client would: the CLI's own crypto (cli/crypto) encrypts the
// metadata and each part, POST /shares (or POST /uploads) declares the ciphertext, and the bytes go up through the
// pre-signed PUTs the API hands out (one PUT, or parts and complete). The plaintext is any function of the byte
// offset, so a 2 GiB file is made part by part without ever being held (tests/browser/encrypted-view.test.ts and
// bench/pageDownload.ts use this).
import { createCipheriv, createHash } from "node:crypto";
import { encryptedSize, encryptPart, fileKeys, newSalt, plainRangeOf } from "../cli/crypto/ece";
import { encryptMetadata, encryptTitle } from "../cli/crypto/metadata";
import { keyToFragment, newShareKey } from "../cli/crypto/shareKey";

/** The plaintext bytes [start, end) of a file. */
export type Plain = (start: number, end: number) => Buffer;

/** A file to share: its plaintext as bytes, or as a function of the offset with its size. */
export interface PlainFile {
  fileName: string;
  contentType: string;
  size: number;
  bytes: Plain;
  /** The size its encrypted metadata gives, when a test makes it differ from the bytes (default: size). */
  metadataSize?: number;
}

/** Bytes as a PlainFile's source. */
export const fromBuffer =
  (b: Buffer): Plain =>
  (start, end) =>
    b.subarray(start, end);

/** A seekable stream of incompressible bytes (AES-128-CTR of zeros under `seed`): byte i is the same whichever
 *  range asks for it, so the parts that share a record agree. */
export function streamOf(seed: string): Plain {
  const key = createHash("sha256").update(seed).digest().subarray(0, 16);
  return (start, end) => {
    const block = Math.floor(start / 16);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(block), 8);
    const cipher = createCipheriv("aes-128-ctr", key, iv);
    const out = cipher.update(Buffer.alloc(end - block * 16));
    return out.subarray(start - block * 16);
  };
}

/** The SHA-256 (hex) of a whole PlainFile, read in 16 MiB steps. */
export function plainSha256(f: PlainFile): string {
  const hash = createHash("sha256");
  for (let at = 0; at < f.size; at += 16 * 1024 * 1024)
    hash.update(f.bytes(at, Math.min(f.size, at + 16 * 1024 * 1024)));
  return hash.digest("hex");
}

export interface EncryptedShare {
  id: string;
  deleteToken: string;
  shareUrl: string;
  /** The share key, and the link with it as its fragment. */
  key: Buffer;
  link: string;
}

interface Planned {
  file?: number;
  method: "PUT" | "MULTIPART";
  uploadUrl?: string;
  headers?: Record<string, string>;
  multipart?: { partSize: number; partCount: number };
}

async function post(url: URL, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url.pathname}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** A PUT of `body` to a pre-signed URL. Tried again once when the connection was reset before an answer: undici
 *  may reuse a kept-alive connection the server is closing just then (its keep-alive timeout passed while the
 *  next part was being encrypted), and a PUT to the same URL is idempotent. */
async function put(url: string, headers: Record<string, string> | undefined, body: Buffer): Promise<Response> {
  const send = () => fetch(url, { method: "PUT", headers, body: new Uint8Array(body) });
  try {
    return await send();
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code !== "ECONNRESET") throw e;
    return send();
  }
}

/** Sends one file of `size` bytes along its plan (one PUT, or its parts two at a time and complete); `part` gives
 *  the bytes [start, end) as they go to S3. */
async function sendFile(
  apiUrl: string,
  created: { id: string; deleteToken: string },
  plan: Planned,
  size: number,
  part: (start: number, end: number) => Buffer,
) {
  const { id, deleteToken } = created;
  if (plan.method === "PUT") {
    const res = await put(plan.uploadUrl as string, plan.headers, part(0, size));
    if (res.status !== 200) throw new Error(`PUT: ${res.status} ${await res.text()}`);
    return;
  }
  const { partSize, partCount } = plan.multipart as { partSize: number; partCount: number };
  const owner = { "x-delete-token": deleteToken };
  const which = plan.file === undefined ? {} : { file: plan.file };
  const etags: { partNumber: number; etag: string }[] = [];
  const numbers = Array.from({ length: partCount }, (_, i) => i + 1);
  const sendPart = async (n: number) => {
    const signed = await post(new URL(`uploads/${id}/parts`, apiUrl), { ...which, parts: [{ partNumber: n }] }, owner);
    const p = signed.parts[0] as { url: string; headers: Record<string, string> };
    const body = part((n - 1) * partSize, Math.min(size, n * partSize));
    const res = await put(p.url, p.headers, body);
    if (res.status !== 200) throw new Error(`PUT part ${n}: ${res.status} ${await res.text()}`);
    etags.push({ partNumber: n, etag: res.headers.get("etag") ?? "" });
  };
  const queue = [...numbers];
  await Promise.all(
    [0, 1].map(async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) await sendPart(n);
    }),
  );
  etags.sort((a, b) => a.partNumber - b.partNumber);
  await post(new URL(`uploads/${id}/complete`, apiUrl), { ...which, parts: etags }, owner);
}

/** Makes an encrypted share of `files` through the API at `apiUrl`: POST /uploads for one file (unless
 *  `asShare`), POST /shares for several. `options` are the share's (password, maxDownloads, …). */
export async function createEncryptedShare(
  apiUrl: string,
  files: PlainFile[],
  options: { title?: string; asShare?: boolean; [field: string]: unknown } = {},
): Promise<EncryptedShare> {
  const key = newShareKey();
  const { title, asShare, ...shareOptions } = options;
  const describe = (f: PlainFile) => ({
    encryptedMetadata: encryptMetadata(key, {
      fileName: f.fileName,
      contentType: f.contentType,
      size: f.metadataSize ?? f.size,
    }),
    size: encryptedSize(f.size),
  });
  let created;
  let plans: Planned[];
  if (files.length === 1 && !asShare && title === undefined) {
    created = await post(new URL("uploads", apiUrl), {
      encryption: "aes128gcm",
      ...describe(files[0] as PlainFile),
      ...shareOptions,
    });
    plans = [created as Planned];
  } else {
    created = await post(new URL("shares", apiUrl), {
      encryption: "aes128gcm",
      ...(title === undefined ? {} : { encryptedTitle: encryptTitle(key, title) }),
      files: files.map(describe),
      ...shareOptions,
    });
    plans = created.files as Planned[];
  }
  for (const [i, plan] of plans.entries()) {
    const f = files[i] as PlainFile;
    const keys = fileKeys(key, newSalt());
    const part = (start: number, end: number) => {
      const range = plainRangeOf(f.size, start, end);
      return encryptPart(keys, f.size, f.bytes(range.start, range.end), start, end);
    };
    await sendFile(apiUrl, created, plan, encryptedSize(f.size), part);
  }
  return {
    id: created.id,
    deleteToken: created.deleteToken,
    shareUrl: created.shareUrl,
    key,
    link: `${created.shareUrl}#${keyToFragment(key)}`,
  };
}

/** The same file shared without encryption (POST /uploads), for comparisons. */
export async function createPlainShare(
  apiUrl: string,
  f: PlainFile,
  options: Record<string, unknown> = {},
): Promise<{ id: string; shareUrl: string }> {
  const created = await post(new URL("uploads", apiUrl), {
    fileName: f.fileName,
    contentType: f.contentType,
    size: f.size,
    ...options,
  });
  await sendFile(apiUrl, created, created as Planned, f.size, f.bytes);
  return { id: created.id, shareUrl: created.shareUrl };
}
