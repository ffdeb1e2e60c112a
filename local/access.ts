// The local S3 and DynamoDB servers' credentials and ports, made once per data folder and kept beside the
// issuer's keys (mode 0600), so that only the user who runs `npm start` (and can read the file) gets anything
// from them, and URLs handed out before a restart still point at the same port. `--memory` runs make fresh
// credentials per run and keep nothing. One place: the servers, the handlers, the tests and `npm run local-env`
// all take the credentials from here (or from Backends, which got them from here).
import { randomBytes } from "node:crypto";
import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StartupError } from "./errors";

/** The file's name inside the data folder. */
export const ACCESS_FILE = "local-servers.json";
/** The region the local servers' clients sign for. */
export const LOCAL_REGION = "us-east-1";

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface LocalAccess {
  credentials: LocalCredentials;
  /** The ports they last listened on (0 = none yet); reused when free. */
  s3Port: number;
  dynamoPort: number;
  /** The API's URL while npm start runs on the folder (runningHolder says whether it does): `npm run token` reads it. */
  apiUrl?: string;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Fresh random credentials shaped like AWS's (a 20-character key id, a 40-character secret). */
export function newLocalCredentials(): LocalCredentials {
  const id = [...randomBytes(16)].map((b) => ALPHABET[b % 32]).join("");
  return { accessKeyId: `AKLC${id}`, secretAccessKey: randomBytes(30).toString("base64") };
}

function isAccess(value: unknown): value is LocalAccess {
  const v = value as LocalAccess | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.credentials?.accessKeyId === "string" &&
    /^[A-Z0-9]{16,128}$/.test(v.credentials.accessKeyId) &&
    typeof v.credentials.secretAccessKey === "string" &&
    v.credentials.secretAccessKey.length >= 40 &&
    Number.isInteger(v.s3Port) &&
    Number.isInteger(v.dynamoPort)
  );
}

/** Reads the data folder's access file; undefined if there is none yet. */
export async function readAccess(dir: string): Promise<LocalAccess | undefined> {
  const file = join(dir, ACCESS_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isAccess(parsed)) {
    throw new StartupError(`${file} is not the local servers' credentials file; delete it (new ones are made).`);
  }
  return parsed;
}

/** The data folder's access (created on first start), or, without a data folder, fresh credentials for this run. */
export async function loadAccess(dir: string | undefined): Promise<LocalAccess> {
  if (dir === undefined) return { credentials: newLocalCredentials(), s3Port: 0, dynamoPort: 0 };
  const existing = await readAccess(dir);
  if (existing !== undefined) {
    // A copy made with a loose umask (or by hand): tighten it, it holds a secret.
    await chmod(join(dir, ACCESS_FILE), 0o600);
    return existing;
  }
  const access = { credentials: newLocalCredentials(), s3Port: 0, dynamoPort: 0 };
  await saveAccess(dir, access);
  return access;
}

/** Writes the access file atomically (temporary file, then rename), mode 0600 from the start. */
export async function saveAccess(dir: string, access: LocalAccess): Promise<void> {
  const file = join(dir, ACCESS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(access), { mode: 0o600 });
  await rename(temp, file);
}
