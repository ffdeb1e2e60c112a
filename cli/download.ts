// `fileshare download LINK`: writes the file to disk (a large one in ranges, several at once) with a progress bar, never over an existing file unless
// asked, and checks the SHA-256 the uploader recorded; a failed download leaves no partial file behind. An
// encrypted share (the key from the link) comes in one ordered stream through the decrypting stage
// (cli/decrypting.ts): its ciphertext is counted and hashed as it arrives, and only verified records are written.
import { createHash, Hash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { callApi, causeOf } from "./api";
import { cliError, EXIT, isCliError } from "./errors";
import { PARTIAL_SUFFIX, safeFileName, shown } from "./fileName";
import { progressBar } from "./progress";
import { decrypting } from "./decrypting";
import { openShare, requireKey } from "./encryption";
import { downloadRanges, RANGE, RangesUnsupported } from "./ranges";

export interface FileInfo {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  status: string;
  expiresAt: string;
  downloadsRemaining: number | null;
  sha256?: string;
  /** A password share: fileName and contentType come from POST /files/{id}/unlock. */
  passwordRequired?: boolean;
  /** An encrypted share: "aes128gcm", with encryptedMetadata in place of fileName and contentType. */
  encryption?: string;
  encryptedMetadata?: string;
}

/** Partial files being written now: an interrupted run (Ctrl-C) deletes them before it exits (cli/main.ts). */
export const partialFiles = new Set<string>();

/** Passes a download's bytes on while hashing and counting them, and fails with `tooMuch` (exit 5) at the first
 *  byte beyond `size`: a storage sending more is stopped before it fills the disk. */
export function cappedHashing(size: number, hash: Hash, onBytes: (n: number) => void, tooMuch: string): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (received + chunk.length > size) return done(cliError(EXIT.verification, tooMuch));
      hash.update(chunk);
      received += chunk.length;
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

export interface DownloadResult {
  path: string;
  size: number;
  verified: boolean;
}

export async function download(
  apiUrl: string,
  id: string,
  options: {
    output?: string;
    force: boolean;
    /** Sign-in headers, for a share restricted to recipients. */
    auth?: Record<string, string>;
    /** Asked only when the share has a password. */
    password: () => Promise<string>;
    /** Where notes go (stderr): the name the file was saved under when the share's own was not safe. */
    say: (line: string) => void;
    /** The key from the link, for an encrypted share. */
    key?: Buffer;
  },
): Promise<DownloadResult> {
  let info = await callApi<FileInfo>(apiUrl, "GET", `files/${id}`, { headers: options.auth });
  let password: string | undefined;
  if (info.passwordRequired) {
    password = await options.password();
    // A wrong password is refused here (403 WrongPassword) before anything is written or a download is used.
    info = await callApi<FileInfo>(apiUrl, "POST", `files/${id}/unlock`, { body: { password }, headers: options.auth });
  }
  if (!Number.isSafeInteger(info.size) || info.size < 0) {
    throw cliError(EXIT.failed, "The API's answer gives this share no valid size; nothing was downloaded.");
  }
  requireKey(info, options.key);
  // Its name, type and plaintext size decrypted (a wrong key stops here, before a file or a download is used).
  const opened = openShare(info, options.key) as FileInfo & {
    encryptedSize?: number;
  };
  const plain = opened.encryptedSize === undefined ? undefined : { key: options.key as Buffer, size: opened.size };
  info = { ...opened, size: opened.encryptedSize ?? opened.size };
  const isDir = options.output !== undefined && (await stat(options.output).catch(() => undefined))?.isDirectory();
  const path =
    options.output !== undefined && !isDir
      ? options.output
      : join(options.output ?? "", savedName(info, id, options.say));
  if (!options.force && (await stat(path).catch(() => undefined))) {
    throw cliError(EXIT.exists, `${path} exists; pass --force to overwrite it, or -o to choose another path.`);
  }
  // The partial file is created before a download is used up: a path that cannot be written costs none.
  const partial = `${path}${PARTIAL_SUFFIX}`;
  const handle = await open(partial, "w").catch((e: NodeJS.ErrnoException) => {
    throw cliError(EXIT.usage, `Cannot write ${partial} (${e.code ?? e.message}); choose another path with -o.`);
  });
  partialFiles.add(partial);
  try {
    return await fetchTo(apiUrl, id, { path, partial, handle, info, password, auth: options.auth, plain });
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw e;
  } finally {
    partialFiles.delete(partial);
  }
}

/** The name to save a share under in a folder: its own when safe; otherwise a safe one, and a note saying so. */
function savedName(info: FileInfo, id: string, say: (line: string) => void): string {
  const name = typeof info.fileName === "string" ? info.fileName : "";
  const safe = safeFileName(name, `fileshare-${id}`);
  if (safe !== name) say(`fileshare: saving as "${safe}": the share's name ${shown(name)} is not a safe file name.`);
  return safe;
}

/** Uses one download and streams it into the open partial file, then checks it and moves it into place. */
async function fetchTo(
  apiUrl: string,
  id: string,
  target: {
    path: string;
    partial: string;
    handle: FileHandle;
    info: FileInfo;
    password?: string;
    auth?: Record<string, string>;
    /** An encrypted share's key and plaintext size: the bytes are decrypted on their way to the file. */
    plain?: { key: Buffer; size: number };
  },
): Promise<DownloadResult> {
  const { info, password, plain } = target;
  const granted = await callApi<{ downloadUrl: string }>(apiUrl, "POST", `files/${id}/download`, {
    headers: target.auth,
    ...(password !== undefined ? { body: { password } } : {}),
  });
  const size = info.size;
  const hash = createHash("sha256");
  // A large file comes in ranges, several at once (when the storage serves ranges), written in place. An encrypted
  // one comes in one ordered stream: its plaintext is written as its records verify.
  if (size > RANGE && plain === undefined) {
    const bar = progressBar("download ", size);
    try {
      const digest = await downloadRanges(granted.downloadUrl, size, target.handle, (n) => bar.add(n));
      await target.handle.close();
      return verifyAndKeep(digest, size, target);
    } catch (e) {
      if (!(e instanceof RangesUnsupported)) {
        if (isCliError(e)) throw e;
        throw cliError(EXIT.unavailable, `The download broke off (${causeOf(e)}); run the command again.`);
      }
    } finally {
      bar.stop();
    }
  }
  let res: Response;
  try {
    res = await fetch(granted.downloadUrl);
  } catch (e) {
    throw cliError(EXIT.unavailable, `Cannot reach the storage (${causeOf(e)}); run the command again.`);
  }
  if (!res.ok || res.body === null) {
    throw cliError(EXIT.unavailable, `The storage answered ${res.status} to the download; run the command again.`);
  }
  // The share's size is the most that is written: a storage sending more is stopped at the first byte too many.
  const bar = progressBar("download ", size);
  let received = 0;
  const count = cappedHashing(
    size,
    hash,
    (n) => {
      received += n;
      bar.add(n);
    },
    `The storage sent more than the share's ${size} bytes; the download was stopped and the partial file deleted.`,
  );
  const decrypt = plain === undefined ? undefined : decrypting(plain.key, plain.size, "The file");
  try {
    const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
    const file = createWriteStream("", { fd: target.handle });
    await (decrypt === undefined ? pipeline(body, count, file) : pipeline(body, count, ...decrypt.stages, file));
  } catch (e) {
    if (isCliError(e)) throw e;
    throw cliError(EXIT.unavailable, `The download broke off (${causeOf(e)}); run the command again.`);
  } finally {
    bar.stop();
  }
  if (received !== size) {
    throw cliError(EXIT.verification, `Got ${received} bytes instead of ${size}; the partial file was deleted.`);
  }
  decrypt?.check();
  return verifyAndKeep(hash.digest("base64"), plain?.size ?? size, target);
}

/** Checks the SHA-256 (base64) of what was written against the share's, then moves the partial file into place. */
async function verifyAndKeep(
  sha256: string,
  size: number,
  target: { path: string; partial: string; info: FileInfo },
): Promise<DownloadResult> {
  const { path, partial, info } = target;
  const verified = info.sha256 !== undefined;
  if (verified && sha256 !== info.sha256) {
    throw cliError(
      EXIT.verification,
      "The downloaded file does not match the share's SHA-256; it was deleted. Download it again.",
    );
  }
  await rename(partial, path);
  return { path, size, verified };
}
