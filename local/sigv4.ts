// Checking an AWS Signature Version 4 request as AWS does, for the local DynamoDB (dynalite accepts anything):
// the signature is recomputed from the request with the SDK's own signer (@smithy/signature-v4) and the local
// key pair, and compared. Only header-signed requests (what every SDK and the AWS CLI send to DynamoDB).
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac, Hash, Hmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { LocalCredentials } from "./access";

/** Why a request was refused: no signature, an unknown key, a wrong signature, or one too old or too new. */
export type SigV4Refusal =
  { reason: "missing" } | { reason: "unknown-key" } | { reason: "mismatch" } | { reason: "expired"; signedAt: string };

/** How far a request's time may be from ours, as on AWS. */
const MAX_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Whether a Host header names this machine's loopback address (any port): a page served from another name
 *  that resolves to 127.0.0.1 (DNS rebinding) is not a client of the local servers. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.replace(/:\d+$/, "").toLowerCase();
  return name === "127.0.0.1" || name === "localhost" || name === "[::1]";
}

/** The SDK signer's hash interface over node:crypto (SHA-256, or HMAC-SHA-256 when given a key). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key =
      secret === undefined || typeof secret === "string"
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret);
    this.hash = key === undefined ? createHash("sha256") : createHmac("sha256", key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/** The time in an x-amz-date value (20261207T134500Z), or undefined if it is not one. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks a request's SigV4 Authorization header against `credentials` for `service`; undefined when it holds.
 * `body` is the whole request body (the signature covers its hash).
 */
export async function checkSigV4(
  req: Pick<IncomingMessage, "method" | "url" | "headers">,
  body: Buffer,
  credentials: LocalCredentials,
  service: string,
  now = new Date(),
): Promise<SigV4Refusal | undefined> {
  const header = req.headers.authorization;
  if (header === undefined) return { reason: "missing" };
  const m = AUTHORIZATION.exec(header);
  if (!m) return { reason: "mismatch" };
  const [, keyId, day, region, signedService, signedList, signature] = m as unknown as string[];
  // A session token names temporary credentials; the local servers have none.
  if (keyId !== credentials.accessKeyId || req.headers["x-amz-security-token"] !== undefined) {
    return { reason: "unknown-key" };
  }
  const amzDateHeader = req.headers["x-amz-date"];
  const amzDate = typeof amzDateHeader === "string" ? amzDateHeader : undefined;
  const signedAt = parseAmzDate(amzDate);
  const names = signedList!.split(";");
  if (
    signedService !== service ||
    signedAt === undefined ||
    !amzDate?.startsWith(day!) ||
    !names.includes("host") ||
    !names.includes("x-amz-date")
  ) {
    return { reason: "mismatch" };
  }
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) return { reason: "expired", signedAt: amzDate! };
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (value === undefined) return { reason: "mismatch" };
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const bodyHash = createHash("sha256").update(body).digest("hex");
  if (headers["x-amz-content-sha256"] !== undefined && headers["x-amz-content-sha256"] !== bodyHash) {
    return { reason: "mismatch" };
  }
  const url = new URL(req.url ?? "/", "http://local");
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  const signer = new SignatureV4({ credentials, region: region!, service, sha256: Sha256, applyChecksum: false });
  const expected = await signer.sign(
    {
      method: req.method ?? "GET",
      protocol: "http:",
      hostname: headers["host"] ?? "",
      path: url.pathname,
      query,
      headers,
      body,
    },
    { signingDate: signedAt, signableHeaders: new Set(names) },
  );
  const recomputed = AUTHORIZATION.exec(String(expected.headers["authorization"]));
  const same =
    recomputed !== null &&
    recomputed[5] === signedList &&
    timingSafeEqual(Buffer.from(recomputed[6] ?? ""), Buffer.from(signature!));
  return same ? undefined : { reason: "mismatch" };
}
