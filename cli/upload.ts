// `fileshare upload FILE`: a single streamed PUT up to the stack's multipart threshold, above it parts sent in
// parallel with retries, each part's SHA-256 checked by S3, and the state kept so that running the same command
// again resumes from the parts S3 already holds.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { callApi } from "./api";
import { cliError, EXIT } from "./errors";
import { Progress, progressBar } from "./progress";
import { retry } from "./retry";
import { StateStore, stateKey, UploadState } from "./state";
import { hashFileAndParts } from "./hashParts";
import { hashRange, putRange } from "./transfer";
import { contentTypeOf } from "./types";
import { partLength, planParts } from "../contract/parts";

export interface UploadOptions {
  apiUrl: string;
  expiresInSeconds?: number;
  maxDownloads?: number;
  /** Parts in flight at once. */
  parallel: number;
  store: StateStore;
  /** Where messages go (stderr); the link and token go to stdout. */
  say: (line: string) => void;
  /** The share's password (docs/api.md "Restricted shares"), when it has one. */
  password?: string;
  /** Headers that sign the caller in (Authorization: Bearer …), when signed in. */
  auth?: Record<string, string>;
}

export interface UploadResult {
  id: string;
  shareUrl: string;
  deleteToken: string;
}

interface Created {
  id: string;
  method: "PUT" | "MULTIPART";
  uploadUrl?: string;
  headers?: Record<string, string>;
  multipart?: { partSize: number; partCount: number };
  shareUrl: string;
  deleteToken: string;
  expiresAt: string;
}

/** Per-part retries: a part is small, so it is worth trying hard before giving up (the upload resumes anyway). */
const PART_ATTEMPTS = 8;

export async function upload(path: string, options: UploadOptions): Promise<UploadResult> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw cliError(EXIT.usage, `${path} is not a readable file.`);
  if (info.size === 0) throw cliError(EXIT.usage, `${path} is empty; there is nothing to share.`);
  const key = stateKey(path, info.size, info.mtimeMs);
  const saved = await options.store.loadUpload(key);
  if (saved && saved.apiUrl === options.apiUrl && Date.parse(saved.expiresAt) > Date.now()) {
    options.say(`Resuming the upload of ${basename(path)} (${Object.keys(saved.etags).length} parts on record).`);
    return sendParts(path, info.size, key, saved, options);
  }
  // The whole file's SHA-256 is recorded with the share (downloads verify it); for a single PUT S3 checks it.
  // When GET /config lets us predict the part size, the same pass hashes each part too (S3 checks those).
  const partSize = await predictedPartSize(options.apiUrl, info.size);
  const hashing = progressBar("checksum ", info.size);
  const hashed = await (
    partSize === undefined
      ? hashRange(path, undefined, (n) => hashing.add(n)).then((sha256) => ({ sha256, parts: [] as string[] }))
      : hashFileAndParts(path, partSize, (n) => hashing.add(n))
  ).finally(() => hashing.stop());
  const created = await create(path, info.size, options, hashed.sha256);
  if (created.method === "PUT") return singlePut(path, info.size, created, options);
  const plan = created.multipart;
  if (plan === undefined) throw cliError(EXIT.failed, "The API answered neither an upload URL nor a multipart plan.");
  const state: UploadState = {
    apiUrl: options.apiUrl,
    id: created.id,
    deleteToken: created.deleteToken,
    shareUrl: created.shareUrl,
    expiresAt: created.expiresAt,
    partSize: plan.partSize,
    partCount: plan.partCount,
    // Hashed above when the plan is the predicted one; otherwise each part is hashed just before it is sent.
    partSha256: plan.partSize === partSize ? Object.fromEntries(hashed.parts.map((h, i) => [String(i + 1), h])) : {},
    etags: {},
  };
  await options.store.saveUpload(key, state);
  // Said now, not only at the end: an upload interrupted for good can then be cancelled (`fileshare delete` finds
  // the saved delete token) instead of holding its parts until the share expires.
  await options.store.rememberShare(state.id, state.apiUrl, state.deleteToken);
  options.say(
    `Sharing ${basename(path)} as ${state.shareUrl} (usable once the upload completes; to cancel: fileshare delete <link>).`,
  );
  return sendParts(path, info.size, key, state, options);
}

/** The part size POST /uploads will choose for a file of `size` bytes (the server's own rule, contract/parts.ts),
 *  from GET /config; undefined below the threshold or when the stack does not say. Only a
 *  prediction: the plan the server answers is what counts. */
async function predictedPartSize(apiUrl: string, size: number): Promise<number | undefined> {
  const config = await callApi<{ limits?: { multipartThresholdBytes?: number; multipartPartSizeBytes?: number } }>(
    apiUrl,
    "GET",
    "config",
  ).catch((e) => {
    if ((e as { exitCode?: number }).exitCode === EXIT.unavailable) throw e;
    return undefined; // an older stack without GET /config: hash each part when it is sent
  });
  const { multipartThresholdBytes: threshold, multipartPartSizeBytes: minPart } = config?.limits ?? {};
  if (threshold === undefined || minPart === undefined || size <= threshold) return undefined;
  return planParts(size, minPart).partSize;
}

/** POST /uploads; a file above the stack's threshold gets a multipart plan, with S3 checking each part's SHA-256. */
function create(path: string, size: number, options: UploadOptions, sha256: string): Promise<Created> {
  return callApi<Created>(options.apiUrl, "POST", "uploads", {
    body: {
      fileName: basename(path),
      contentType: contentTypeOf(path),
      size,
      sha256,
      checksumAlgorithm: "SHA256",
      ...(options.expiresInSeconds !== undefined ? { expiresInSeconds: options.expiresInSeconds } : {}),
      ...(options.maxDownloads !== undefined ? { maxDownloads: options.maxDownloads } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    },
    headers: options.auth,
  });
}

async function singlePut(path: string, size: number, created: Created, options: UploadOptions): Promise<UploadResult> {
  if (!created.uploadUrl) throw cliError(EXIT.failed, "The API did not give an upload URL.");
  const bar = progressBar("uploading", size, 0, process.stderr, "confirming the upload with storage…");
  let target = { uploadUrl: created.uploadUrl, headers: created.headers ?? {} };
  let urlExpired = false;
  try {
    await retry(
      async () => {
        // S3 refused the last try because its URL expired: the owner's route signs a fresh one (same headers).
        if (urlExpired) {
          target = await callApi<{ uploadUrl: string; headers: Record<string, string> }>(
            options.apiUrl,
            "POST",
            `uploads/${created.id}/url`,
            { body: {}, headers: { "X-Delete-Token": created.deleteToken } },
          );
        }
        let sent = 0;
        try {
          await putRange(target.uploadUrl, target.headers, { path, start: 0, length: size }, (n) => {
            sent += n;
            bar.add(n);
          });
        } catch (e) {
          bar.add(-sent);
          const refused = e as { storageCode?: string; retryable?: boolean };
          urlExpired = refused.storageCode === "AccessDenied" && refused.retryable === true;
          throw e;
        }
      },
      { attempts: 3 },
    );
  } finally {
    bar.stop();
  }
  await options.store.rememberShare(created.id, options.apiUrl, created.deleteToken);
  return { id: created.id, shareUrl: created.shareUrl, deleteToken: created.deleteToken };
}

interface SignedParts {
  parts: { partNumber: number; url: string; headers: Record<string, string> }[];
}
interface HeldParts {
  parts: { partNumber: number; etag: string; size: number }[];
}

async function sendParts(
  path: string,
  size: number,
  key: string,
  state: UploadState,
  options: UploadOptions,
): Promise<UploadResult> {
  const owner = { "X-Delete-Token": state.deleteToken };
  // S3 is the truth about which parts it holds (a part sent just before a crash may be missing from the state).
  const held = await callApi<HeldParts>(state.apiUrl, "GET", `uploads/${state.id}/parts`, { headers: owner }).catch(
    async (e) => {
      if ((e as { status?: number }).status === 409) return undefined; // already complete
      if ([403, 404, 410].includes((e as { status?: number }).status ?? 0)) {
        await options.store.forgetUpload(key);
        throw cliError(
          EXIT.refused,
          `${(e as Error).message} The saved upload cannot continue; run the command again to start afresh.`,
        );
      }
      throw e;
    },
  );
  if (held !== undefined) {
    const lengthOf = (n: number) => partLength(size, state, n);
    state.etags = Object.fromEntries(
      held.parts.filter((p) => p.size === lengthOf(p.partNumber)).map((p) => [String(p.partNumber), p.etag]),
    );
    const todo = Array.from({ length: state.partCount }, (_, i) => i + 1).filter(
      (n) => state.etags[String(n)] === undefined,
    );
    const sent = size - todo.reduce((sum, n) => sum + lengthOf(n), 0);
    const bar = progressBar("uploading", size, sent, process.stderr, "confirming the last parts with storage…");
    try {
      let saving = Promise.resolve();
      let stopped = false; // after one part fails for good, the others finish what they sent and take no more
      const worker = async () => {
        for (let n = stopped ? undefined : todo.shift(); n !== undefined; n = stopped ? undefined : todo.shift()) {
          const partNumber = n;
          const etag = await sendPart(path, state, partNumber, lengthOf(partNumber), bar).catch((e) => {
            stopped = true;
            throw e;
          });
          state.etags[String(partNumber)] = etag;
          saving = saving.then(() => options.store.saveUpload(key, state));
        }
      };
      const outcomes = await Promise.allSettled(Array.from({ length: Math.max(1, options.parallel) }, worker));
      await saving;
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
      if (failed && (failed.reason as { storageCode?: string }).storageCode === "BadDigest") {
        // S3 computed another SHA-256 than the one hashed when the upload began: the file changed in place (same
        // size and time). Resuming would fail the same way forever, so the saved upload is dropped.
        await options.store.forgetUpload(key);
        throw cliError(
          EXIT.refused,
          `${basename(path)} changed since its upload began (storage found another SHA-256 for a part); the saved upload was dropped: run the command again to start afresh.`,
        );
      }
      if (failed) throw failed.reason;
    } finally {
      bar.stop();
    }
    const parts = Array.from({ length: state.partCount }, (_, i) => ({
      partNumber: i + 1,
      etag: state.etags[String(i + 1)] as string,
    }));
    // Storage joins the parts now, which takes seconds for a large file: said, so 100% is not a silent wait.
    options.say(`Completing the upload (storage joins its ${state.partCount} parts)…`);
    await callApi(state.apiUrl, "POST", `uploads/${state.id}/complete`, { body: { parts }, headers: owner }).catch(
      (e) => {
        if ((e as { status?: number }).status !== 409) throw e; // 409: a previous run completed it
      },
    );
  }
  await options.store.rememberShare(state.id, state.apiUrl, state.deleteToken);
  await options.store.forgetUpload(key);
  return { id: state.id, shareUrl: state.shareUrl, deleteToken: state.deleteToken };
}

async function sendPart(
  path: string,
  state: UploadState,
  partNumber: number,
  length: number,
  bar: Progress,
): Promise<string> {
  const start = (partNumber - 1) * state.partSize;
  // Hashed just before sending (the second read comes from the page cache) and kept for retries and resumes.
  const sha256 = (state.partSha256[String(partNumber)] ??= await hashRange(path, { start, length }));
  return retry(
    async () => {
      // A fresh URL each attempt: the last one may have expired while the laptop slept.
      const signed = await callApi<SignedParts>(state.apiUrl, "POST", `uploads/${state.id}/parts`, {
        body: { parts: [{ partNumber, sha256 }] },
        headers: { "X-Delete-Token": state.deleteToken },
      });
      const part = signed.parts[0];
      if (!part) throw cliError(EXIT.failed, `The API gave no URL for part ${partNumber}.`);
      let sent = 0;
      try {
        return await putRange(part.url, part.headers, { path, start, length }, (n) => {
          sent += n;
          bar.add(n);
        });
      } catch (e) {
        bar.add(-sent);
        throw e;
      }
    },
    { attempts: PART_ATTEMPTS },
  );
}
