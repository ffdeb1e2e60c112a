// Checks of client input against docs/api.md, each failure with a message that says how to fix it.
import { RuntimeConfig } from "../config/runtime";
import { CONFIG_NAMESPACE, envName, MAX_FILES_PER_SHARE_LIMIT, SettingKey } from "../config/schema";
import { EMAIL_ADDRESS, SHA256_BASE64 } from "../contract/api";
import { describeClash, pathClash, pathProblem } from "../contract/paths";
import { emailMatchKey } from "./auth";
import { invalidRequest, tooLarge, unsupportedMediaType } from "./errors";

/** A validated POST /uploads body. */
export interface UploadRequest {
  fileName: string;
  contentType: string;
  size: number;
  sha256?: string;
  /** The client will send a SHA-256 with every part of a multipart upload ("SHA256"), which S3 then checks. */
  checksumSha256: boolean;
  expiresInSeconds: number;
  /** Undefined = unlimited. */
  maxDownloads?: number;
  /** 8-128 characters; hashed before it is stored. */
  password?: string;
  /** De-duplicated emails, A-Z lowered (emailMatchKey); only on stacks with sign-in. */
  recipients?: string[];
}

/** Where a limit comes from, for an error message: the stack setting and npm start's variable, named by
 *  config/schema.ts's one rule (e.g. "fileshare:maxFileSizeBytes, locally FILESHARE_MAX_FILE_SIZE_BYTES"). */
export function limitSetting(key: SettingKey): string {
  return `${CONFIG_NAMESPACE}:${key}, locally ${envName(key)}`;
}

/** docs/api.md v1.1 limits of restricted shares. */
export const PASSWORD_LENGTH = { min: 8, max: 128 } as const;
export const MAX_RECIPIENTS = 50;

/** The optional password and recipients of POST /uploads. */
function parseRestrictions(body: Record<string, unknown>, config: RuntimeConfig) {
  const { password, recipients } = body;
  if (password !== undefined) {
    const length = typeof password === "string" ? [...password].length : -1;
    if (length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max) {
      throw invalidRequest(`password must be a string of ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`);
    }
  }
  if (recipients === undefined) return { password: password as string | undefined };
  if (config.authIssuer === "") {
    throw invalidRequest("recipients need sign-in, which this stack does not have; share with a password instead.");
  }
  if (!Array.isArray(recipients) || recipients.length < 1 || recipients.length > MAX_RECIPIENTS) {
    throw invalidRequest(`recipients must be a list of 1 to ${MAX_RECIPIENTS} email addresses.`);
  }
  const emails = recipients.map((r: unknown) => (typeof r === "string" ? emailMatchKey(r.trim()) : ""));
  const bad = emails.findIndex((e) => !EMAIL_ADDRESS.test(e));
  if (bad !== -1) throw invalidRequest(`recipients[${bad}] ${quote(recipients[bad])} is not an email address.`);
  return { password: password as string | undefined, recipients: [...new Set(emails)] };
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

/** The longest file name, in characters (Unicode code points, after trimming and NFC normalisation). */
export const MAX_FILE_NAME_CHARACTERS = 255;

/** The number of Unicode code points in `text`: its UTF-16 units less one per surrogate pair. */
function codePoints(text: string): number {
  return text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}

// What S3 and the SDK collapse when they sign a header (SigV4 "trimall"): a tab, or a run of spaces. A content type
// holding one is signed in a form that the value the client sends may not be, so no upload could ever match it.
const UNSIGNABLE_WHITESPACE = /\t| {2}/;

/** The type/subtype of a media type, lower case, without parameters. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** A client value as an error message may quote it: short, so an error body never grows with the input. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** An optional integer field from `min` to `max`, where `max` is the stack's setting `maxSetting`. */
function optionalInteger(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  maxSetting: SettingKey,
): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(
      `${field} must be an integer from ${min} to ${max} (omit it for the stack default; the most is the stack's setting ${limitSetting(maxSetting)}); got ${quote(value)}.`,
    );
  }
  return value;
}

/** One file as POST /uploads or one entry of POST /shares declares it. */
export type FileSpec = Pick<UploadRequest, "fileName" | "contentType" | "size" | "sha256" | "checksumSha256">;

/** The share's own options: how long it lives, how often it may be downloaded, who may open it. */
export type ShareOptions = Pick<UploadRequest, "expiresInSeconds" | "maxDownloads" | "password" | "recipients">;

/** Validates a POST /uploads body against the stack's limits. */
export function parseUploadRequest(body: Record<string, unknown>, config: RuntimeConfig): UploadRequest {
  return { ...parseFileSpec(body, config, ""), ...parseShareOptions(body, config) };
}

/** The file fields of `body`; each error message starts with `at` (e.g. "files[3].", empty for POST /uploads). */
function parseFileSpec(body: Record<string, unknown>, config: RuntimeConfig, at: string): FileSpec {
  const { fileName, contentType, size, sha256 } = body;

  if (typeof fileName !== "string") throw invalidRequest(`${at}fileName is required and must be a string.`);
  const name = normaliseText(fileName);
  const length = codePoints(name);
  if (length < 1 || length > MAX_FILE_NAME_CHARACTERS) {
    throw invalidRequest(
      `${at}fileName must be 1 to ${MAX_FILE_NAME_CHARACTERS} characters (Unicode code points) after trimming; got ${length}.`,
    );
  }
  if (UNSAFE_NAME_CHARS.test(name)) {
    throw invalidRequest(
      `${at}fileName must not contain control characters, invisible formatting characters (such as bidi overrides) or broken Unicode.`,
    );
  }

  if (typeof contentType !== "string" || contentType.trim() === "") {
    throw invalidRequest(`${at}contentType is required, a MIME type such as "application/pdf".`);
  }
  const type = contentType.trim();
  if (type.length > 255 || !MEDIA_TYPE.test(type)) {
    throw invalidRequest(`${at}contentType ${quote(type)} is not a valid MIME type such as "application/pdf".`);
  }
  if (UNSIGNABLE_WHITESPACE.test(type)) {
    throw invalidRequest(
      `${at}contentType must not contain tabs or repeated spaces (the upload URL could never match its signature); send ${quote(type.replace(/[ \t]+/g, " "))}.`,
    );
  }
  if (mediaTypeEssence(type).includes("*")) {
    throw invalidRequest(
      `${at}contentType must be a concrete type such as "text/plain", not a range like ${quote(type)}.`,
    );
  }
  const allowed = config.allowedContentTypes;
  if (allowed.length > 0 && !allowed.includes(mediaTypeEssence(type))) {
    throw unsupportedMediaType(
      `${at}contentType ${mediaTypeEssence(type)} is not accepted here; allowed: ${allowed.join(", ")} (the stack's setting ${limitSetting("allowedContentTypes")}).`,
    );
  }

  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
    throw invalidRequest(`${at}size must be a positive integer number of bytes; got ${quote(size)}.`);
  }
  if (size > config.maxFileSizeBytes) {
    throw tooLarge(
      `${at}size ${size} is above this stack's limit of ${config.maxFileSizeBytes} bytes (its setting ${limitSetting("maxFileSizeBytes")}).`,
    );
  }

  if (sha256 !== undefined && (typeof sha256 !== "string" || !SHA256_BASE64.test(sha256))) {
    throw invalidRequest(`${at}sha256 must be the base64 encoding of a 32-byte SHA-256 digest (44 characters).`);
  }

  const { checksumAlgorithm } = body;
  if (checksumAlgorithm !== undefined && checksumAlgorithm !== "SHA256") {
    throw invalidRequest(
      `${at}checksumAlgorithm must be "SHA256" (you will send a SHA-256 with each part), or be left out.`,
    );
  }
  return { fileName: name, contentType: type, size, sha256, checksumSha256: checksumAlgorithm === "SHA256" };
}

/** A name or title as stored: trimmed and NFC-normalised. Far too long a text is refused without either. */
function normaliseText(text: string): string {
  return text.length > 4 * MAX_FILE_NAME_CHARACTERS ? text : text.trim().normalize("NFC");
}

/** The share's options of a POST /uploads or POST /shares body. */
function parseShareOptions(body: Record<string, unknown>, config: RuntimeConfig): ShareOptions {
  const expiresInSeconds =
    optionalInteger(body, "expiresInSeconds", MIN_SHARE_SECONDS, config.maxShareTtlSeconds, "maxShareTtlSeconds") ??
    config.defaultShareTtlSeconds;
  const maxDownloads =
    optionalInteger(body, "maxDownloads", 1, config.maxDownloadsLimit, "maxDownloadsLimit") ??
    (config.defaultMaxDownloads > 0 ? config.defaultMaxDownloads : undefined);
  return { expiresInSeconds, maxDownloads, ...parseRestrictions(body, config) };
}

/** A validated POST /shares body (docs/api.md v1.2): the files in request order, numbered from 1 by place. */
export interface ShareRequest extends ShareOptions {
  files: FileSpec[];
  /** Trimmed and NFC-normalised; absent when not given. */
  title?: string;
}

/** The longest title, in characters (Unicode code points, after trimming and NFC normalisation). */
export const MAX_TITLE_CHARACTERS = 255;

/** Validates a POST /shares body: every file as POST /uploads would, each error naming the file ("files[3]."),
 *  then the names as paths (contract/paths.ts), then the count and the total against the stack's limits. */
export function parseShareRequest(body: Record<string, unknown>, config: RuntimeConfig): ShareRequest {
  const { files, title } = body;
  if (!Array.isArray(files) || files.length < 1) {
    throw invalidRequest('files must be a list of 1 or more files like {"fileName", "contentType", "size"}.');
  }
  if (files.length > config.maxFilesPerShare) {
    throw invalidRequest(
      `files has ${files.length} files; a share holds at most ${config.maxFilesPerShare} (the stack's setting ${limitSetting("maxFilesPerShare")}). Split them into several shares.`,
    );
  }
  const specs = files.map((file: unknown, i) => {
    if (typeof file !== "object" || file === null || Array.isArray(file)) {
      throw invalidRequest(`files[${i}] must be an object like {"fileName", "contentType", "size"}.`);
    }
    const spec = parseFileSpec(file as Record<string, unknown>, config, `files[${i}].`);
    const problem = pathProblem(spec.fileName);
    if (problem !== undefined) throw invalidRequest(`files[${i}].fileName ${quote(spec.fileName)} ${problem}.`);
    return spec;
  });
  const names = specs.map((f) => f.fileName);
  const clash = pathClash(names);
  if (clash !== undefined) throw invalidRequest(describeClash(names, clash));
  const totalSize = specs.reduce((sum, f) => sum + f.size, 0);
  if (totalSize > config.maxShareSizeBytes) {
    throw tooLarge(
      `The files add up to ${totalSize} bytes, above this stack's limit of ${config.maxShareSizeBytes} bytes for one share (its setting ${limitSetting("maxShareSizeBytes")}).`,
    );
  }
  let shareTitle: string | undefined;
  if (title !== undefined) {
    const text = typeof title === "string" ? normaliseText(title) : "";
    const length = codePoints(text);
    if (length < 1 || length > MAX_TITLE_CHARACTERS || UNSAFE_NAME_CHARS.test(text)) {
      throw invalidRequest(
        `title must be 1 to ${MAX_TITLE_CHARACTERS} characters (Unicode code points) after trimming, without control or invisible formatting characters; leave it out for none.`,
      );
    }
    shareTitle = text;
  }
  return {
    files: specs,
    ...(shareTitle !== undefined ? { title: shareTitle } : {}),
    ...parseShareOptions(body, config),
  };
}

/** The `file` of a body or query (docs/api.md v1.2: which file of the share the multipart and re-sign routes
 *  mean): an integer from 1, absent = 1, so that v1.1 clients (who never send it) mean their one file. Whether
 *  the share has that file is the route's question (404). */
export function parseFileNumber(value: unknown, from: "body" | "query" = "body"): number {
  if (value === undefined) return 1;
  // A query parameter is text; in a JSON body a number must be a number (as the route's request model says).
  const n = from === "query" && typeof value === "string" && /^[0-9]{1,4}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_FILES_PER_SHARE_LIMIT) {
    throw invalidRequest(
      `file must be the number of a file of the share, an integer from 1 (leave it out for file 1); got ${quote(value)}.`,
    );
  }
  return n;
}

/** The optional `files` of POST /files/{id}/download: distinct file numbers from 1 to `fileCount`, in the order
 *  given; undefined (all files) when absent. */
export function parseFileSelection(body: Record<string, unknown>, fileCount: number): number[] | undefined {
  const { files } = body;
  if (files === undefined) return undefined;
  const ok =
    Array.isArray(files) &&
    files.length >= 1 &&
    files.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= fileCount) &&
    new Set(files).size === files.length;
  if (!ok) {
    throw invalidRequest(
      `files must be a list of distinct file numbers from 1 to ${fileCount} (this share's files), or be left out for all; got ${quote(files)}.`,
    );
  }
  return files as number[];
}

/** One part in a POST /uploads/{id}/parts or /complete body. */
export interface PartRef {
  partNumber: number;
  sha256?: string;
  etag?: string;
}

/**
 * Validates the `parts` list of a parts or complete request: objects with an integer partNumber from 1 to
 * `partCount`, and the given string field (`sha256`, optional, or `etag`, required) well-formed.
 */
export function parsePartList(
  body: Record<string, unknown>,
  partCount: number,
  field: "sha256" | "etag",
  maxLength: number,
): PartRef[] {
  const { parts } = body;
  if (!Array.isArray(parts) || parts.length < 1 || parts.length > maxLength) {
    throw invalidRequest(`parts must be a list of 1 to ${maxLength} objects like {"partNumber": 1, ...}.`);
  }
  return parts.map((part: unknown, i): PartRef => {
    const p = (typeof part === "object" && part !== null ? part : {}) as Record<string, unknown>;
    const n = p["partNumber"];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > partCount) {
      throw invalidRequest(`parts[${i}].partNumber must be an integer from 1 to ${partCount}; got ${quote(n)}.`);
    }
    const value = p[field];
    if (field === "sha256") {
      if (value !== undefined && (typeof value !== "string" || !SHA256_BASE64.test(value))) {
        throw invalidRequest(`part ${n}: sha256 must be the base64 SHA-256 of the part (44 characters).`);
      }
      return value === undefined ? { partNumber: n } : { partNumber: n, sha256: value };
    }
    if (typeof value !== "string" || value === "" || value.length > 1024) {
      throw invalidRequest(`part ${n}: etag is required, the ETag S3 answered when the part was uploaded.`);
    }
    return { partNumber: n, etag: value };
  });
}

/** The password of a POST /files/{id}/unlock body: required on every share, as the route's schema says (a share
 *  without a password has nothing to unlock, but a body that breaks the schema is still a 400). */
export function parseUnlockRequest(body: Record<string, unknown>): string {
  const { password } = body;
  if (typeof password !== "string" || password === "") {
    throw invalidRequest('Send the share\'s password in the JSON body, {"password": "..."}.');
  }
  return password;
}
