// Checks of client input against API.md, each failure with a message that says how to fix it.
import { RuntimeConfig } from "./config";
import { invalidRequest, tooLarge, unsupportedMediaType } from "./errors";

/** A validated POST /uploads body. */
export interface UploadRequest {
  fileName: string;
  contentType: string;
  size: number;
  sha256?: string;
  expiresInSeconds: number;
  /** Undefined = unlimited. */
  maxDownloads?: number;
}

/** The shortest share a client may ask for, seconds. */
export const MIN_SHARE_SECONDS = 60;

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// RFC 9110 media type: type "/" subtype *( ";" parameter ), tokens only.
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\]*"))*$`);
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
/** File ids: 128 random bits, base64url. */
export const FILE_ID = /^[A-Za-z0-9_-]{22}$/;

/** The type/subtype of a media type, lower case, without parameters. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function optionalInteger(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(`${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Validates a POST /uploads body against the stack's limits. */
export function parseUploadRequest(body: Record<string, unknown>, config: RuntimeConfig): UploadRequest {
  const { fileName, contentType, size, sha256 } = body;

  if (typeof fileName !== "string") throw invalidRequest("fileName is required and must be a string.");
  const name = fileName.trim();
  const length = [...name].length;
  if (length < 1 || length > 255) {
    throw invalidRequest(`fileName must be 1 to 255 characters after trimming; got ${length}.`);
  }
  if (CONTROL_CHARS.test(name)) throw invalidRequest("fileName must not contain control characters.");

  if (typeof contentType !== "string" || contentType.trim() === "") {
    throw invalidRequest('contentType is required, a MIME type such as "application/pdf".');
  }
  const type = contentType.trim();
  if (type.length > 255 || !MEDIA_TYPE.test(type)) {
    throw invalidRequest(`contentType ${JSON.stringify(type)} is not a valid MIME type such as "application/pdf".`);
  }
  const allowed = config.allowedContentTypes;
  if (allowed.length > 0 && !allowed.includes(mediaTypeEssence(type))) {
    throw unsupportedMediaType(
      `contentType ${mediaTypeEssence(type)} is not accepted here; allowed: ${allowed.join(", ")}.`,
    );
  }

  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
    throw invalidRequest(`size must be a positive integer number of bytes; got ${JSON.stringify(size)}.`);
  }
  if (size > config.maxFileSizeBytes) {
    throw tooLarge(`size ${size} is above the limit of ${config.maxFileSizeBytes} bytes.`);
  }

  if (sha256 !== undefined && (typeof sha256 !== "string" || !SHA256_BASE64.test(sha256))) {
    throw invalidRequest("sha256 must be the base64 encoding of a 32-byte SHA-256 digest (44 characters).");
  }

  const expiresInSeconds =
    optionalInteger(body, "expiresInSeconds", MIN_SHARE_SECONDS, config.maxShareTtlSeconds) ??
    config.defaultShareTtlSeconds;
  const maxDownloads =
    optionalInteger(body, "maxDownloads", 1, config.maxDownloadsLimit) ??
    (config.defaultMaxDownloads > 0 ? config.defaultMaxDownloads : undefined);

  return { fileName: name, contentType: type, size, sha256, expiresInSeconds, maxDownloads };
}
