// The stack's settings: one schema, validated in one place. Pure TypeScript (no @pulumi import) so that
// the Pulumi program (infra/config.ts) and the local mode (local/) read the same keys the same way.
import type { RuntimeConfig } from "../handlers/config";
import { AUTH_SETTING_SPECS, AuthSettings } from "./authSettings";

/** Everything a stack can configure, after validation. */
export interface Settings extends AuthSettings {
  /** Lifetime of a pre-signed upload (PUT) URL, seconds. @default 300 */
  uploadUrlTtlSeconds: number;
  /** Lifetime of a pre-signed download (GET) URL, seconds. @default 60 */
  downloadUrlTtlSeconds: number;
  /** How long a share lives when the client does not say, seconds. @default 86400 */
  defaultShareTtlSeconds: number;
  /** The longest share a client may ask for, seconds. @default 604800 */
  maxShareTtlSeconds: number;
  /** Largest file accepted, bytes. @default 104857600 */
  maxFileSizeBytes: number;
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

type Kind = "integer" | "boolean" | "array" | "string";

/** One config key: its type, default, description and the check that its value must pass. */
export interface SettingSpec {
  key: keyof Settings;
  type: Kind;
  default: number | boolean | string | string[];
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
    description: `Largest file accepted, in bytes (1-${MAX_SINGLE_PUT_BYTES}, the S3 single-PUT limit).`,
    check: range(1, MAX_SINGLE_PUT_BYTES),
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
  ...(AUTH_SETTING_SPECS as unknown as SettingSpec[]),
];

/** Thrown for an invalid setting; the message names the key and what is allowed. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** Reads a raw value the way `pulumi config set` stores it: a string, or JSON for arrays. */
function parse(spec: SettingSpec, raw: unknown, prefix: string): number | boolean | string | string[] {
  const name = `${prefix}${spec.key}`;
  const text = typeof raw === "string" ? raw.trim() : raw;
  switch (spec.type) {
    case "integer": {
      const n = typeof text === "number" ? text : typeof text === "string" && /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) throw new SettingsError(`${name}: ${JSON.stringify(raw)} is not an integer.`);
      return n;
    }
    case "string":
      if (typeof text !== "string") throw new SettingsError(`${name}: ${JSON.stringify(raw)} is not a string.`);
      return text;
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
      s.apiThrottleBurstLimit >= Math.min(s.apiThrottleRateLimit, 5000),
      `${prefix}apiThrottleBurstLimit (${s.apiThrottleBurstLimit}) must be at least ${prefix}apiThrottleRateLimit (${s.apiThrottleRateLimit}).`,
    ],
  ];
  if (s.auth !== "cognito" && s.authDownloadsRequireSignIn) {
    cross.push([
      false,
      `${prefix}authDownloadsRequireSignIn needs ${prefix}auth: cognito (there is no sign-in with auth none).`,
    ]);
  }
  const failed = cross.find(([ok]) => !ok);
  if (failed) throw new SettingsError(failed[1]);
  return s;
}

/** The sign-in endpoints of a stack with auth cognito (from the user pool, or the local issuer). */
export interface AuthEndpoints {
  issuer: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUrl: string;
}

/** What the handlers read from their environment (handlers/config.ts): the settings they use and where the data is.
 *  `auth` is required exactly when settings.auth is cognito. */
export function runtimeConfig(
  settings: Settings,
  bucketName: string,
  tableName: string,
  auth?: AuthEndpoints,
): RuntimeConfig {
  if ((settings.auth === "cognito") !== (auth !== undefined)) {
    throw new Error(`sign-in endpoints must be given exactly when auth is cognito (auth is ${settings.auth})`);
  }
  return {
    bucketName,
    tableName,
    uploadUrlTtlSeconds: settings.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: settings.downloadUrlTtlSeconds,
    defaultShareTtlSeconds: settings.defaultShareTtlSeconds,
    maxShareTtlSeconds: settings.maxShareTtlSeconds,
    maxFileSizeBytes: settings.maxFileSizeBytes,
    allowedContentTypes: settings.allowedContentTypes,
    defaultMaxDownloads: settings.defaultMaxDownloads,
    maxDownloadsLimit: settings.maxDownloadsLimit,
    corsOrigins: settings.corsOrigins,
    authIssuer: auth?.issuer ?? "",
    authClientId: auth?.clientId ?? "",
    authAuthorizationEndpoint: auth?.authorizationEndpoint ?? "",
    authTokenEndpoint: auth?.tokenEndpoint ?? "",
    authJwksUrl: auth?.jwksUrl ?? "",
    authUploadsRequireSignIn: auth !== undefined && settings.authUploadsRequireSignIn,
    authDownloadsRequireSignIn: auth !== undefined && settings.authDownloadsRequireSignIn,
  };
}
