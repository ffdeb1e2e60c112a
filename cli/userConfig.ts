// The user's own defaults for the CLI: `config.json` in the CLI's config folder (cli/state.ts's configDir), e.g.
// {"encrypt": true} to encrypt every upload unless --no-encrypt. A file that is not what it should be is refused
// with one line, never half-read: a default the user set for privacy must not be silently dropped.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { cliError, EXIT } from "./errors";
import { configDir } from "./state";

export interface UserConfig {
  /** Encrypt uploads end to end unless --no-encrypt is given. */
  encrypt?: boolean;
}

const KNOWN = new Set(["encrypt"]);

export function userConfigPath(dir = configDir()): string {
  return join(dir, "config.json");
}

/** The user's defaults; none when the file does not exist. */
export async function loadUserConfig(dir = configDir()): Promise<UserConfig> {
  const path = userConfigPath(dir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw cliError(EXIT.usage, `Cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "unreadable"}).`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw cliError(EXIT.usage, `${path} is not JSON; write it as {"encrypt": true}, or delete it.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw cliError(EXIT.usage, `${path} must hold a JSON object, such as {"encrypt": true}.`);
  }
  const config = value as Record<string, unknown>;
  const unknown = Object.keys(config).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw cliError(EXIT.usage, `${path}: unknown setting ${JSON.stringify(unknown[0])} (known: "encrypt").`);
  }
  if (config["encrypt"] !== undefined && typeof config["encrypt"] !== "boolean") {
    throw cliError(EXIT.usage, `${path}: "encrypt" must be true or false.`);
  }
  return { encrypt: config["encrypt"] as boolean | undefined };
}
