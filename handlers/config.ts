// What a handler needs to know about its stack, carried from deploy time to run time in environment
// variables (never captured in the serialized closure), and read once per cold start.

/** The run-time view of the stack's settings, plus where the data lives. */
export interface RuntimeConfig {
  bucketName: string;
  tableName: string;
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  defaultShareTtlSeconds: number;
  maxShareTtlSeconds: number;
  maxFileSizeBytes: number;
  /** Files larger than this go up in parts. */
  multipartThresholdBytes: number;
  /** The smallest part size the server hands out. */
  multipartPartSizeBytes: number;
  /** Lower-case type/subtype; empty = any. */
  allowedContentTypes: string[];
  /** 0 = unlimited. */
  defaultMaxDownloads: number;
  maxDownloadsLimit: number;
  corsOrigins: string[];
}

/** The environment variable that carries each field. */
export const ENV_NAMES: { readonly [K in keyof RuntimeConfig]: string } = {
  bucketName: "FILESHARE_BUCKET",
  tableName: "FILESHARE_TABLE",
  uploadUrlTtlSeconds: "FILESHARE_UPLOAD_URL_TTL_SECONDS",
  downloadUrlTtlSeconds: "FILESHARE_DOWNLOAD_URL_TTL_SECONDS",
  defaultShareTtlSeconds: "FILESHARE_DEFAULT_SHARE_TTL_SECONDS",
  maxShareTtlSeconds: "FILESHARE_MAX_SHARE_TTL_SECONDS",
  maxFileSizeBytes: "FILESHARE_MAX_FILE_SIZE_BYTES",
  multipartThresholdBytes: "FILESHARE_MULTIPART_THRESHOLD_BYTES",
  multipartPartSizeBytes: "FILESHARE_MULTIPART_PART_SIZE_BYTES",
  allowedContentTypes: "FILESHARE_ALLOWED_CONTENT_TYPES",
  defaultMaxDownloads: "FILESHARE_DEFAULT_MAX_DOWNLOADS",
  maxDownloadsLimit: "FILESHARE_MAX_DOWNLOADS_LIMIT",
  corsOrigins: "FILESHARE_CORS_ORIGINS",
};

/** A comma-separated list as environment variables carry it; blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Encodes a config as environment variables (lists as comma-separated text). */
export function toEnvironment(config: RuntimeConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(ENV_NAMES) as (keyof RuntimeConfig)[]) {
    const value = config[key];
    env[ENV_NAMES[key]] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}

/** Reads the config from the environment; throws naming the variable that is missing or malformed. */
export function fromEnvironment(env: Record<string, string | undefined>): RuntimeConfig {
  const text = (key: keyof RuntimeConfig): string => {
    const value = env[ENV_NAMES[key]];
    if (value === undefined) throw new Error(`environment variable ${ENV_NAMES[key]} is not set`);
    return value;
  };
  const int = (key: keyof RuntimeConfig): number => {
    const value = Number(text(key));
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`environment variable ${ENV_NAMES[key]} is not a non-negative integer`);
    }
    return value;
  };
  const list = (key: keyof RuntimeConfig): string[] => splitList(text(key));
  const name = (key: keyof RuntimeConfig): string => {
    const value = text(key);
    if (value === "") throw new Error(`environment variable ${ENV_NAMES[key]} is empty`);
    return value;
  };
  return {
    bucketName: name("bucketName"),
    tableName: name("tableName"),
    uploadUrlTtlSeconds: int("uploadUrlTtlSeconds"),
    downloadUrlTtlSeconds: int("downloadUrlTtlSeconds"),
    defaultShareTtlSeconds: int("defaultShareTtlSeconds"),
    maxShareTtlSeconds: int("maxShareTtlSeconds"),
    maxFileSizeBytes: int("maxFileSizeBytes"),
    multipartThresholdBytes: int("multipartThresholdBytes"),
    multipartPartSizeBytes: int("multipartPartSizeBytes"),
    allowedContentTypes: list("allowedContentTypes"),
    defaultMaxDownloads: int("defaultMaxDownloads"),
    maxDownloadsLimit: int("maxDownloadsLimit"),
    corsOrigins: list("corsOrigins"),
  };
}
