// Every setting of the stack, declared once: its type, default, allowed values, description, and who reads it.
// Everything else is derived from this list: the Settings type and its validation (config/parse.ts), the Lambda
// environment and its parsing (config/runtime.ts), the page's limits, the local mode's FILESHARE_* overrides,
// and, through `npm run gen:config`, the `config:` block of Pulumi.yaml and the table of docs/configuration.md.
// Pure TypeScript that imports only contract/: deploy time, run time (serialized into Lambda) and the local mode share it.
import { EMAIL_ADDRESS } from "../contract/api";

/** The project's config namespace (the `fileshare:` in `fileshare:maxFileSizeBytes`). */
export const CONFIG_NAMESPACE = "fileshare";

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
/** The most files a stack may allow in one share: a download answers one pre-signed URL (about 1.5 KB) per file,
 *  and Lambda's response payload stops at 6 MB. */
export const MAX_FILES_PER_SHARE_LIMIT = 1000;
/** The largest share a stack may allow: that many of S3's largest objects. */
export const MAX_SHARE_BYTES_LIMIT = MAX_FILES_PER_SHARE_LIMIT * MAX_OBJECT_BYTES;
/** The most shards the sweep index may be spread over. The clean-up always reads every shard up to this bound
 *  (and the legacy one), so sweepShards can be changed either way without stranding a share. */
export const MAX_SWEEP_SHARDS = 32;

/** Who needs a setting besides deploy time: `runtime` = the Lambda functions (an environment variable);
 *  `page` = also the web page, as one of its limits (only a runtime setting can be). */
type Audience = { runtime?: never; page?: never } | { runtime: true; page?: true };

type Kind<T, V> = {
  type: T;
  default: V;
  /** One sentence for Pulumi.yaml and docs/configuration.md: what it does, its unit and its range. */
  description: string;
  /** Returns what is wrong with a well-typed value, or undefined when it is fine. */
  check?: (value: V) => string | undefined;
};

/** One setting of the schema. */
export type SettingSpec = { key: string } & Audience &
  (Kind<"integer", number> | Kind<"boolean", boolean> | Kind<"array", readonly string[]> | Kind<"string", string>);

const range = (min: number, max: number) => (v: number) =>
  v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`;

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

/** Allowed values of the string settings. */
export const AUTH_MODES = ["none", "cognito"] as const;
export const MFA_MODES = ["off", "optional", "required"] as const;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// Cognito accepts plain http only for http://localhost (not 127.0.0.1 or [::1]) and matches callbacks exactly.
const CALLBACK = /^(https:\/\/[^\s]+|http:\/\/localhost(:\d{1,5})?(\/[^\s]*)?)$/;

/** The port the CLI's sign-in listens on by default (`fileshare login --port`). */
export const CLI_CALLBACK_PORT = 8765;
/** The CLI's loopback redirect URI for a port, in the one form Cognito accepts for plain http (RFC 8252 §7.3
 *  allows any loopback form; Cognito allows only "localhost"). */
export function cliCallbackUrl(port: number): string {
  return `http://localhost:${port}/callback`;
}

const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;
const HTTPS_URL = /^https:\/\/[^\s]+$/;
const WEBHOOK_URL = /^https?:\/\/[^\s]+$/;

const oneOf = (values: readonly string[]) => (v: string) =>
  values.includes(v) ? undefined : `must be one of ${values.join(", ")}`;
const everyMatches = (pattern: RegExp, what: string) => (v: readonly string[]) => {
  const bad = v.find((x) => !pattern.test(x));
  return bad === undefined ? undefined : `has ${JSON.stringify(bad)}, which is not ${what}`;
};

/** The schema, in the order Pulumi.yaml and docs/configuration.md list it. Add a setting here, then run `npm run gen:config`. */
export const SETTINGS = [
  {
    key: "uploadUrlTtlSeconds",
    type: "integer",
    default: 300,
    description: "Lifetime of a pre-signed upload URL, in seconds (60-3600).",
    check: range(60, 3600),
    runtime: true,
  },
  {
    key: "downloadUrlTtlSeconds",
    type: "integer",
    default: 60,
    description: "Lifetime of a pre-signed download URL, in seconds (1-300).",
    check: range(1, 300),
    runtime: true,
  },
  {
    key: "defaultShareTtlSeconds",
    type: "integer",
    default: 86400,
    description: "How long a share lives when the client does not ask, in seconds (60-maxShareTtlSeconds).",
    check: range(60, 31536000),
    runtime: true,
    page: true,
  },
  {
    key: "maxShareTtlSeconds",
    type: "integer",
    default: 604800,
    description: "The longest share a client may ask for, in seconds (60-31536000).",
    check: range(60, 31536000),
    runtime: true,
    page: true,
  },
  {
    key: "maxFileSizeBytes",
    type: "integer",
    default: 104857600,
    description: `Largest file accepted, in bytes (1-${MAX_OBJECT_BYTES}, S3's 5 TiB object limit; files above multipartThresholdBytes go up in parts).`,
    check: range(1, MAX_OBJECT_BYTES),
    runtime: true,
    page: true,
  },
  {
    key: "multipartThresholdBytes",
    type: "integer",
    default: 104857600,
    description: `Files larger than this go up as multipart uploads (resumable, in parallel parts), in bytes (${MIN_PART_BYTES}-${MAX_SINGLE_PUT_BYTES}).`,
    check: range(MIN_PART_BYTES, MAX_SINGLE_PUT_BYTES),
    runtime: true,
    page: true,
  },
  {
    key: "multipartPartSizeBytes",
    type: "integer",
    default: 16777216,
    description: `The smallest part of a multipart upload, in bytes (${MIN_PART_BYTES}-${MAX_SINGLE_PUT_BYTES}); larger files get larger parts so that they fit in 10,000.`,
    check: range(MIN_PART_BYTES, MAX_SINGLE_PUT_BYTES),
    runtime: true,
    // Clients that hash each part while reading the file once (the CLI) predict the plan from it.
    page: true,
  },
  {
    key: "maxFilesPerShare",
    type: "integer",
    default: 100,
    description: `Most files in one share (POST /shares), 1-${MAX_FILES_PER_SHARE_LIMIT}; every download answers a URL per file.`,
    check: range(1, MAX_FILES_PER_SHARE_LIMIT),
    runtime: true,
    page: true,
  },
  {
    key: "maxShareSizeBytes",
    type: "integer",
    default: 10 * 1024 ** 3,
    description: `Largest total of one share's files, in bytes (1-${MAX_SHARE_BYTES_LIMIT}; at least maxFileSizeBytes).`,
    check: range(1, MAX_SHARE_BYTES_LIMIT),
    runtime: true,
    page: true,
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
    check: (v) => {
      const bad = v.find((t) => typeof t !== "string" || !MIME.test(t));
      return bad === undefined ? undefined : `has ${JSON.stringify(bad)}, which is not a lower-case type/subtype`;
    },
    runtime: true,
    page: true,
  },
  {
    key: "defaultMaxDownloads",
    type: "integer",
    default: 0,
    description: "Download limit when the client gives none; 0 means unlimited (0-maxDownloadsLimit).",
    check: range(0, 1000000),
    runtime: true,
    page: true,
  },
  {
    key: "maxDownloadsLimit",
    type: "integer",
    default: 1000,
    description: "The highest maxDownloads a client may ask for (1-1000000).",
    check: range(1, 1000000),
    runtime: true,
    page: true,
  },
  {
    key: "corsOrigins",
    type: "array",
    default: ["http://localhost:3000", "http://127.0.0.1:3000"],
    description:
      'Browser origins allowed to call the API and the bucket, e.g. ["https://files.example.com"]; never "*".',
    check: (v) => {
      const bad = v.find((o) => typeof o !== "string" || !ORIGIN.test(o));
      return bad === undefined
        ? undefined
        : `has ${JSON.stringify(bad)}, which is not an origin like "https://files.example.com" (scheme and host, lower case, no path, no "*")`;
    },
    runtime: true,
  },
  {
    key: "logRetentionDays",
    type: "integer",
    default: 14,
    description: "How many days CloudWatch keeps the logs (a CloudWatch value: 1, 3, 5, 7, 14, 30, 60, 90, ...).",
    check: (v) =>
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
  // Sign-in, API keys and WAF (API v1.1).
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
    runtime: true,
  },
  {
    key: "authDownloadsRequireSignIn",
    type: "boolean",
    default: false,
    description:
      "With auth cognito: reading and downloading any share needs sign-in (else links stay capability links).",
    runtime: true,
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
    default: [cliCallbackUrl(CLI_CALLBACK_PORT)],
    description: `Sign-in callback URLs besides the page's own; the default is the CLI's (fileshare login): ${cliCallbackUrl(CLI_CALLBACK_PORT)}. https, or http://localhost only (Cognito refuses http://127.0.0.1); matched exactly, port included.`,
    check: everyMatches(
      CALLBACK,
      "an https URL or http://localhost:<port>/<path> (Cognito accepts plain http only for localhost, not 127.0.0.1)",
    ),
  },
  {
    key: "authSelfSignUp",
    type: "boolean",
    default: true,
    description:
      "With auth cognito: anyone (or anyone at authEmailDomains) may create an account; false: only administrators create users (aws cognito-idp admin-create-user).",
  },
  {
    key: "authEmailFrom",
    type: "string",
    default: "",
    description:
      "With auth cognito: send the user pool's emails (codes, invitations) through SES from this address, whose domain must be a verified SES identity in the stack's region; empty: Cognito's own sender, limited to 50 emails a day per account.",
    check: (v) => (v === "" || EMAIL_ADDRESS.test(v) ? undefined : "is not an email address like no-reply@example.com"),
  },
  {
    key: "apiKeys",
    type: "boolean",
    default: false,
    description:
      "Require an API key (x-api-key) on the write routes from clients that are not signed in; adds a usage plan.",
    // GET /config tells clients, so that the page can say why a visitor cannot share.
    runtime: true,
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
  {
    key: "manageApiGatewayAccount",
    type: "boolean",
    default: true,
    description:
      "Set API Gateway's account-wide CloudWatch Logs role (aws.apigateway.Account) for this account and region, which the stage's access logs need (on a fresh account the stage fails without it). Every REST API there then logs through this role (same permissions as AWS's managed policy); turn it off where the account's role is managed elsewhere.",
  },
  {
    key: "cleanupIntervalSeconds",
    type: "integer",
    default: 300,
    description:
      "How often the clean-up removes expired and used-up shares, in seconds (1-900); on AWS rounded up to whole minutes.",
    check: range(1, 900),
  },
  {
    key: "cleanupBatchSize",
    type: "integer",
    default: 100,
    description: "The most shares, and the most listed objects, one clean-up run handles (1-1000).",
    check: range(1, 1000),
    runtime: true,
  },
  {
    key: "sweepShards",
    type: "integer",
    default: 8,
    description: `Shards (partition keys) the clean-up's sweep index is spread over, each good for about 1,000 writes a second (1-${MAX_SWEEP_SHARDS}); the clean-up reads all ${MAX_SWEEP_SHARDS}, so changing it loses nothing.`,
    check: range(1, MAX_SWEEP_SHARDS),
    runtime: true,
  },
  {
    key: "production",
    type: "boolean",
    default: false,
    description:
      "This stack serves real people: refuse to deploy with a placeholder or local corsOrigins, without alarmEmail, or (auth cognito) with open sign-up (authSelfSignUp true and no authEmailDomains).",
  },
  // Operations: S3 access logs, alarms and their notification email.
  {
    key: "accessLogs",
    type: "boolean",
    default: false,
    description:
      "Log every request to the files bucket (S3 server access logs) into a separate private log bucket (prod).",
  },
  {
    key: "accessLogRetentionDays",
    type: "integer",
    default: 90,
    description: "Days the log bucket keeps the S3 access logs before they expire (1-3650).",
    check: range(1, 3650),
  },
  {
    key: "alarmEmail",
    type: "string",
    default: "",
    description:
      "Email address subscribed to the stack's alarm topic (it must confirm the subscription); empty means none.",
    check: (v) => (v === "" || EMAIL_ADDRESS.test(v) ? undefined : "is not an email address like ops@example.com"),
  },
  {
    key: "alarmLambdaErrors",
    type: "integer",
    default: 1,
    description: "Alarm when one function has this many errors (invocations that failed) in 5 minutes (1-100000).",
    check: range(1, 100000),
  },
  {
    key: "alarmLambdaThrottles",
    type: "integer",
    default: 1,
    description: "Alarm when one function has this many throttled invocations in 5 minutes (1-100000).",
    check: range(1, 100000),
  },
  {
    key: "alarmApi5xxPercent",
    type: "integer",
    default: 5,
    description: "Alarm when this percentage of the API's requests in 5 minutes answer 5xx (1-100).",
    check: range(1, 100),
  },
  {
    key: "alarmApi4xxCount",
    type: "integer",
    default: 100,
    description:
      "Alarm when the API answers this many 4xx in 5 minutes (a spike of bad or hostile requests) (1-10000000).",
    check: range(1, 10000000),
  },
  {
    key: "alarmDynamoDbThrottles",
    type: "integer",
    default: 1,
    description:
      "Alarm when the table or one of its indexes has this many throttled reads plus writes in 5 minutes (1-100000).",
    check: range(1, 100000),
  },
  // Audit events: always sent to the stack's own EventBridge bus; these forward them on.
  {
    key: "auditNotifications",
    type: "boolean",
    default: false,
    description:
      "Forward every audit event (share created, confirmed, rejected, downloaded, deleted, removed) from the stack's event bus to a KMS-encrypted SNS topic.",
  },
  {
    key: "auditNotificationEmails",
    type: "array",
    default: [],
    description: "With auditNotifications: email addresses subscribed to the audit topic (each confirms by email).",
    check: everyMatches(EMAIL_ADDRESS, "an email address like ops@example.com"),
  },
  {
    key: "auditNotificationUrls",
    type: "array",
    default: [],
    description:
      "With auditNotifications: HTTPS endpoints subscribed to the audit topic (each confirms the subscription SNS posts).",
    check: everyMatches(HTTPS_URL, "an https URL"),
  },
  {
    key: "auditWebhookUrl",
    type: "string",
    default: "",
    description:
      "Local mode only (npm start): POST each audit event as JSON to this http(s) URL; empty means the log only.",
    check: (v: string) => (v === "" || WEBHOOK_URL.test(v) ? undefined : "must be empty or an http(s) URL"),
  },
  // Your own domain: the API, the page and the share links at https://<domainName>/.
  {
    key: "domainName",
    type: "string",
    default: "",
    description:
      "Serve the API, the page and the share links at https://<domainName>/ (an API Gateway custom domain with an ACM certificate in the stack's region); empty: the execute-api URL.",
    check: (v) => (v === "" || DOMAIN.test(v) ? undefined : "is not a lower-case domain name like files.example.com"),
  },
  {
    key: "hostedZoneId",
    type: "string",
    default: "",
    description:
      "With domainName: the Route 53 hosted zone of that name; the stack then validates the certificate and points the name at the API. Empty: you create both DNS records (docs/deploy.md).",
    // Route 53 zone ids: upper-case letters and digits, at most 32 (botocore route53 ResourceId).
    check: (v) =>
      v === "" || HOSTED_ZONE_ID.test(v) ? undefined : "is not a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ",
  },
  {
    key: "certificateArn",
    type: "string",
    default: "",
    description:
      "With domainName: an issued ACM certificate for it, in the stack's region, to use instead of requesting one.",
    check: (v) =>
      v === "" || CERTIFICATE_ARN.test(v)
        ? undefined
        : "is not an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<id>",
  },
] as const satisfies readonly SettingSpec[];

type Spec = (typeof SETTINGS)[number];
type ValueOf<S extends Spec> = S["type"] extends "integer"
  ? number
  : S["type"] extends "boolean"
    ? boolean
    : S["type"] extends "string"
      ? string
      : string[];

/** A setting's name, e.g. "maxFileSizeBytes". */
export type SettingKey = Spec["key"];

/** Everything a stack can configure, after validation (config/parse.ts). */
export type Settings = { [S in Spec as S["key"]]: ValueOf<S> };

/** The settings the Lambda functions read at run time. */
export type RuntimeKey = Extract<Spec, { runtime: true }>["key"];

/** The settings the web page receives as its limits. */
export type PageKey = Extract<Spec, { page: true }>["key"];

/** The one naming rule for environment variables: FILESHARE_ plus the key in upper snake case
 *  (maxFileSizeBytes → FILESHARE_MAX_FILE_SIZE_BYTES). */
export function envName(key: string): string {
  return "FILESHARE_" + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}
