// What the CLI keeps between runs, in the user's config folder (mode 0600: it holds delete tokens, sign-in tokens
// and, until an encrypted upload completes, its share key): unfinished uploads keyed by the file's path, size and modification time (a share of several files: by
// those of all its files), the delete tokens of shares
// (with the API that issued each) and which of them were deleted, and the sign-in tokens of each API (`fileshare login`).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** $FILESHARE_CONFIG_DIR, else the platform's config folder: %APPDATA%, ~/Library/Application Support, $XDG_CONFIG_HOME or ~/.config. */
export function configDir(env = process.env): string {
  if (env["FILESHARE_CONFIG_DIR"]) return env["FILESHARE_CONFIG_DIR"];
  if (process.platform === "win32" && env["APPDATA"]) return join(env["APPDATA"], "fileshare");
  if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "fileshare");
  return join(env["XDG_CONFIG_HOME"] || join(homedir(), ".config"), "fileshare");
}

/** An upload in progress, enough to resume it. */
export interface UploadState {
  apiUrl: string;
  id: string;
  deleteToken: string;
  shareUrl: string;
  expiresAt: string;
  partSize: number;
  partCount: number;
  /** base64 SHA-256 of the parts hashed so far, by part number. */
  partSha256: Record<string, string>;
  /** ETags of the parts that are known to be uploaded, by part number. */
  etags: Record<string, string>;
  /** An encrypted upload's share key and file salt (base64url): a resumed run must make the same bytes. */
  encryption?: { key: string; salt: string };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isPositiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;

/** Whether a parsed state file has every field a resume reads, with the right types. */
function isUploadState(v: unknown): v is UploadState {
  if (!isRecord(v)) return false;
  const strings = ["apiUrl", "id", "deleteToken", "shareUrl", "expiresAt"].every((k) => typeof v[k] === "string");
  const maps = [v["partSha256"], v["etags"]].every(
    (m) => isRecord(m) && Object.values(m).every((x) => typeof x === "string"),
  );
  return strings && maps && isPositiveInt(v["partSize"]) && isPositiveInt(v["partCount"]) && isSealing(v["encryption"]);
}

/** An absent encryption, or a key and salt of the right lengths (a damaged one must not make other bytes). */
function isSealing(v: unknown): boolean {
  if (v === undefined) return true;
  const bytes = (x: unknown) => (typeof x === "string" ? Buffer.from(x, "base64url").length : -1);
  return isRecord(v) && bytes(v["key"]) === 16 && bytes(v["salt"]) === 16;
}

/** One file of an unfinished share of several files (POST /shares). */
export interface ShareFileState {
  /** The file's number in the share, from 1. */
  file: number;
  /** Its absolute path here. */
  path: string;
  /** Its name in the share. */
  name: string;
  size: number;
  method: "PUT" | "MULTIPART";
  /** Set once its single PUT was answered, or its multipart upload completed. */
  done: boolean;
  /** An encrypted file's salt (base64url); its size above is then the encrypted size. */
  salt?: string;
  /** A multipart file's plan, part hashes and ETags (as UploadState's). */
  partSize?: number;
  partCount?: number;
  partSha256?: Record<string, string>;
  etags?: Record<string, string>;
}

/** A share of several files in progress, enough to resume every unfinished file. */
export interface ShareUploadState {
  apiUrl: string;
  id: string;
  deleteToken: string;
  shareUrl: string;
  expiresAt: string;
  files: ShareFileState[];
  /** An encrypted share's key (base64url): with each file's salt, a resumed run makes the same bytes. */
  encryption?: { key: string };
}

const isStringMap = (m: unknown) =>
  m === undefined || (isRecord(m) && Object.values(m).every((x) => typeof x === "string"));

function isShareFileState(v: unknown): v is ShareFileState {
  if (!isRecord(v)) return false;
  const multipart = v["method"] === "MULTIPART";
  return (
    isPositiveInt(v["file"]) &&
    typeof v["path"] === "string" &&
    typeof v["name"] === "string" &&
    isPositiveInt(v["size"]) &&
    (multipart || v["method"] === "PUT") &&
    typeof v["done"] === "boolean" &&
    (!multipart || (isPositiveInt(v["partSize"]) && isPositiveInt(v["partCount"]))) &&
    isStringMap(v["partSha256"]) &&
    isStringMap(v["etags"]) &&
    (v["salt"] === undefined || (typeof v["salt"] === "string" && Buffer.from(v["salt"], "base64url").length === 16))
  );
}

/** Whether a parsed state file is a whole share upload state. */
function isShareUploadState(v: unknown): v is ShareUploadState {
  if (!isRecord(v)) return false;
  const strings = ["apiUrl", "id", "deleteToken", "shareUrl", "expiresAt"].every((k) => typeof v[k] === "string");
  const files = v["files"];
  if (!strings || !Array.isArray(files) || files.length === 0 || !files.every(isShareFileState)) return false;
  const key = v["encryption"];
  if (key === undefined) return files.every((f: ShareFileState) => f.salt === undefined);
  return (
    isRecord(key) &&
    typeof key["key"] === "string" &&
    Buffer.from(key["key"], "base64url").length === 16 &&
    files.every((f: ShareFileState) => f.salt !== undefined)
  );
}

/** The key of a share upload's state: every file's absolute path, size and modification time, in order. */
export function shareStateKey(files: readonly { path: string; size: number; mtimeMs: number }[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${resolve(f.path)}\n${f.size}\n${Math.floor(f.mtimeMs)}\n`);
  return `share-${hash.digest("hex").slice(0, 32)}`;
}

/** The key of a file's upload state: its absolute path, size and modification time. */
export function stateKey(path: string, size: number, mtimeMs: number): string {
  return createHash("sha256")
    .update(`${resolve(path)}\n${size}\n${Math.floor(mtimeMs)}`)
    .digest("hex")
    .slice(0, 32);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined; // missing or unreadable: start afresh
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a state file. */
async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, file);
}

/** What is kept about one share (shares.json). */
export interface SavedShare {
  /** The API that issued the delete token: the only one it is sent to. Absent in files from before it was kept. */
  apiUrl?: string;
  deleteToken?: string;
  /** Set once `fileshare delete` deleted it. */
  deletedAt?: string;
}

/** What `fileshare login` keeps for one API. */
export interface SavedSignIn {
  idToken: string;
  refreshToken?: string;
  /** When the ID token expires, ms since the epoch. */
  expiresAt: number;
  email?: string;
}

export class StateStore {
  constructor(private readonly dir = configDir()) {}

  private uploadFile(key: string) {
    return join(this.dir, "uploads", `${key}.json`);
  }

  /** The saved upload, or undefined when there is none or it is damaged (then the upload starts afresh). */
  async loadUpload(key: string): Promise<UploadState | undefined> {
    const saved = await readJson<UploadState>(this.uploadFile(key));
    return saved !== undefined && isUploadState(saved) ? saved : undefined;
  }

  saveUpload(key: string, state: UploadState): Promise<void> {
    return writeJson(this.uploadFile(key), state);
  }

  /** The saved share upload, or undefined when there is none or it is damaged (then it starts afresh). */
  async loadShareUpload(key: string): Promise<ShareUploadState | undefined> {
    const saved = await readJson<ShareUploadState>(this.uploadFile(key));
    return saved !== undefined && isShareUploadState(saved) ? saved : undefined;
  }

  /** Kept beside the single-file uploads, so that markDeleted forgets it too. */
  saveShareUpload(key: string, state: ShareUploadState): Promise<void> {
    return writeJson(this.uploadFile(key), state);
  }

  /** Deletes the saved upload, and any copy a run killed while saving it left (it may hold an encryption key). */
  async forgetUpload(key: string): Promise<void> {
    await rm(this.uploadFile(key), { force: true });
    const folder = join(this.dir, "uploads");
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (name.startsWith(`${key}.json.`) && name.endsWith(".tmp")) await rm(join(folder, name), { force: true });
    }
  }

  private get sharesFile() {
    return join(this.dir, "shares.json");
  }

  private async readShares(): Promise<Record<string, SavedShare>> {
    const raw = (await readJson<Record<string, unknown>>(this.sharesFile)) ?? {};
    const shares: Record<string, SavedShare> = {};
    for (const [id, v] of Object.entries(raw)) {
      // Files written before the issuing API was recorded hold the bare token: it stays tied to the configured API.
      if (typeof v === "string") shares[id] = { deleteToken: v };
      else if (isRecord(v)) {
        // A damaged entry keeps only what has the right type; an apiUrl that is no URL counts as unrecorded.
        const text = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
        const recorded = text("apiUrl");
        const apiUrl = recorded !== undefined && URL.canParse(recorded) ? recorded : undefined;
        shares[id] = { apiUrl, deleteToken: text("deleteToken"), deletedAt: text("deletedAt") };
      }
    }
    return shares;
  }

  /** Remembers a share's delete token and the API that issued it, so `fileshare delete LINK` works without it. */
  async rememberShare(id: string, apiUrl: string, deleteToken: string): Promise<void> {
    const shares = await this.readShares();
    shares[id] = { apiUrl, deleteToken };
    await writeJson(this.sharesFile, shares);
  }

  /** What is kept about a share: its delete token, or that it was deleted. */
  async shareFor(id: string): Promise<SavedShare | undefined> {
    return (await this.readShares())[id];
  }

  /** After a delete: the token is dropped (it opens nothing now), a note that the share is gone is kept, and any
   *  saved upload of it is forgotten (the next upload of that file then starts afresh instead of failing once). */
  async markDeleted(id: string, apiUrl: string, now = new Date()): Promise<void> {
    const shares = await this.readShares();
    shares[id] = { apiUrl, deletedAt: now.toISOString() };
    await writeJson(this.sharesFile, shares);
    const folder = join(this.dir, "uploads");
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (!name.endsWith(".json")) continue;
      const saved = await readJson<{ id?: unknown }>(join(folder, name));
      if (saved?.id === id) await rm(join(folder, name), { force: true });
    }
  }

  private get signInFile() {
    return join(this.dir, "tokens.json");
  }

  async loadSignIn(apiUrl: string): Promise<SavedSignIn | undefined> {
    return (await readJson<Record<string, SavedSignIn>>(this.signInFile))?.[apiUrl];
  }

  async saveSignIn(apiUrl: string, signIn: SavedSignIn): Promise<void> {
    const all = (await readJson<Record<string, SavedSignIn>>(this.signInFile)) ?? {};
    all[apiUrl] = signIn;
    await writeJson(this.signInFile, all);
  }

  /** Forgets the sign-in for an API; true when there was one. */
  async forgetSignIn(apiUrl: string): Promise<boolean> {
    const all = await readJson<Record<string, SavedSignIn>>(this.signInFile);
    if (!all || !(apiUrl in all)) return false;
    delete all[apiUrl];
    await writeJson(this.signInFile, all);
    return true;
  }

  /** The APIs with a saved sign-in: the user chose each of them with `fileshare login`. */
  async signedInApis(): Promise<string[]> {
    return Object.keys((await readJson<Record<string, SavedSignIn>>(this.signInFile)) ?? {});
  }
}
