// The sign-in, API key and WAF settings (issue 8), part of the one schema in infra/settings.ts.
// Pure TypeScript, as settings.ts.

/** Sign-in, API keys and WAF, after validation. */
export interface AuthSettings {
  /** `none`: anonymous sharing only; `cognito`: a Cognito user pool (locally: a local OIDC issuer). @default "none" */
  auth: "none" | "cognito";
  /** With auth cognito: POST /uploads needs a signed-in user. @default true */
  authUploadsRequireSignIn: boolean;
  /** With auth cognito: reading and downloading any share needs a signed-in user. @default false */
  authDownloadsRequireSignIn: boolean;
  /** Email domains allowed to sign up (lower case); empty = any. @default [] */
  authEmailDomains: string[];
  /** Multi-factor authentication of the user pool. @default "off" */
  authMfa: "off" | "optional" | "required";
  /** Callback (and sign-out) URLs besides the page's own, e.g. a CLI's http://127.0.0.1:8765/callback. @default [] */
  authCallbackUrls: string[];
  /** API keys required on the write routes, with a usage plan. @default false */
  apiKeys: boolean;
  /** Usage plan steady-state rate, requests per second. @default 10 */
  apiKeyRateLimit: number;
  /** Usage plan burst, requests. @default 20 */
  apiKeyBurstLimit: number;
  /** Usage plan quota, requests per key per day. @default 10000 */
  apiKeyDailyQuota: number;
  /** A WAFv2 web ACL on the stage (per-IP rate rule + AWS common rule set). @default false */
  waf: boolean;
  /** Requests per IP per 5 minutes before WAF blocks it. @default 1000 */
  wafRateLimit: number;
}

/** Allowed values of the string settings. */
export const AUTH_MODES = ["none", "cognito"] as const;
export const MFA_MODES = ["off", "optional", "required"] as const;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CALLBACK = /^(https:\/\/[^\s]+|http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?(\/[^\s]*)?)$/;

const oneOf = (values: readonly string[]) => (v: string) =>
  values.includes(v) ? undefined : `must be one of ${values.join(", ")}`;
const range = (min: number, max: number) => (v: number) =>
  v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`;
const everyMatches = (pattern: RegExp, what: string) => (v: string[]) => {
  const bad = v.find((x) => !pattern.test(x));
  return bad === undefined ? undefined : `has ${JSON.stringify(bad)}, which is not ${what}`;
};

/** The specs, in the shape of infra/settings.ts SettingSpec. */
export const AUTH_SETTING_SPECS = [
  {
    key: "auth",
    type: "string",
    default: "none",
    description:
      "Sign-in: none (anonymous sharing only) or cognito (a Cognito user pool; locally a local OIDC issuer).",
    check: oneOf(AUTH_MODES),
  },
  {
    key: "authUploadsRequireSignIn",
    type: "boolean",
    default: true,
    description: "With auth cognito: only signed-in users may create shares.",
  },
  {
    key: "authDownloadsRequireSignIn",
    type: "boolean",
    default: false,
    description:
      "With auth cognito: reading and downloading any share needs sign-in (else links stay capability links).",
  },
  {
    key: "authEmailDomains",
    type: "array",
    default: [],
    description: 'Email domains allowed to sign up, e.g. ["example.com"]; empty means any.',
    check: everyMatches(DOMAIN, "a lower-case domain name like example.com"),
  },
  {
    key: "authMfa",
    type: "string",
    default: "off",
    description: "Multi-factor authentication of the user pool: off, optional or required.",
    check: oneOf(MFA_MODES),
  },
  {
    key: "authCallbackUrls",
    type: "array",
    default: [],
    description:
      "Sign-in callback URLs besides the page's own, e.g. a CLI's http://127.0.0.1:8765/callback (https, or http on loopback).",
    check: everyMatches(CALLBACK, "an https URL (or http on localhost/127.0.0.1)"),
  },
  {
    key: "apiKeys",
    type: "boolean",
    default: false,
    description:
      "Require an API key (x-api-key) on the write routes from clients that are not signed in; adds a usage plan.",
  },
  {
    key: "apiKeyRateLimit",
    type: "integer",
    default: 10,
    description: "API key usage plan: steady-state requests per second (1-10000).",
    check: range(1, 10000),
  },
  {
    key: "apiKeyBurstLimit",
    type: "integer",
    default: 20,
    description: "API key usage plan: burst, in requests (1-5000).",
    check: range(1, 5000),
  },
  {
    key: "apiKeyDailyQuota",
    type: "integer",
    default: 10000,
    description: "API key usage plan: requests per key per day (1-100000000).",
    check: range(1, 100000000),
  },
  {
    key: "waf",
    type: "boolean",
    default: false,
    description: "Put a WAFv2 web ACL on the API stage: a per-IP rate rule and AWS's common managed rule set.",
  },
  {
    key: "wafRateLimit",
    type: "integer",
    default: 1000,
    description: "WAF: requests per client IP per 5 minutes before it is blocked (10-2000000000).",
    check: range(10, 2000000000),
  },
] as const;
