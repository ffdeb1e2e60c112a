// What the Lambda functions know about their stack: the settings marked `runtime` in the schema plus where the
// data lives, carried from deploy time to run time in environment variables (never inside the serialized
// closure) and read once per cold start. Names, encoding and parsing are all derived from config/schema.ts.
import { envName, PageKey, RuntimeKey, SettingKey, Settings, SETTINGS } from "./schema";

/** Where the data lives: resource names known only at deploy time, not settings; same naming rule. */
type ResourceKey = "bucketName" | "tableName";

/** Where sign-in happens (the user pool, or the local issuer): known only at deploy time; "" = no sign-in. */
type AuthKey =
  | "authIssuer"
  | "authClientId"
  | "authAuthorizationEndpoint"
  | "authTokenEndpoint"
  | "authLogoutEndpoint"
  | "authRevocationEndpoint"
  | "authJwksUrl";

/** The sign-in endpoints of a stack with auth cognito. */
export interface AuthEndpoints {
  issuer: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Cognito's /logout (client_id, logout_uri); the local issuer serves the same. */
  logoutEndpoint: string;
  /** OAuth 2.0 token revocation (RFC 7009; Cognito's /oauth2/revoke): sign-out ends the refresh token too. */
  revocationEndpoint: string;
  jwksUrl: string;
}

/** The run-time view of the stack's settings, plus where the data lives and where sign-in happens. */
export type RuntimeConfig = Record<ResourceKey, string> & Record<AuthKey, string> & Pick<Settings, RuntimeKey>;

/** What the page needs to know of the stack's settings to offer only what the server accepts. */
export type PageLimits = Pick<RuntimeConfig, PageKey>;

interface Field {
  key: keyof RuntimeConfig;
  /** The environment variable that carries it. */
  env: string;
  /** "name": a non-empty string; "text": any string. */
  type: "name" | "text" | "integer" | "boolean" | "array" | "string";
}

// Plain data computed once, so that the serialized Lambda code carries these lists, not the whole schema.
const RUNTIME_FIELDS: readonly Field[] = [
  ...(["bucketName", "tableName"] as const).map((key): Field => ({ key, env: envName(key), type: "name" })),
  ...(
    [
      "authIssuer",
      "authClientId",
      "authAuthorizationEndpoint",
      "authTokenEndpoint",
      "authLogoutEndpoint",
      "authRevocationEndpoint",
      "authJwksUrl",
    ] as const
  ).map((key): Field => ({ key, env: envName(key), type: "text" })),
  ...SETTINGS.filter((s) => "runtime" in s).map((s): Field => ({
    key: s.key as RuntimeKey,
    env: envName(s.key),
    type: s.type,
  })),
];

/** The settings the page receives, in schema order. */
export const PAGE_KEYS: readonly PageKey[] = SETTINGS.filter((s) => "page" in s).map((s) => s.key as PageKey);

/** The stack's limits as clients see them (the settings the schema marks `page`): the page's limits block and
 *  GET /config's `limits`. */
export function pageLimits(config: RuntimeConfig): PageLimits {
  return Object.fromEntries(PAGE_KEYS.map((key) => [key, config[key]])) as PageLimits;
}

/** The environment variable that carries each field, e.g. FILESHARE_MAX_FILE_SIZE_BYTES. */
export const ENV_NAMES = Object.fromEntries(RUNTIME_FIELDS.map((f) => [f.key, f.env])) as {
  readonly [K in keyof RuntimeConfig]: string;
};

/** Variables some functions carry besides their RuntimeConfig, named by the same rule: the authorizer's page key
 *  (a secret), where audit events go, the log key (a secret: never in RuntimeConfig, which reaches the page), the
 *  log level, and the pre-sign-up trigger's allowed domains (the setting's own name). */
export const OTHER_ENV_NAMES = {
  pageApiKey: envName("pageApiKey"),
  auditBusName: envName("auditBusName"),
  auditSource: envName("auditSource"),
  logKey: envName("logKey"),
  logLevel: envName("logLevel"),
  authEmailDomains: envName("authEmailDomains" satisfies SettingKey),
} as const;

/** A comma-separated list as environment variables carry it; blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The handlers' config for a stack: its runtime settings, the real bucket and table names, and (exactly when
 *  settings.auth is cognito) the sign-in endpoints. Without sign-in nothing requires it. */
export function runtimeConfig(
  settings: Settings,
  bucketName: string,
  tableName: string,
  auth?: AuthEndpoints,
): RuntimeConfig {
  if ((settings.auth === "cognito") !== (auth !== undefined)) {
    throw new Error(`sign-in endpoints must be given exactly when auth is cognito (auth is ${settings.auth})`);
  }
  const picked = RUNTIME_FIELDS.filter((f) => f.type !== "name" && f.type !== "text").map((f) => [
    f.key,
    settings[f.key as RuntimeKey],
  ]);
  return {
    bucketName,
    tableName,
    ...Object.fromEntries(picked),
    authIssuer: auth?.issuer ?? "",
    authClientId: auth?.clientId ?? "",
    authAuthorizationEndpoint: auth?.authorizationEndpoint ?? "",
    authTokenEndpoint: auth?.tokenEndpoint ?? "",
    authLogoutEndpoint: auth?.logoutEndpoint ?? "",
    authRevocationEndpoint: auth?.revocationEndpoint ?? "",
    authJwksUrl: auth?.jwksUrl ?? "",
    authUploadsRequireSignIn: auth !== undefined && settings.authUploadsRequireSignIn,
    authDownloadsRequireSignIn: auth !== undefined && settings.authDownloadsRequireSignIn,
  } as RuntimeConfig;
}

/** Encodes a config as environment variables (lists as comma-separated text). */
export function toEnvironment(config: RuntimeConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { key, env: name } of RUNTIME_FIELDS) {
    const value = config[key];
    env[name] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}

/** Reads the config from the environment; throws naming the variable that is missing or malformed. */
export function fromEnvironment(env: Record<string, string | undefined>): RuntimeConfig {
  const out: Record<string, unknown> = {};
  for (const { key, env: name, type } of RUNTIME_FIELDS) {
    const text = env[name];
    if (text === undefined) throw new Error(`environment variable ${name} is not set`);
    if (type === "name") {
      if (text === "") throw new Error(`environment variable ${name} is empty`);
      out[key] = text;
    } else if (type === "text" || type === "string") {
      out[key] = text;
    } else if (type === "integer") {
      const value = Number(text);
      if (text.trim() === "" || !Number.isSafeInteger(value) || value < 0) {
        throw new Error(`environment variable ${name} is not a non-negative integer`);
      }
      out[key] = value;
    } else if (type === "boolean") {
      if (text !== "true" && text !== "false") throw new Error(`environment variable ${name} is not true or false`);
      out[key] = text === "true";
    } else {
      out[key] = splitList(text);
    }
  }
  return out as RuntimeConfig;
}
