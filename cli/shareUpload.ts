// `fileshare upload a.pdf b.jpg photos/`: one share of several files (POST /shares, docs/api.md v1.2). Every file
// is hashed first (its SHA-256 recorded with the share; above the multipart threshold each part's too, in the same
// read), then the files go up `parallel` transfers at a time (a small file's single PUT or one part of a large
// one), each retried; the state is saved after each, so that running the same command again resumes every
// unfinished file. The per-file moves are cli/transfer.ts's and cli/hashParts.ts's. Encrypted (--encrypt), every
// file has its own salt under the share's one key, and the same moves carry its encrypted bytes, made as each
// range is read; the key and salts are kept in the state (mode 0600) so that a resumed run makes the same bytes.
import { resolve } from "node:path";
import { callApi } from "./api";
import { ENCRYPTION_CODING } from "../contract/encryption";
import { encryptedSize, newSalt } from "./crypto/ece";
import { encryptMetadata, encryptTitle } from "./crypto/metadata";
import { Sealing } from "./crypto/sealedFile";
import { linkWithKey, newShareKey } from "./crypto/shareKey";
import { StackLimits } from "./config";
import { cliError, EXIT } from "./errors";
import { shown } from "./fileName";
import { hashFileAndParts } from "./hashParts";
import { progressBar } from "./progress";
import { retry } from "./retry";
import { shareProgress, ShareProgress } from "./shareProgress";
import { ShareFileState, ShareUploadState, shareStateKey } from "./state";
import { hashRange, putRange } from "./transfer";
import { contentTypeOf } from "./types";
import type { UploadOptions, UploadResult } from "./upload";
import { LocalFile } from "./walk";
import { partLength, planParts } from "../contract/parts";

export interface ShareUploadOptions extends UploadOptions {
  title?: string;
  limits: StackLimits;
}

/** POST /shares' answer for one file. */
interface CreatedFile {
  file: number;
  method: "PUT" | "MULTIPART";
  uploadUrl?: string;
  headers?: Record<string, string>;
  multipart?: { partSize: number; partCount: number };
}

interface Created {
  id: string;
  shareUrl: string;
  deleteToken: string;
  expiresAt: string;
  files: CreatedFile[];
}

interface Target {
  uploadUrl: string;
  headers: Record<string, string>;
}

/** The refusal of a share of several files by a stack that predates them. */
export const noShares = (version: string) =>
  cliError(
    EXIT.refused,
    `This stack's API (version ${version}) takes one file per share: upload the files one at a time, or as one archive (tar cz FOLDER | fileshare upload - --name FOLDER.tar.gz). Nothing was sent.`,
  );

/** Per-transfer retries, as for a single file's parts: each is small, and the share resumes anyway. */
const ATTEMPTS = 8;

export async function uploadShare(files: readonly LocalFile[], options: ShareUploadOptions): Promise<UploadResult> {
  // An encrypted upload and a plain one of the same files are different uploads: each resumes only itself.
  const key = `${shareStateKey(files)}${options.encrypt ? "-sealed" : ""}`;
  const saved = await options.store.loadShareUpload(key);
  if (
    saved &&
    saved.apiUrl === options.apiUrl &&
    Date.parse(saved.expiresAt) > Date.now() &&
    options.encrypt === (saved.encryption !== undefined)
  ) {
    const left = saved.files.filter((f) => !f.done).length;
    options.say(`Resuming the share of ${files.length} files (${left} not finished).`);
    return send(key, saved, new Map(), options);
  }
  const shareKey = options.encrypt ? newShareKey() : undefined;
  const sealings = files.map((): Sealing | undefined =>
    shareKey === undefined ? undefined : { key: shareKey, salt: newSalt() },
  );
  const sizes = files.map((f) => (shareKey === undefined ? f.size : encryptedSize(f.size)));
  const hashed = await hashAll(files, sizes, sealings, options.limits);
  const described = (f: LocalFile) => ({ fileName: f.name, contentType: contentTypeOf(f.path) });
  const created = await callApi<Created>(options.apiUrl, "POST", "shares", {
    body: {
      files: files.map((f, i) => ({
        ...(shareKey === undefined
          ? described(f)
          : { encryptedMetadata: encryptMetadata(shareKey, { ...described(f), size: f.size }) }),
        size: sizes[i],
        sha256: hashed[i]?.sha256,
        checksumAlgorithm: "SHA256",
      })),
      ...(shareKey !== undefined ? { encryption: ENCRYPTION_CODING } : {}),
      ...(options.title !== undefined
        ? shareKey === undefined
          ? { title: options.title }
          : { encryptedTitle: encryptTitle(shareKey, options.title) }
        : {}),
      ...(options.expiresInSeconds !== undefined ? { expiresInSeconds: options.expiresInSeconds } : {}),
      ...(options.maxDownloads !== undefined ? { maxDownloads: options.maxDownloads } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    },
    headers: options.auth,
  }).catch((e) => {
    // A stack that did not say (no GET /config) and has no POST /shares either.
    throw (e as { status?: number }).status === 404 ? noShares(options.limits.apiVersion ?? "1.1") : e;
  });
  if (!Array.isArray(created.files) || created.files.length !== files.length) {
    throw cliError(EXIT.failed, "The API's answer to POST /shares does not list every file; nothing was uploaded.");
  }
  const targets = new Map<number, Target>();
  const state: ShareUploadState = {
    apiUrl: options.apiUrl,
    id: created.id,
    deleteToken: created.deleteToken,
    shareUrl: created.shareUrl,
    expiresAt: created.expiresAt,
    files: files.map((f, i) => {
      const answer = created.files[i] as CreatedFile;
      const file = i + 1;
      // The absolute path: the same command may resume from another working folder.
      const salt = sealings[i]?.salt.toString("base64url");
      const base = {
        ...{ file, path: resolve(f.path), name: f.name, size: sizes[i] as number, done: false },
        ...(salt !== undefined ? { salt } : {}),
      };
      if (answer.method === "PUT" && answer.uploadUrl) {
        targets.set(file, { uploadUrl: answer.uploadUrl, headers: answer.headers ?? {} });
        return { ...base, method: "PUT" };
      }
      const plan = answer.multipart;
      if (answer.method !== "MULTIPART" || plan === undefined) {
        throw cliError(EXIT.failed, `The API answered neither an upload URL nor a plan for ${shown(f.name)}.`);
      }
      const parts = hashed[i]?.partSize === plan.partSize ? (hashed[i]?.parts ?? []) : [];
      return {
        ...base,
        method: "MULTIPART",
        partSize: plan.partSize,
        partCount: plan.partCount,
        partSha256: Object.fromEntries(parts.map((h, n) => [String(n + 1), h])),
        etags: {},
      };
    }),
    ...(shareKey !== undefined ? { encryption: { key: shareKey.toString("base64url") } } : {}),
  };
  await options.store.saveShareUpload(key, state);
  // Said now, not only at the end: an upload interrupted for good can be cancelled with `fileshare delete`.
  await options.store.rememberShare(state.id, state.apiUrl, state.deleteToken);
  options.say(
    `Sharing ${files.length} files as ${state.shareUrl} (usable once every file is uploaded; to cancel: fileshare delete <link>${shareKey ? "; the link with its key is printed at the end" : ""}).`,
  );
  return send(key, state, targets, options);
}

/** Small files hashed at once: each is a few file-system calls waiting on the thread pool more than on the CPU
 *  (100 files of 1 MiB one after another took seconds on a busy machine). */
const SMALL_FILES_HASHED_AT_ONCE = 8;

/** Every file's SHA-256 and, for a file above the threshold, its parts' (the plan predicted from GET /config):
 *  of the bytes that go up, `sizes[i]` of them (encrypted with `sealings[i]` when given). Small files several at a
 *  time; a large one alone (its reads hold a few part-sized buffers). */
async function hashAll(
  files: readonly LocalFile[],
  sizes: readonly number[],
  sealings: readonly (Sealing | undefined)[],
  limits: StackLimits,
) {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const bar = progressBar("checksum ", total);
  const { multipartThresholdBytes: threshold, multipartPartSizeBytes: minPart } = limits;
  const partSizeOf = (size: number) =>
    threshold !== undefined && minPart !== undefined && size > threshold
      ? planParts(size, minPart).partSize
      : undefined;
  try {
    const hashed: { sha256: string; parts: string[]; partSize?: number }[] = new Array(files.length);
    const indexes = files.map((_, i) => i);
    const small = indexes.filter((i) => partSizeOf(sizes[i] as number) === undefined);
    const worker = async () => {
      for (let i = small.shift(); i !== undefined; i = small.shift()) {
        const f = files[i] as LocalFile;
        hashed[i] = { sha256: await hashRange(f.path, undefined, (n) => bar.add(n), sealings[i]), parts: [] };
      }
    };
    await Promise.all(Array.from({ length: SMALL_FILES_HASHED_AT_ONCE }, worker));
    for (const i of indexes) {
      const partSize = partSizeOf(sizes[i] as number);
      if (partSize === undefined) continue;
      const f = files[i] as LocalFile;
      hashed[i] = { ...(await hashFileAndParts(f.path, partSize, (n) => bar.add(n), sealings[i])), partSize };
    }
    return hashed;
  } finally {
    bar.stop();
  }
}

/** One transfer: a small file's PUT, or one part of a large file. */
type Job = { f: ShareFileState; part?: number };

async function send(
  key: string,
  state: ShareUploadState,
  targets: Map<number, Target>,
  options: ShareUploadOptions,
): Promise<UploadResult> {
  const owner = { "X-Delete-Token": state.deleteToken };
  let saving = Promise.resolve();
  const save = () => (saving = saving.then(() => options.store.saveShareUpload(key, state)));
  // S3 is the truth about which parts it holds (a part sent just before a crash may be missing from the state).
  for (const f of state.files.filter((f) => f.method === "MULTIPART" && !f.done)) {
    const held = await heldParts(state, f, options, key);
    if (held === undefined) f.done = true;
    else f.etags = held;
  }
  const jobs: Job[] = [];
  for (const f of state.files.filter((f) => !f.done)) {
    if (f.method === "PUT") jobs.push({ f });
    else for (let n = 1; n <= (f.partCount as number); n++) if (!f.etags?.[String(n)]) jobs.push({ f, part: n });
  }
  const total = state.files.reduce((sum, f) => sum + f.size, 0);
  const left = jobs.reduce(
    (sum, j) => sum + (j.part === undefined ? j.f.size : partLength(j.f.size, plan(j.f), j.part)),
    0,
  );
  const progress = shareProgress("share    ", state.files.length, total, {
    bytes: total - left,
    files: state.files.filter((f) => f.done).length,
  });
  const bars = new Map<number, ReturnType<ShareProgress["file"]>>();
  const jobsLeft = new Map<number, number>();
  for (const j of jobs) jobsLeft.set(j.f.file, (jobsLeft.get(j.f.file) ?? 0) + 1);
  const barOf = (f: ShareFileState) => {
    let bar = bars.get(f.file);
    if (bar === undefined) {
      const sent = f.method === "PUT" ? 0 : Object.keys(f.etags ?? {}).length * plan(f).partSize;
      bar = progress.file(f.name, f.size, Math.min(sent, f.size));
      bars.set(f.file, bar);
    }
    return bar;
  };
  try {
    let stopped = false; // after one transfer fails for good, the others finish what they sent and take no more
    let failedFile: ShareFileState | undefined;
    const worker = async () => {
      for (let job = stopped ? undefined : jobs.shift(); job !== undefined; job = stopped ? undefined : jobs.shift()) {
        const { f, part } = job;
        const bar = barOf(f);
        try {
          if (part === undefined) {
            await putFile(state, f, targets, bar);
            f.done = true;
          } else {
            (f.etags ??= {})[String(part)] = await sendPart(state, f, part, bar);
          }
        } catch (e) {
          stopped = true;
          failedFile ??= f;
          throw e;
        }
        await save();
        const rest = (jobsLeft.get(f.file) ?? 1) - 1;
        jobsLeft.set(f.file, rest);
        if (rest === 0 && part === undefined) bar.done();
      }
    };
    const outcomes = await Promise.allSettled(Array.from({ length: Math.max(1, options.parallel) }, worker));
    await saving;
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed && (failed.reason as { storageCode?: string }).storageCode === "BadDigest") {
      // Storage computed another SHA-256 than the one hashed when the upload began: a file changed in place.
      await options.store.forgetUpload(key);
      throw cliError(
        EXIT.refused,
        `${failedFile?.path ?? "A file"} changed since the share's upload began (storage found another SHA-256 for it); the saved upload was dropped: run the command again to start afresh.`,
      );
    }
    if (failed) throw failed.reason;
    for (const f of state.files.filter((f) => f.method === "MULTIPART" && !f.done)) {
      // Storage joins the parts now, which takes seconds for a large file: said, so 100% is not a silent wait.
      options.say(`Completing ${shown(f.name)} (storage joins its ${f.partCount} parts)…`);
      await complete(state, f, owner);
      f.done = true;
      bars.get(f.file)?.done();
      await save();
    }
  } finally {
    progress.stop();
  }
  await saving;
  await options.store.rememberShare(state.id, state.apiUrl, state.deleteToken);
  await options.store.forgetUpload(key);
  const shareKey = state.encryption?.key;
  return {
    id: state.id,
    shareUrl: shareKey === undefined ? state.shareUrl : linkWithKey(state.shareUrl, Buffer.from(shareKey, "base64url")),
    deleteToken: state.deleteToken,
  };
}

/** What encrypts a file of a saved share: the share's key and the file's salt; undefined when not encrypted. */
function sealingOf(state: ShareUploadState, f: ShareFileState): Sealing | undefined {
  const key = state.encryption?.key;
  if (key === undefined || f.salt === undefined) return undefined;
  return { key: Buffer.from(key, "base64url"), salt: Buffer.from(f.salt, "base64url") };
}

const plan = (f: ShareFileState) => ({ partSize: f.partSize as number, partCount: f.partCount as number });

/** The ETags of the parts S3 holds for a multipart file, by part number; undefined when it is complete already. */
async function heldParts(
  state: ShareUploadState,
  f: ShareFileState,
  options: ShareUploadOptions,
  key: string,
): Promise<Record<string, string> | undefined> {
  const held = await callApi<{ parts: { partNumber: number; etag: string; size: number }[] }>(
    state.apiUrl,
    "GET",
    `uploads/${state.id}/parts?file=${f.file}`,
    { headers: { "X-Delete-Token": state.deleteToken } },
  ).catch(async (e) => {
    const status = (e as { status?: number }).status ?? 0;
    if (status === 409) return undefined; // completed by an earlier run
    if ([403, 404, 410].includes(status)) {
      await options.store.forgetUpload(key);
      throw cliError(
        EXIT.refused,
        `${(e as Error).message} The saved upload cannot continue; run the command again to start afresh.`,
      );
    }
    throw e;
  });
  if (held === undefined) return undefined;
  return Object.fromEntries(
    held.parts
      .filter((p) => p.size === partLength(f.size, plan(f), p.partNumber))
      .map((p) => [String(p.partNumber), p.etag]),
  );
}

/** A small file's single PUT; a fresh URL from POST /uploads/{id}/url when there is none (a resumed run) or S3
 *  says it expired. A file S3 holds already (a PUT answered just before an interruption) counts as sent. */
async function putFile(
  state: ShareUploadState,
  f: ShareFileState,
  targets: Map<number, Target>,
  bar: ReturnType<ShareProgress["file"]>,
): Promise<void> {
  await retry(
    async () => {
      let target = targets.get(f.file);
      if (target === undefined) {
        target = await callApi<Target>(state.apiUrl, "POST", `uploads/${state.id}/url`, {
          body: { file: f.file },
          headers: { "X-Delete-Token": state.deleteToken },
        }).catch((e) => {
          if ((e as { status?: number }).status === 409) return undefined; // uploaded already
          throw e;
        });
        if (target === undefined) return;
        targets.set(f.file, target);
      }
      let sent = 0;
      try {
        const file = { path: f.path, start: 0, length: f.size, sealing: sealingOf(state, f) };
        await putRange(target.uploadUrl, target.headers, file, (n) => {
          sent += n;
          bar.add(n);
        });
      } catch (e) {
        bar.add(-sent);
        const refused = e as { storageCode?: string; retryable?: boolean };
        // The URL is write-once (If-None-Match: *): S3 holds this file already.
        if (refused.storageCode === "PreconditionFailed") return;
        // An expired URL (or one from before a restart): the next attempt asks for a fresh one.
        if (refused.storageCode === "AccessDenied" || refused.retryable) targets.delete(f.file);
        throw e;
      }
    },
    { attempts: ATTEMPTS },
  );
}

async function sendPart(
  state: ShareUploadState,
  f: ShareFileState,
  partNumber: number,
  bar: ReturnType<ShareProgress["file"]>,
): Promise<string> {
  const start = (partNumber - 1) * (f.partSize as number);
  const length = partLength(f.size, plan(f), partNumber);
  const hashes = (f.partSha256 ??= {});
  const sealing = sealingOf(state, f);
  const sha256 = (hashes[String(partNumber)] ??= await hashRange(f.path, { start, length }, undefined, sealing));
  return retry(
    async () => {
      // A fresh URL each attempt: the last one may have expired while the laptop slept.
      const signed = await callApi<{ parts: { partNumber: number; url: string; headers: Record<string, string> }[] }>(
        state.apiUrl,
        "POST",
        `uploads/${state.id}/parts`,
        { body: { file: f.file, parts: [{ partNumber, sha256 }] }, headers: { "X-Delete-Token": state.deleteToken } },
      );
      const part = signed.parts?.[0];
      if (!part) throw cliError(EXIT.failed, `The API gave no URL for part ${partNumber} of ${shown(f.name)}.`);
      let sent = 0;
      try {
        return await putRange(part.url, part.headers, { path: f.path, start, length, sealing }, (n) => {
          sent += n;
          bar.add(n);
        });
      } catch (e) {
        bar.add(-sent);
        throw e;
      }
    },
    { attempts: ATTEMPTS },
  );
}

async function complete(state: ShareUploadState, f: ShareFileState, owner: Record<string, string>): Promise<void> {
  const parts = Array.from({ length: f.partCount as number }, (_, i) => ({
    partNumber: i + 1,
    etag: f.etags?.[String(i + 1)] as string,
  }));
  await callApi(state.apiUrl, "POST", `uploads/${state.id}/complete`, {
    body: { file: f.file, parts },
    headers: owner,
  }).catch((e) => {
    if ((e as { status?: number }).status !== 409) throw e; // 409: a previous run completed it
  });
}
