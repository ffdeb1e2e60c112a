// Validation of raw setting values (from `pulumi.Config`, a stack file or the environment) into typed Settings,
// with messages that name the key and what is allowed. Used at deploy time (infra/config.ts) and by the local mode.
import { CONFIG_NAMESPACE, Settings, SettingSpec, SETTINGS } from "./schema";

/** Thrown for an invalid setting; the message names the key and what is allowed. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** Reads a raw value the way `pulumi config set` stores it: a string, or JSON for arrays. */
function parse(spec: SettingSpec, raw: unknown, prefix: string): number | boolean | string | readonly string[] {
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
 * Validates raw config values into Settings. Missing keys take their defaults. Throws a SettingsError naming
 * the first bad key and its allowed range. `prefix` is how keys are shown in messages, e.g. "fileshare:".
 */
export function parseSettings(
  raw: Partial<Record<keyof Settings, unknown>>,
  prefix = `${CONFIG_NAMESPACE}:`,
): Settings {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    const given = raw[spec.key as keyof Settings];
    const value = given === undefined || given === null ? spec.default : parse(spec, given, prefix);
    const problem = (spec.check as ((v: unknown) => string | undefined) | undefined)?.(value);
    if (problem) throw new SettingsError(`${prefix}${spec.key}: ${JSON.stringify(value)} ${problem}.`);
    // A copy, so that no caller can change the schema's default list.
    out[spec.key] = Array.isArray(value) ? [...(value as string[])] : value;
  }
  const s = out as Settings;
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
      s.maxShareSizeBytes >= s.maxFileSizeBytes,
      `${prefix}maxShareSizeBytes (${s.maxShareSizeBytes}) must be at least ${prefix}maxFileSizeBytes (${s.maxFileSizeBytes}), or a file POST /uploads accepts could not be shared with POST /shares.`,
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
  if (s.auth !== "cognito" && s.authDownloadsRequireSignIn) {
    cross.push([
      false,
      `${prefix}authDownloadsRequireSignIn needs ${prefix}auth: cognito (there is no sign-in with auth none).`,
    ]);
  }
  for (const key of ["auditNotificationEmails", "auditNotificationUrls"] as const) {
    if (s[key].length > 0 && !s.auditNotifications) {
      cross.push([
        false,
        `${prefix}${key} needs ${prefix}auditNotifications: true (there is no topic to subscribe to).`,
      ]);
    }
  }
  for (const key of ["hostedZoneId", "certificateArn"] as const) {
    if (s[key] !== "" && s.domainName === "") {
      cross.push([false, `${prefix}${key} needs ${prefix}domainName (the domain it serves).`]);
    }
  }
  if (s.production) cross.push(...productionRules(s, prefix));
  const failed = cross.find(([ok]) => !ok);
  if (failed) throw new SettingsError(failed[1]);
  return s;
}

/** The schema's defaults, validated (what a stack with no settings gets). */
export function defaultSettings(): Settings {
  return parseSettings({});
}

/** The documentation domains (RFC 2606) and loopback hosts: what a stack file holds before someone fills it in. */
const PLACEHOLDER_HOST = /(^|\.)(example\.(com|org|net)|localhost|127\.0\.0\.1|test|invalid)$/;
const isPlaceholderHost = (host: string) => PLACEHOLDER_HOST.test(host.toLowerCase());

/** fileshare:production: what a stack that serves real people must have set (each names its setting and fix). */
function productionRules(s: Settings, prefix: string): [boolean, string][] {
  const origin = s.corsOrigins.find((o) => isPlaceholderHost(new URL(o).hostname));
  const domain = s.authEmailDomains.find(isPlaceholderHost);
  return [
    [
      origin === undefined,
      `${prefix}corsOrigins has ${JSON.stringify(origin)}, a placeholder or local origin, on a production stack (${prefix}production): list the real sites that call the API, or [] when only its own page does (pulumi config set --path '${prefix}corsOrigins[0]' https://files.yourcompany.com).`,
    ],
    [
      s.alarmEmail !== "" && !isPlaceholderHost(s.alarmEmail.split("@")[1] ?? ""),
      `${prefix}alarmEmail is ${s.alarmEmail === "" ? "empty" : `a placeholder (${s.alarmEmail})`}: a production stack (${prefix}production) must tell someone about its alarms (pulumi config set ${prefix}alarmEmail ops@yourcompany.com).`,
    ],
    [
      domain === undefined,
      `${prefix}authEmailDomains has ${JSON.stringify(domain)}, a placeholder, on a production stack (${prefix}production): list your own email domains.`,
    ],
    [
      s.domainName === "" || !isPlaceholderHost(s.domainName),
      `${prefix}domainName is ${JSON.stringify(s.domainName)}, a placeholder, on a production stack (${prefix}production): set your own domain, or "" for the execute-api URL.`,
    ],
    [
      s.auth !== "cognito" || !s.authSelfSignUp || s.authEmailDomains.length > 0,
      `${prefix}authSelfSignUp is true and ${prefix}authEmailDomains is empty: anyone on the internet could sign up to a production stack (${prefix}production). Set ${prefix}authSelfSignUp false (administrators create users) or list the allowed ${prefix}authEmailDomains.`,
    ],
  ];
}
