// `fileshare download LINK`: streams the file to disk with a progress bar, never over an existing file unless
// asked, and checks the SHA-256 the uploader recorded; a failed download leaves no partial file behind.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { callApi, causeOf } from "./api";
import { cliError, EXIT } from "./errors";
import { progressBar } from "./progress";

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
}

/** Partial files being written now: an interrupted run (Ctrl-C) deletes them before it exits (cli/main.ts). */
export const partialFiles = new Set<string>();

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
  },
): Promise<DownloadResult> {
  let info = await callApi<FileInfo>(apiUrl, "GET", `files/${id}`, { headers: options.auth });
  let password: string | undefined;
  if (info.passwordRequired) {
    password = await options.password();
    // A wrong password is refused here (403 WrongPassword) before anything is written or a download is used.
    info = await callApi<FileInfo>(apiUrl, "POST", `files/${id}/unlock`, { body: { password }, headers: options.auth });
  }
  // The name comes from the uploader: only its last path segment is used, never a path it chose.
  const safeName = basename(info.fileName.replace(/\\/g, "/")) || id;
  const isDir = options.output !== undefined && (await stat(options.output).catch(() => undefined))?.isDirectory();
  const path = options.output === undefined ? safeName : isDir ? join(options.output, safeName) : options.output;
  if (!options.force && (await stat(path).catch(() => undefined))) {
    throw cliError(EXIT.exists, `${path} exists; pass --force to overwrite it, or -o to choose another path.`);
  }
  // The partial file is created before a download is used up: a path that cannot be written costs none.
  const partial = `${path}.fileshare-partial`;
  const handle = await open(partial, "w").catch((e: NodeJS.ErrnoException) => {
    throw cliError(EXIT.usage, `Cannot write ${partial} (${e.code ?? e.message}); choose another path with -o.`);
  });
  partialFiles.add(partial);
  try {
    return await fetchTo(apiUrl, id, { path, partial, handle, info, password, auth: options.auth });
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw e;
  } finally {
    partialFiles.delete(partial);
  }
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
  },
): Promise<DownloadResult> {
  const { path, partial, info, password } = target;
  const granted = await callApi<{ downloadUrl: string; size: number }>(apiUrl, "POST", `files/${id}/download`, {
    headers: target.auth,
    ...(password !== undefined ? { body: { password } } : {}),
  });
  let res: Response;
  try {
    res = await fetch(granted.downloadUrl);
  } catch (e) {
    throw cliError(EXIT.unavailable, `Cannot reach the storage (${causeOf(e)}); run the command again.`);
  }
  if (!res.ok || res.body === null) {
    throw cliError(EXIT.unavailable, `The storage answered ${res.status} to the download; run the command again.`);
  }
  const hash = createHash("sha256");
  const bar = progressBar("download ", granted.size);
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      received += chunk.length;
      bar.add(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      count,
      createWriteStream("", { fd: target.handle }),
    );
  } catch (e) {
    throw cliError(EXIT.unavailable, `The download broke off (${causeOf(e)}); run the command again.`);
  } finally {
    bar.stop();
  }
  if (received !== granted.size) {
    throw cliError(
      EXIT.verification,
      `Got ${received} bytes instead of ${granted.size}; the partial file was deleted.`,
    );
  }
  const verified = info.sha256 !== undefined;
  if (verified && hash.digest("base64") !== info.sha256) {
    throw cliError(
      EXIT.verification,
      "The downloaded file does not match the share's SHA-256; it was deleted. Download it again.",
    );
  }
  await rename(partial, path);
  return { path, size: received, verified };
}
