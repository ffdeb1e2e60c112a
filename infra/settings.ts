// The stack's settings: one schema, validated in one place. Pure TypeScript (no @pulumi import) so that
// the Pulumi program (infra/config.ts) and the local mode (local/) read the same keys the same way.
import type { RuntimeConfig } from "../handlers/config";

/** Everything a stack can configure, after validation. */
export interface Settings {
  /** Lifetime of a pre-signed upload (PUT) URL, seconds. @default 300 */
  uploadUrlTtlSeconds: number;
  /** Lifetime of a pre-signed download (GET) URL, seconds. @default 60 */
  downloadUrlTtlSeconds: number;
  /** How long a share lives when the client does not say, seconds. @default 86400 */
  defaultShareTtlSeconds: number;
  /** The longest share a client may ask for, seconds. @default 604800 */
  maxShareTtlSeconds: number;
  /** Largest file accepted, bytes (above multipartThresholdBytes it goes up in parts). @default 104857600 */
  maxFileSizeBytes: number;
  /** Files larger than this go up as S3 multipart uploads, bytes. @default 104857600 */
  multipartThresholdBytes: number;
  /** The smallest part of a multipart upload, bytes (the server grows it so a file fits in 10,000 parts). @default 16777216 */
  multipartPartSizeBytes: number;
  /** Days after which S3 aborts a multipart upload that was never completed. @default 8 */
  multipartAbortDays: number;
  /** MIME types accepted (type/subtype, lower case); empty = any. @default [] */
  allowedContentTypes: string[];
  /** Download limit when the client gives none; 0 = unlimited. @default 0 */
  defaultMaxDownloads: number;
  /** The highest download limit a client may ask for. @default 1000 */
  maxDownloadsLimit: number;
  /** Origins (scheme://host[:port]) allowed to call the API and the bucket from a browser. */
  corsOrigins: string[];
  /** CloudWatch log retention, days (one of CloudWatch's allowed values). @default 14 */
  logRetentionDays: number;
  /** Protect the bucket and table from deletion, with point-in-time recovery (prod). @default false */
  protectData: boolean;
  /** API Gateway steady-state request rate per second, per method (API Gateway applies stage limits per method). @default 10 */
  apiThrottleRateLimit: number;
  /** API Gateway burst capacity per method, requests. @default 20 */
  apiThrottleBurstLimit: number;
}

type Kind = "integer" | "boolean" | "array";

/** One config key: its type, default, description and the check that its value must pass. */
export interface SettingSpec {
  key: keyof Settings;
  type: Kind;
  default: number | boolean | string[];
  description: string;
  /** Returns what is wrong with the value, or undefined when it is fine. */
  check?: (value: never) => string | undefined;
}

/** The values CloudWatch Logs accepts for retentionInDays. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** S3 accepts at most 5 GiB in one PUT. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
/** S3's largest object: 10,000 parts of up to 5 GiB each, capped at 5 TiB. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** S3's smallest part (every part but the last). */
export const MIN_PART_BYTES = 5 * 1024 ** 2;

const range = (min: number, max: number) => (v: number) =>
  v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`;

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

/** The schema: Pulumi.yaml declares exactly these keys with these types and defaults (a test keeps them equal). */
export const SETTINGS: readonly SettingSpec[] = [
  {
    key: "uploadUrlTtlSeconds",
    type: "integer",
    default: 300,
    description: "Lifetime of a pre-signed upload URL, in seconds (60-3600).",
    check: range(60, 3600),
  },
  {
    key: "downloadUrlTtlSeconds",
    type: "integer",
    default: 60,
    description: "Lifetime of a pre-signed download URL, in seconds (1-300).",
    check: range(1, 300),
  },
  {
    key: "defaultShareTtlSeconds",
    type: "integer",
    default: 86400,
    description: "How long a share lives when the client does not ask, in seconds (60-maxShareTtlSeconds).",
    check: range(60, 31536000),
  },
  {
    key: "maxShareTtlSeconds",
    type: "integer",
    default: 604800,
    description: "The longest share a client may ask for, in seconds (60-31536000).",
    check: range(60, 31536000),
  },
  {
    key: "maxFileSizeBytes",
    type: "integer",
    default: 104857600,
    description: `Largest file accepted, in bytes (1-${MAX_OBJECT_BYTES}, S3's 5 TiB object limit; files above multipartThresholdBytes go up in parts).`,
    check: range(1, MAX_OBJECT_BYTES),
  },
  {
    key: "multipartThresholdBytes",
    type: "integer",
    default: 104857600,
    description: `Files larger than this go up as multipart uploads (resumable, in parallel parts), in bytes (${MIN_PART_BYTES}-${MAX_SINGLE_PUT_BYTES}).`,
    check: range(MIN_PART_BYTES, MAX_SINGLE_PUT_BYTES),
  },
  {
    key: "multipartPartSizeBytes",
    type: "integer",
    default: 16777216,
    description: `The smallest part of a multipart upload, in bytes (${MIN_PART_BYTES}-${MAX_SINGLE_PUT_BYTES}); larger files get larger parts so that they fit in 10,000.`,
    check: range(MIN_PART_BYTES, MAX_SINGLE_PUT_BYTES),
  },
  {
    key: "multipartAbortDays",
    type: "integer",
    default: 8,
    description:
      "Days after which S3 aborts an unfinished multipart upload and frees its parts (at least the longest share in days: no part URL outlives its share, so an upload cannot go on longer).",
    check: range(1, 3650),
  },
  {
    key: "allowedContentTypes",
    type: "array",
    default: [],
    description: 'MIME types accepted, e.g. ["application/pdf","image/png"]; empty means any type.',
    check: (v: string[]) => {
      const bad = v.find((t) => typeof t !== "string" || !MIME.test(t));
      return bad === undefined ? undefined : `has ${JSON.stringify(bad)}, which is not a lower-case type/subtype`;
    },
  },
  {
    key: "defaultMaxDownloads",
    type: "integer",
    default: 0,
    description: "Download limit when the client gives none; 0 means unlimited (0-maxDownloadsLimit).",
    check: range(0, 1000000),
  },
  {
    key: "maxDownloadsLimit",
    type: "integer",
    default: 1000,
    description: "The highest maxDownloads a client may ask for (1-1000000).",
    check: range(1, 1000000),
  },
  {
    key: "corsOrigins",
    type: "array",
    default: ["http://localhost:3000", "http://127.0.0.1:3000"],
    description:
      'Browser origins allowed to call the API and the bucket, e.g. ["https://files.example.com"]; never "*".',
    check: (v: string[]) => {
      const bad = v.find((o) => typeof o !== "string" || !ORIGIN.test(o));
      return bad === undefined
        ? undefined
        : `has ${JSON.stringify(bad)}, which is not an origin like "https://files.example.com" (scheme and host, lower case, no path, no "*")`;
    },
  },
  {
    key: "logRetentionDays",
    type: "integer",
    default: 14,
    description: "How many days CloudWatch keeps the logs (a CloudWatch value: 1, 3, 5, 7, 14, 30, 60, 90, ...).",
    check: (v: number) =>
      (LOG_RETENTION_DAYS as readonly number[]).includes(v)
        ? undefined
        : `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
  },
  {
    key: "protectData",
    type: "boolean",
    default: false,
    description:
      "Keep the data: protect the bucket and table from deletion and turn on point-in-time recovery (prod). When false the bucket is emptied on destroy.",
  },
  {
    key: "apiThrottleRateLimit",
    type: "integer",
    default: 10,
    description:
      "API Gateway steady-state request rate per method (each route and each preflight has its own), requests per second (1-10000).",
    check: range(1, 10000),
  },
  {
    key: "apiThrottleBurstLimit",
    type: "integer",
    default: 20,
    description: "API Gateway burst capacity per method, in requests (1-5000).",
    check: range(1, 5000),
  },
];

/** Thrown for an invalid setting; the message names the key and what is allowed. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** Reads a raw value the way `pulumi config set` stores it: a string, or JSON for arrays. */
function parse(spec: SettingSpec, raw: unknown, prefix: string): number | boolean | string[] {
  const name = `${prefix}${spec.key}`;
  const text = typeof raw === "string" ? raw.trim() : raw;
  switch (spec.type) {
    case "integer": {
      const n = typeof text === "number" ? text : typeof text === "string" && /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) throw new SettingsError(`${name}: ${JSON.stringify(raw)} is not an integer.`);
      return n;
    }
    case "boolean":
      if (text === true || text === "true") return true;
      if (text === false || text === "false") return false;
      throw new SettingsError(`${name}: ${JSON.stringify(raw)} is not a boolean; use true or false.`);
    case "array": {
      let value: unknown = text;
      if (typeof text === "string") {
        try {
          value = JSON.parse(text);
        } catch {
          throw new SettingsError(`${name}: ${JSON.stringify(raw)} is not a JSON array, e.g. ["a","b"].`);
        }
      }
      if (!Array.isArray(value) || value.some((x) => typeof x !== "string")) {
        throw new SettingsError(`${name}: ${JSON.stringify(raw)} is not an array of strings.`);
      }
      return value as string[];
    }
  }
}

/**
 * Validates raw config values (from `pulumi.Config`, a stack YAML file or the environment) into Settings.
 * Missing keys take their defaults. Throws a SettingsError naming the first bad key and its allowed range.
 * `prefix` is how keys are shown in messages, e.g. "fileshare:".
 */
export function parseSettings(raw: Partial<Record<keyof Settings, unknown>>, prefix = "fileshare:"): Settings {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const given = raw[spec.key];
    const value = given === undefined || given === null ? spec.default : parse(spec, given, prefix);
    const problem = spec.check?.(value as never);
    if (problem) throw new SettingsError(`${prefix}${spec.key}: ${JSON.stringify(value)} ${problem}.`);
    out[spec.key] = value;
  }
  const s = out as unknown as Settings;
  const cross: [boolean, string][] = [
    [
      s.defaultShareTtlSeconds <= s.maxShareTtlSeconds,
      `${prefix}defaultShareTtlSeconds (${s.defaultShareTtlSeconds}) must not exceed ${prefix}maxShareTtlSeconds (${s.maxShareTtlSeconds}).`,
    ],
    [
      s.defaultMaxDownloads <= s.maxDownloadsLimit,
      `${prefix}defaultMaxDownloads (${s.defaultMaxDownloads}) must not exceed ${prefix}maxDownloadsLimit (${s.maxDownloadsLimit}).`,
    ],
    [
      s.multipartAbortDays >= Math.ceil(s.maxShareTtlSeconds / 86400),
      `${prefix}multipartAbortDays (${s.multipartAbortDays}) must be at least ${prefix}maxShareTtlSeconds in days (${Math.ceil(s.maxShareTtlSeconds / 86400)}), or S3 could abort an upload its share still allows.`,
    ],
    [
      s.apiThrottleBurstLimit >= Math.min(s.apiThrottleRateLimit, 5000),
      `${prefix}apiThrottleBurstLimit (${s.apiThrottleBurstLimit}) must be at least ${prefix}apiThrottleRateLimit (${s.apiThrottleRateLimit}).`,
    ],
  ];
  const failed = cross.find(([ok]) => !ok);
  if (failed) throw new SettingsError(failed[1]);
  return s;
}

/** What the handlers read from their environment (handlers/config.ts): the settings they use and where the data is. */
export function runtimeConfig(settings: Settings, bucketName: string, tableName: string): RuntimeConfig {
  return {
    bucketName,
    tableName,
    uploadUrlTtlSeconds: settings.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: settings.downloadUrlTtlSeconds,
    defaultShareTtlSeconds: settings.defaultShareTtlSeconds,
    maxShareTtlSeconds: settings.maxShareTtlSeconds,
    maxFileSizeBytes: settings.maxFileSizeBytes,
    multipartThresholdBytes: settings.multipartThresholdBytes,
    multipartPartSizeBytes: settings.multipartPartSizeBytes,
    allowedContentTypes: settings.allowedContentTypes,
    defaultMaxDownloads: settings.defaultMaxDownloads,
    maxDownloadsLimit: settings.maxDownloadsLimit,
    corsOrigins: settings.corsOrigins,
  };
}
