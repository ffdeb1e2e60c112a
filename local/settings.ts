// The local mode's settings: the dev stack's `fileshare:` keys (Pulumi.dev.yaml), overridden by FILESHARE_<KEY>
// environment variables (named by config/schema.ts's one rule), validated by the same code as `pulumi up`.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseSettings, SettingsError } from "../config/parse";
import { RuntimeConfig, runtimeConfig, splitList } from "../config/runtime";
import { CONFIG_NAMESPACE, envName, Settings, SETTINGS } from "../config/schema";
import { StartupError } from "./errors";

/** The stack file the local mode takes its settings from. */
export const DEV_STACK_FILE = resolve(__dirname, "..", "Pulumi.dev.yaml");
export const LOCAL_BUCKET = "fileshare-local";
export const LOCAL_TABLE = "fileshare-local-files";

/** Reads the `fileshare:` keys of a stack file (missing file = no keys). */
export async function readStackFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new StartupError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new StartupError(`${file} is not valid YAML (${(e as Error).message.split("\n")[0]}); fix the file.`);
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const out: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [name, value] of Object.entries(config)) {
    if (name.startsWith(prefix)) out[name.slice(prefix.length)] = value;
  }
  return out;
}

/** The settings of the local run: the stack file's `fileshare:` keys, overridden by FILESHARE_* variables. */
export async function loadSettings(
  env: Record<string, string | undefined> = process.env,
  stackFile = DEV_STACK_FILE,
): Promise<Settings> {
  const raw: Record<string, unknown> = await readStackFile(stackFile);
  for (const spec of SETTINGS) {
    const value = env[envName(spec.key)];
    if (value === undefined) continue;
    // Lists may be given as JSON or comma-separated, as config/runtime.ts encodes them.
    raw[spec.key] = spec.type === "array" && !value.trim().startsWith("[") ? splitList(value) : value;
  }
  try {
    return parseSettings(raw);
  } catch (e) {
    if (e instanceof SettingsError) {
      throw new StartupError(`invalid config: ${e.message} Fix it in Pulumi.dev.yaml or the FILESHARE_* variable.`);
    }
    throw e;
  }
}

/** What the handlers see locally: the stack's settings plus local names, with the page's own origins allowed. */
export function localRuntimeConfig(settings: Settings, pageOrigins: readonly string[]): RuntimeConfig {
  const config = runtimeConfig(settings, LOCAL_BUCKET, LOCAL_TABLE);
  return { ...config, corsOrigins: [...new Set([...config.corsOrigins, ...pageOrigins])] };
}
