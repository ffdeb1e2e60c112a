// Checks of client input against docs/api.md, each failure with a message that says how to fix it.
import { RuntimeConfig } from "../config/runtime";
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

// Control characters, the invisible format characters (bidi overrides, zero-width) and line separators that
// make a name display as something it is not, and lone surrogates (broken UTF-16 that cannot be encoded).
const UNSAFE_NAME_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;
// RFC 9110 media type: type "/" subtype *( OWS ";" OWS parameter ), parameter = token "=" ( token / quoted-string ).
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const QUOTED_STRING = '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t\\x20-\\x7e])*"';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}([ \\t]*;[ \\t]*${TOKEN}=(${TOKEN}|${QUOTED_STRING}))*$`);
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** The type/subtype of a media type, lower case, without parameters. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** A client value as an error message may quote it: short, so an error body never grows with the input. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function optionalInteger(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(
      `${field} must be an integer from ${min} to ${max} (omit it for the stack default); got ${quote(value)}.`,
    );
  }
  return value;
}

/** Validates a POST /uploads body against the stack's limits. */
export function parseUploadRequest(body: Record<string, unknown>, config: RuntimeConfig): UploadRequest {
  const { fileName, contentType, size, sha256 } = body;

  if (typeof fileName !== "string") throw invalidRequest("fileName is required and must be a string.");
  // 255 characters are at most 510 UTF-16 units: anything longer is refused before it is looked at closely.
  const name = fileName.length > 1020 ? fileName : fileName.trim().normalize("NFC");
  const length = name.length > 510 ? name.length : [...name].length;
  if (length < 1 || length > 255) {
    throw invalidRequest(`fileName must be 1 to 255 characters after trimming; got ${length}.`);
  }
  if (UNSAFE_NAME_CHARS.test(name)) {
    throw invalidRequest(
      "fileName must not contain control characters, invisible formatting characters (such as bidi overrides) or broken Unicode.",
    );
  }

  if (typeof contentType !== "string" || contentType.trim() === "") {
    throw invalidRequest('contentType is required, a MIME type such as "application/pdf".');
  }
  const type = contentType.trim();
  if (type.length > 255 || !MEDIA_TYPE.test(type)) {
    throw invalidRequest(`contentType ${quote(type)} is not a valid MIME type such as "application/pdf".`);
  }
  if (mediaTypeEssence(type).includes("*")) {
    throw invalidRequest(`contentType must be a concrete type such as "text/plain", not a range like ${quote(type)}.`);
  }
  const allowed = config.allowedContentTypes;
  if (allowed.length > 0 && !allowed.includes(mediaTypeEssence(type))) {
    throw unsupportedMediaType(
      `contentType ${mediaTypeEssence(type)} is not accepted here; allowed: ${allowed.join(", ")}.`,
    );
  }

  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
    throw invalidRequest(`size must be a positive integer number of bytes; got ${quote(size)}.`);
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
