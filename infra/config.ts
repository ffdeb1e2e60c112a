// The one place that reads Pulumi config: every SETTINGS key, validated once by parseSettings, then
// passed down typed. Components never call `new pulumi.Config()`.
import * as pulumi from "@pulumi/pulumi";
import { parseSettings } from "../config/parse";
import { CONFIG_NAMESPACE, Settings, SETTINGS } from "../config/schema";

/** What the program needs to know about its stack (not the API's StackConfig schema, which GET /config answers). */
export interface ProgramConfig {
  settings: Settings;
  /** The stack name, e.g. "dev"; the API stage and the Lambda function names carry it. */
  stack: string;
}

/**
 * Reads and validates every setting of the current stack. Throws a SettingsError naming the key and the
 * allowed range, which stops `pulumi up` before anything is created.
 */
export function loadConfig(): ProgramConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  // Raw text for every key (arrays arrive as JSON text): parseSettings reports a bad value with the
  // key and the allowed range, which is clearer than getNumber/getObject's own errors.
  const raw = Object.fromEntries(SETTINGS.map((spec) => [spec.key, config.get(spec.key)]));
  return { settings: parseSettings(raw, `${CONFIG_NAMESPACE}:`), stack: pulumi.getStack() };
}
