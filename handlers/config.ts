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
  /** Lower-case type/subtype; empty = any. */
  allowedContentTypes: string[];
  /** 0 = unlimited. */
  defaultMaxDownloads: number;
  maxDownloadsLimit: number;
  corsOrigins: string[];
  /** Sign-in: the OIDC issuer whose tokens the API accepts; "" = no sign-in on this stack (auth none). */
  authIssuer: string;
  /** The app client id: an ID token's `aud`, an access token's `client_id`. */
  authClientId: string;
  authAuthorizationEndpoint: string;
  authTokenEndpoint: string;
  /** Where the issuer publishes its signing keys. */
  authJwksUrl: string;
  authUploadsRequireSignIn: boolean;
  authDownloadsRequireSignIn: boolean;
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
  allowedContentTypes: "FILESHARE_ALLOWED_CONTENT_TYPES",
  defaultMaxDownloads: "FILESHARE_DEFAULT_MAX_DOWNLOADS",
  maxDownloadsLimit: "FILESHARE_MAX_DOWNLOADS_LIMIT",
  corsOrigins: "FILESHARE_CORS_ORIGINS",
  authIssuer: "FILESHARE_AUTH_ISSUER",
  authClientId: "FILESHARE_AUTH_CLIENT_ID",
  authAuthorizationEndpoint: "FILESHARE_AUTH_AUTHORIZATION_ENDPOINT",
  authTokenEndpoint: "FILESHARE_AUTH_TOKEN_ENDPOINT",
  authJwksUrl: "FILESHARE_AUTH_JWKS_URL",
  authUploadsRequireSignIn: "FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN",
  authDownloadsRequireSignIn: "FILESHARE_AUTH_DOWNLOADS_REQUIRE_SIGN_IN",
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
  const bool = (key: keyof RuntimeConfig): boolean => {
    const value = text(key);
    if (value !== "true" && value !== "false")
      throw new Error(`environment variable ${ENV_NAMES[key]} is not true or false`);
    return value === "true";
  };
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
    allowedContentTypes: list("allowedContentTypes"),
    defaultMaxDownloads: int("defaultMaxDownloads"),
    maxDownloadsLimit: int("maxDownloadsLimit"),
    corsOrigins: list("corsOrigins"),
    authIssuer: text("authIssuer"),
    authClientId: text("authClientId"),
    authAuthorizationEndpoint: text("authAuthorizationEndpoint"),
    authTokenEndpoint: text("authTokenEndpoint"),
    authJwksUrl: text("authJwksUrl"),
    authUploadsRequireSignIn: bool("authUploadsRequireSignIn"),
    authDownloadsRequireSignIn: bool("authDownloadsRequireSignIn"),
  };
}
