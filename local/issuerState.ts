// What the local issuer keeps across `npm start` restarts, so that a restart signs nobody out: its RS256 signing
// key, its cookie keys and its port (a token names its issuer's URL, port included). One JSON file in the data
// folder, readable by its owner only (mode 0600: it holds a private key), created on first start.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JWK } from "jose";
import { StartupError } from "./errors";

/** The file's name inside the data folder. */
export const ISSUER_STATE_FILE = "oidc-issuer.json";

export interface IssuerState {
  /** The private signing key (RS256), with its kid. */
  signingKey: JWK;
  /** Keys that sign the issuer's session cookies. */
  cookieKeys: string[];
  /** The port it last listened on (0 = none yet); reused when free, so the issuer URL stays the same. */
  port: number;
}

/** A fresh key pair and cookie key; nothing written. */
export function newIssuerState(): IssuerState {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    signingKey: {
      ...(privateKey.export({ format: "jwk" }) as JWK),
      kid: randomBytes(8).toString("hex"),
      alg: "RS256",
      use: "sig",
    },
    cookieKeys: [randomBytes(32).toString("hex")],
    port: 0,
  };
}

function isState(value: unknown): value is IssuerState {
  const v = value as IssuerState | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.signingKey?.kid === "string" &&
    typeof v.signingKey.d === "string" &&
    Array.isArray(v.cookieKeys) &&
    v.cookieKeys.every((k) => typeof k === "string") &&
    Number.isInteger(v.port)
  );
}

/** Reads the issuer's state from `dir`, or creates and saves a new one (first start). */
export async function loadIssuerState(dir: string): Promise<IssuerState> {
  const file = join(dir, ISSUER_STATE_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (text === undefined) {
    const state = newIssuerState();
    await saveIssuerState(dir, state);
    return state;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isState(parsed)) {
    throw new StartupError(
      `${file} is not the local issuer's key file; delete it (everyone signed in locally signs in again).`,
    );
  }
  // A copy made with a loose umask (or by hand): tighten it, it holds a private key.
  await chmod(file, 0o600);
  return parsed;
}

/** Writes the state atomically (temporary file, then rename), mode 0600 from the start. */
export async function saveIssuerState(dir: string, state: IssuerState): Promise<void> {
  const file = join(dir, ISSUER_STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state), { mode: 0o600 });
  await rename(temp, file);
}
