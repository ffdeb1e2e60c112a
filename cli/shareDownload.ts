// `fileshare download LINK -o DIR` for a share of several files (docs/api.md v1.2): the files and folders are
// recreated inside DIR only (cli/outputPath.ts checks every name first), `--file NAME` takes a subset, and one
// POST /files/{id}/download grants them all (one download counted). Each file is streamed through its own
// `.fileshare-partial` file, stopped at the first byte beyond its size, checked against its SHA-256 when the share
// has one and only then renamed into place; a failed or interrupted file leaves no partial file. Files already
// complete in DIR (same size and SHA-256) are skipped, so running the command again after a failure fetches the
// rest only. An encrypted share's files (names decrypted by the caller, cli/encryption.ts's openShare) are
// decrypted as they stream (cli/decrypting.ts): only records whose tag checked reach the partial file, and none is
// skipped as already here (the local plaintext cannot be compared with the stored ciphertext's SHA-256).
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { FileHandle, lstat, mkdir, realpath, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { callApi, causeOf } from "./api";
import { cappedHashing, partialFiles } from "./download";
import { cliError, EXIT, isCliError } from "./errors";
import { shown } from "./fileName";
import { checkTarget, makeFolders, openPartial, PlannedPath, plannedPaths } from "./outputPath";
import { Progress } from "./progress";
import { decrypting } from "./decrypting";
import { shareProgress } from "./shareProgress";

/** One file of GET /files/{id} (v1.2); every field is checked before use (the server may not be ours). */
export interface ShareFileInfo {
  file?: unknown;
  fileName?: unknown;
  contentType?: unknown;
  size?: unknown;
  /** An encrypted file's stored size, once its metadata is decrypted (then `size` is the plaintext's). */
  encryptedSize?: unknown;
  sha256?: unknown;
  status?: unknown;
}

/** The fields of GET /files/{id} (or unlock) a share download reads. */
export interface ShareInfo {
  /** An encrypted share ("aes128gcm"): cli/encryption.ts's openShare decrypts its fields first. */
  encryption?: unknown;
  title?: unknown;
  fileCount?: unknown;
  files?: ShareFileInfo[];
}

interface Wanted {
  file: number;
  /** The bytes stored (an encrypted file's ciphertext). */
  size: number;
  /** An encrypted file's plaintext size. */
  plainSize?: number;
  sha256?: string;
  place: PlannedPath;
  /** The path as the user named the folder (what is printed); the writes go through DIR's real path. */
  shownAs: string;
}

interface Granted {
  downloads?: { file?: unknown; downloadUrl?: unknown; expiresIn?: unknown }[];
}

export interface SavedFile {
  path: string;
  size: number;
  verified: boolean;
  /** Already in DIR from an earlier run, complete and verified: not downloaded again. */
  skipped: boolean;
}

/** Files fetched at once: enough to start every file while its URL lives (a minute by default). */
const AT_ONCE = 4;
/** A URL this close to its end is not started: the storage checks expiry when a request arrives. */
const URL_MARGIN_MS = 5_000;

/** Whether GET /files/{id}'s answer is a share to save as a folder: several files, or one with a folder in its name. */
export function isMultiFile(info: ShareInfo): boolean {
  const files = Array.isArray(info.files) ? info.files : [];
  return (
    files.length > 1 ||
    (files.length === 1 && typeof files[0]?.fileName === "string" && files[0].fileName.includes("/"))
  );
}

export async function downloadShare(
  apiUrl: string,
  id: string,
  info: ShareInfo,
  options: {
    output?: string;
    /** --file NAME: files, or folders, of the share to take; all when empty. */
    names: readonly string[];
    force: boolean;
    auth?: Record<string, string>;
    password?: string;
    say: (line: string) => void;
    /** The key from the link, for an encrypted share. */
    key?: Buffer;
  },
): Promise<SavedFile[]> {
  const all = shareFiles(info);
  const chosen = choose(all, options.names);
  const places = plannedPaths(chosen.map((f) => f.fileName));
  const root = options.output ?? ".";
  const rootEntry = await stat(root).catch(() => undefined);
  if (rootEntry !== undefined && !rootEntry.isDirectory()) {
    throw cliError(EXIT.exists, `${root} is not a folder: a share of several files is saved into a folder (-o DIR).`);
  }
  await mkdir(root, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw cliError(EXIT.usage, `Cannot create the folder ${root} (${e.code ?? e.message}); choose another with -o.`);
  });
  const rootReal = await realpath(root);
  const wanted: Wanted[] = [];
  const skipped: SavedFile[] = [];
  for (const [i, f] of chosen.entries()) {
    const place = places[i] as PlannedPath;
    const shownAs = join(root, ...place.segments);
    if (place.changed) {
      options.say(
        `fileshare: saving ${shown(place.name)} as "${place.segments.join("/")}": its name is not safe on every system.`,
      );
    }
    if (options.key === undefined && (await alreadyHere(rootReal, place, f))) {
      skipped.push({ path: shownAs, size: f.size, verified: true, skipped: true });
      continue;
    }
    await checkFolders(rootReal, place.segments);
    await checkTarget(join(rootReal, ...place.segments), options.force);
    wanted.push({ file: f.file, size: f.size, plainSize: f.plainSize, sha256: f.sha256, place, shownAs });
  }
  if (wanted.length === 0) return skipped;

  let grant = await askGrant(apiUrl, id, wanted, options);
  let refreshing: Promise<void> | undefined;
  const total = wanted.reduce((sum, w) => sum + w.size, 0);
  const progress = shareProgress("download ", wanted.length, total, { bytes: 0, files: 0 });
  const saved: SavedFile[] = [];
  const queue = [...wanted];
  const started = new Set<number>();
  let stopped = false;
  const worker = async () => {
    for (let w = stopped ? undefined : queue.shift(); w !== undefined; w = stopped ? undefined : queue.shift()) {
      // The storage refuses an expired URL: files not started yet get fresh ones (one more download counted).
      if (Date.now() > grant.expiresAt - URL_MARGIN_MS) {
        refreshing ??= (async () => {
          const rest = wanted.filter((x) => !started.has(x.file));
          options.say(
            `fileshare: the download links expired before ${rest.length} of the files could start; asking for new ones (this counts as one more download).`,
          );
          grant = await askGrant(apiUrl, id, rest, options);
        })().finally(() => (refreshing = undefined));
        await refreshing;
      }
      started.add(w.file);
      const url = grant.urls.get(w.file) as string;
      const bar = progress.file(w.place.segments.join("/"), w.size, 0);
      try {
        saved.push(await saveFile(rootReal, w, url, bar, options.key));
        bar.done();
      } catch (e) {
        bar.stop();
        stopped = true;
        throw e;
      }
    }
  };
  let outcomes: PromiseSettledResult<void>[];
  try {
    outcomes = await Promise.allSettled(Array.from({ length: AT_ONCE }, worker));
  } finally {
    progress.stop();
  }
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed) {
    const e = failed.reason as Error;
    if (saved.length > 0 && isCliError(e)) {
      e.message += ` ${saved.length} of ${wanted.length} files were saved in ${root} and are skipped when the command runs again.`;
    }
    throw e;
  }
  // In the share's order, whichever finished first.
  const order = new Map(chosen.map((f, i) => [join(root, ...(places[i] as PlannedPath).segments), i]));
  return [...skipped, ...saved].sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
}

/** The share's files as given, each number, name and size checked. */
function shareFiles(
  info: ShareInfo,
): { file: number; fileName: string; size: number; plainSize?: number; sha256?: string }[] {
  if (!Array.isArray(info.files) || info.files.length === 0) {
    throw cliError(EXIT.failed, "The API's answer lists no files for this share; nothing was downloaded.");
  }
  const seen = new Set<number>();
  return info.files.map((f) => {
    const file = f.file;
    if (typeof file !== "number" || !Number.isSafeInteger(file) || file < 1 || seen.has(file)) {
      throw cliError(EXIT.failed, "The API's answer numbers this share's files wrongly; nothing was downloaded.");
    }
    seen.add(file);
    const valid = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
    const encrypted = f.encryptedSize !== undefined;
    if (!valid(f.size) || (encrypted && !valid(f.encryptedSize))) {
      throw cliError(EXIT.failed, `The API's answer gives file ${file} no valid size; nothing was downloaded.`);
    }
    return {
      file,
      fileName: typeof f.fileName === "string" ? f.fileName : "",
      ...(encrypted ? { size: f.encryptedSize as number, plainSize: f.size } : { size: f.size }),
      sha256: typeof f.sha256 === "string" ? f.sha256 : undefined,
    };
  });
}

/** The files `--file NAME` names (a file, or a folder and everything in it); all when none is named. */
function choose<T extends { fileName: string }>(files: readonly T[], names: readonly string[]): T[] {
  if (names.length === 0) return [...files];
  const chosen = new Set<T>();
  for (const name of names) {
    const folder = `${name.replace(/\/+$/, "")}/`;
    const found = files.filter((f) => f.fileName === name || f.fileName.startsWith(folder));
    if (found.length === 0) {
      throw cliError(
        EXIT.usage,
        `--file ${shown(name)}: this share has no file or folder of that name (fileshare info LINK lists them); nothing was downloaded.`,
      );
    }
    for (const f of found) chosen.add(f);
  }
  return files.filter((f) => chosen.has(f));
}

/** The folders above a file, where they exist, are real folders (never links); nothing is created yet. */
async function checkFolders(rootReal: string, segments: readonly string[]): Promise<void> {
  let at = rootReal;
  for (const segment of segments.slice(0, -1)) {
    at = join(at, segment);
    const entry = await lstat(at).catch(() => undefined);
    if (entry === undefined) return;
    if (entry.isSymbolicLink()) {
      throw cliError(
        EXIT.exists,
        `${at} is a symbolic link; fileshare never writes through one: move it away. Nothing was downloaded.`,
      );
    }
    if (!entry.isDirectory()) {
      throw cliError(EXIT.exists, `${at} exists and is not a folder: move it away. Nothing was downloaded.`);
    }
  }
}

/** Whether the file is in DIR already, complete: same size and the share's SHA-256 (without one, never). */
async function alreadyHere(
  rootReal: string,
  place: PlannedPath,
  f: { size: number; sha256?: string },
): Promise<boolean> {
  if (f.sha256 === undefined) return false;
  const path = join(rootReal, ...place.segments);
  const entry = await lstat(path).catch(() => undefined);
  if (!entry?.isFile() || entry.size !== f.size) return false;
  try {
    await checkFolders(rootReal, place.segments);
  } catch {
    return false;
  }
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("base64") === f.sha256;
}

/** One POST /files/{id}/download for `wanted` (one download counted): a URL per file, and when they expire. */
async function askGrant(
  apiUrl: string,
  id: string,
  wanted: readonly Wanted[],
  options: { auth?: Record<string, string>; password?: string },
): Promise<{ urls: Map<number, string>; expiresAt: number }> {
  const asked = Date.now();
  const granted = await callApi<Granted>(apiUrl, "POST", `files/${id}/download`, {
    headers: options.auth,
    body: {
      files: wanted.map((w) => w.file),
      ...(options.password !== undefined ? { password: options.password } : {}),
    },
  });
  const urls = new Map<number, string>();
  let expiresIn = Infinity;
  for (const d of Array.isArray(granted.downloads) ? granted.downloads : []) {
    if (typeof d.file === "number" && typeof d.downloadUrl === "string") urls.set(d.file, d.downloadUrl);
    if (typeof d.expiresIn === "number" && d.expiresIn > 0) expiresIn = Math.min(expiresIn, d.expiresIn);
  }
  const missing = wanted.find((w) => !urls.has(w.file));
  if (missing) {
    throw cliError(
      EXIT.failed,
      `The API granted no download for ${shown(missing.place.name)}; nothing more was downloaded.`,
    );
  }
  return { urls, expiresAt: expiresIn === Infinity ? Infinity : asked + expiresIn * 1000 };
}

/** Streams one file into its partial file inside DIR, checks it and renames it into place. */
async function saveFile(
  rootReal: string,
  w: Wanted,
  url: string,
  bar: Progress,
  key: Buffer | undefined,
): Promise<SavedFile> {
  const path = await makeFolders(rootReal, w.place.segments);
  const { partial, handle } = await openPartial(rootReal, path);
  partialFiles.add(partial);
  try {
    const decrypt =
      key !== undefined && w.plainSize !== undefined ? decrypting(key, w.plainSize, shown(w.place.name)) : undefined;
    const { received, sha256 } = await fetchInto(url, handle, w.size, bar, decrypt?.stages);
    if (received !== w.size) {
      throw cliError(
        EXIT.verification,
        `Got ${received} bytes instead of ${w.size} for ${shown(w.place.name)}; its partial file was deleted.`,
      );
    }
    if (w.sha256 !== undefined && sha256 !== w.sha256) {
      throw cliError(
        EXIT.verification,
        `${shown(w.place.name)} does not match the share's SHA-256; its partial file was deleted. Download it again.`,
      );
    }
    decrypt?.check();
    await rename(partial, path);
    return { path: w.shownAs, size: decrypt?.written() ?? received, verified: w.sha256 !== undefined, skipped: false };
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw e;
  } finally {
    partialFiles.delete(partial);
  }
}

/** GETs `url` into `handle`, stopping at the first byte beyond `size`; the bytes received and their SHA-256. */
async function fetchInto(
  url: string,
  handle: FileHandle,
  size: number,
  bar: Progress,
  decrypt: Transform[] = [],
): Promise<{ received: number; sha256: string }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw cliError(EXIT.unavailable, `Cannot reach the storage (${causeOf(e)}); run the command again.`);
  }
  if (!res.ok || res.body === null) {
    throw cliError(EXIT.unavailable, `The storage answered ${res.status} to the download; run the command again.`);
  }
  const hash = createHash("sha256");
  let received = 0;
  const count = cappedHashing(
    size,
    hash,
    (n) => {
      received += n;
      bar.add(n);
    },
    `The storage sent more than a file's ${size} bytes; the download was stopped and its partial file deleted.`,
  );
  try {
    await pipeline([
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      count,
      ...decrypt,
      createWriteStream("", { fd: handle }),
    ]);
  } catch (e) {
    if (isCliError(e)) throw e;
    throw cliError(EXIT.unavailable, `The download broke off (${causeOf(e)}); run the command again.`);
  }
  return { received, sha256: hash.digest("base64") };
}
