// `fileshare upload FILE`: a single streamed PUT up to the stack's multipart threshold, above it parts sent in
// parallel with retries, the file read once (each part's SHA-256, checked by S3, and the whole file's, declared
// at completion, hashed from the buffer each part is sent from), and the state kept so that running the same
// command again resumes from the parts S3 already holds. Encrypted (--encrypt), the same moves carry the file's
// encrypted bytes, made as each range is read (cli/crypto/sealedFile.ts); the key and salt are kept in the state
// (mode 0600) so that a resumed upload makes the same bytes.
import { createHash, Hash } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { callApi } from "./api";
import { ENCRYPTION_CODING } from "../contract/encryption";
import { encryptedSize, newSalt } from "./crypto/ece";
import { encryptMetadata } from "./crypto/metadata";
import { Sealing } from "./crypto/sealedFile";
import { linkWithKey, newShareKey } from "./crypto/shareKey";
import { cliError, EXIT } from "./errors";
import { Progress, progressBar } from "./progress";
import { retry } from "./retry";
import { StateStore, stateKey, UploadState } from "./state";
import { bufferCount, readParts, ReadPart } from "./hashParts";
import { hashRange, putRange } from "./transfer";
import { contentTypeOf } from "./types";
import { MAX_PARTS_PER_REQUEST, partLength } from "../contract/parts";

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
  /** Encrypt end to end: the share key is made here, and the link returned carries it in its fragment. */
  encrypt?: boolean;
  /** The stack's multipart threshold (GET /config, read once per command); undefined when the stack does not say. */
  multipartThresholdBytes?: number;
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
  // An encrypted upload and a plain one of the same file are different uploads: each resumes only itself.
  const key = `${options.encrypt ? "sealed-" : ""}${stateKey(path, info.size, info.mtimeMs)}`;
  const saved = await options.store.loadUpload(key);
  if (saved && saved.apiUrl === options.apiUrl && Date.parse(saved.expiresAt) > Date.now()) {
    const sealing = sealingOf(saved);
    if (options.encrypt === (sealing !== undefined)) {
      options.say(`Resuming the upload of ${basename(path)} (${Object.keys(saved.etags).length} parts on record).`);
      return sendParts(path, uploadSize(info.size, sealing), key, saved, options, sealing);
    }
  }
  const sealing = options.encrypt ? { key: newShareKey(), salt: newSalt() } : undefined;
  const size = uploadSize(info.size, sealing);
  // A file that goes in parts is read once: each part and the whole file are hashed as the parts are read to be
  // sent, and the whole file's SHA-256 is declared at completion. A single PUT needs its SHA-256 first (S3 checks
  // it), and so does a file whose way up the stack does not say (an older stack without GET /config).
  const threshold = options.multipartThresholdBytes;
  let sha256: string | undefined;
  if (threshold === undefined || size <= threshold) {
    const hashing = progressBar("checksum ", size);
    sha256 = await hashRange(path, undefined, (n) => hashing.add(n), sealing).finally(() => hashing.stop());
  }
  const created = await create(path, info.size, options, sha256, sealing);
  if (created.method === "PUT") return singlePut(path, size, created, options, sealing);
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
    partSha256: {},
    etags: {},
    ...(sealing !== undefined
      ? { encryption: { key: sealing.key.toString("base64url"), salt: sealing.salt.toString("base64url") } }
      : {}),
  };
  await options.store.saveUpload(key, state);
  // Said now, not only at the end: an upload interrupted for good can then be cancelled (`fileshare delete` finds
  // the saved delete token) instead of holding its parts until the share expires.
  await options.store.rememberShare(state.id, state.apiUrl, state.deleteToken);
  options.say(
    `Sharing ${basename(path)} as ${state.shareUrl} (usable once the upload completes; to cancel: fileshare delete <link>${sealing ? "; the link with its key is printed at the end" : ""}).`,
  );
  return sendParts(path, size, key, state, options, sealing);
}

/** The bytes that go up: the file's, or its encrypted form's. */
const uploadSize = (plainSize: number, sealing?: Sealing) =>
  sealing === undefined ? plainSize : encryptedSize(plainSize);

/** The key and salt a saved encrypted upload was made with. */
function sealingOf(state: UploadState): Sealing | undefined {
  const e = state.encryption;
  return e === undefined ? undefined : { key: Buffer.from(e.key, "base64url"), salt: Buffer.from(e.salt, "base64url") };
}

/** What is handed out: the share's link, with the key in its fragment when encrypted. */
const result = (id: string, shareUrl: string, deleteToken: string, sealing?: Sealing): UploadResult => ({
  id,
  shareUrl: sealing === undefined ? shareUrl : linkWithKey(shareUrl, sealing.key),
  deleteToken,
});

/** POST /uploads; a file above the stack's threshold gets a multipart plan, with S3 checking each part's SHA-256.
 *  Encrypted, the name, type and size go only inside encryptedMetadata; the size declared is the ciphertext's. */
function create(
  path: string,
  plainSize: number,
  options: UploadOptions,
  sha256: string | undefined,
  sealing: Sealing | undefined,
): Promise<Created> {
  const described = { fileName: basename(path), contentType: contentTypeOf(path) };
  return callApi<Created>(options.apiUrl, "POST", "uploads", {
    body: {
      ...(sealing === undefined
        ? { ...described, size: plainSize }
        : {
            encryption: ENCRYPTION_CODING,
            encryptedMetadata: encryptMetadata(sealing.key, { ...described, size: plainSize }),
            size: encryptedSize(plainSize),
          }),
      ...(sha256 !== undefined ? { sha256 } : {}),
      checksumAlgorithm: "SHA256",
      ...(options.expiresInSeconds !== undefined ? { expiresInSeconds: options.expiresInSeconds } : {}),
      ...(options.maxDownloads !== undefined ? { maxDownloads: options.maxDownloads } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    },
    headers: options.auth,
  });
}

async function singlePut(
  path: string,
  size: number,
  created: Created,
  options: UploadOptions,
  sealing: Sealing | undefined,
): Promise<UploadResult> {
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
          await putRange(target.uploadUrl, target.headers, { path, start: 0, length: size, sealing }, (n) => {
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
  return result(created.id, created.shareUrl, created.deleteToken, sealing);
}

interface SignedPart {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
}
interface HeldParts {
  parts: { partNumber: number; etag: string; size: number }[];
}

/** Asks for part URLs ahead of the senders: parts asked for while a call is on its way go together in the next
 *  one (up to the API's limit per call). A URL signs its part's SHA-256, so a part is signed once it is read. */
class PartSigner {
  private waiting: { partNumber: number; sha256: string; done: (p: SignedPart) => void; fail: (e: unknown) => void }[] =
    [];
  private busy = false;

  constructor(private readonly state: UploadState) {}

  sign(partNumber: number, sha256: string): Promise<SignedPart> {
    return new Promise((done, fail) => {
      this.waiting.push({ partNumber, sha256, done, fail });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.busy || this.waiting.length === 0) return;
    this.busy = true;
    const batch = this.waiting.splice(0, MAX_PARTS_PER_REQUEST);
    try {
      const signed = await callApi<{ parts: SignedPart[] }>(
        this.state.apiUrl,
        "POST",
        `uploads/${this.state.id}/parts`,
        {
          body: { parts: batch.map(({ partNumber, sha256 }) => ({ partNumber, sha256 })) },
          headers: { "X-Delete-Token": this.state.deleteToken },
        },
      );
      const byNumber = new Map(signed.parts.map((p) => [p.partNumber, p]));
      for (const w of batch) {
        const part = byNumber.get(w.partNumber);
        if (part) w.done(part);
        else w.fail(cliError(EXIT.failed, `The API gave no URL for part ${w.partNumber}.`));
      }
    } catch (e) {
      for (const w of batch) w.fail(e);
    } finally {
      this.busy = false;
      void this.flush();
    }
  }
}

/** The saved upload no longer matches the file: it is dropped, and the next run starts afresh. */
async function fileChanged(path: string, key: string, options: UploadOptions, why: string): Promise<Error> {
  await options.store.forgetUpload(key);
  return cliError(
    EXIT.refused,
    `${basename(path)} changed since its upload began (${why}); the saved upload was dropped: run the command again to start afresh.`,
  );
}

async function sendParts(
  path: string,
  size: number,
  key: string,
  state: UploadState,
  options: UploadOptions,
  sealing: Sealing | undefined,
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
    const sent = Object.keys(state.etags).reduce((sum, n) => sum + lengthOf(Number(n)), 0);
    const bar = progressBar("uploading", size, sent, process.stderr, "confirming the last parts with storage…");
    const whole = createHash("sha256");
    try {
      await sendAll(path, size, key, state, options, bar, whole, sealing);
    } finally {
      bar.stop();
    }
    const parts = Array.from({ length: state.partCount }, (_, i) => ({
      partNumber: i + 1,
      etag: state.etags[String(i + 1)] as string,
    }));
    // Storage joins the parts now, which takes seconds for a large file: said, so 100% is not a silent wait.
    options.say(`Completing the upload (storage joins its ${state.partCount} parts)…`);
    const done = await callApi<{ sha256?: string; passwordRequired?: boolean }>(
      state.apiUrl,
      "POST",
      `uploads/${state.id}/complete`,
      { body: { parts, sha256: whole.digest("base64") }, headers: owner },
    ).catch((e) => {
      if ((e as { status?: number }).status !== 409) throw e; // 409: a previous run completed it
      return undefined;
    });
    if (done && !done.passwordRequired && done.sha256 === undefined) {
      options.say("Note: this stack did not record the file's SHA-256 (an older API): downloads cannot verify it.");
    }
  }
  await options.store.rememberShare(state.id, state.apiUrl, state.deleteToken);
  await options.store.forgetUpload(key);
  return result(state.id, state.shareUrl, state.deleteToken, sealing);
}

/** Reads every part once, in order (hashing it and `whole`), and sends those S3 does not hold yet, `parallel` at
 *  a time, each from the buffer it was read into. Parts S3 holds are read for the whole file's hash only, and
 *  must hash as they did when they were sent. */
async function sendAll(
  path: string,
  size: number,
  key: string,
  state: UploadState,
  options: UploadOptions,
  bar: Progress,
  whole: Hash,
  sealing: Sealing | undefined,
): Promise<void> {
  const signer = new PartSigner(state);
  const ready: { part: ReadPart; signed: Promise<SignedPart> }[] = [];
  let reading = true;
  let failure: unknown; // the first part that failed for good: the others finish what they sent and take no more
  const waiting: (() => void)[] = [];
  const wake = () => waiting.splice(0).forEach((w) => w());
  let saving = Promise.resolve();

  const reader = (async () => {
    try {
      const plan = { size, partSize: state.partSize, partCount: state.partCount };
      for await (const part of readParts(path, plan, bufferCount(state.partSize, options.parallel), whole, sealing)) {
        const n = String(part.partNumber);
        const before = state.partSha256[n];
        state.partSha256[n] = part.sha256;
        if (state.etags[n] !== undefined || failure !== undefined) {
          part.release();
          if (before !== undefined && before !== part.sha256) {
            throw await fileChanged(path, key, options, `part ${n}, already sent, reads differently now`);
          }
          if (failure !== undefined) break;
          continue;
        }
        const signed = signer.sign(part.partNumber, part.sha256);
        signed.catch(() => undefined); // awaited by the sender
        ready.push({ part, signed });
        wake();
      }
    } catch (e) {
      failure ??= e;
      throw e;
    } finally {
      reading = false;
      wake();
    }
  })();
  reader.catch(() => undefined); // awaited below

  const sender = async () => {
    for (;;) {
      const next = ready.shift();
      if (next === undefined) {
        if (!reading) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      try {
        if (failure !== undefined) continue; // after a failure, buffers are only given back
        const etag = await sendPart(signer, next, bar);
        state.etags[String(next.part.partNumber)] = etag;
        saving = saving.then(() => options.store.saveUpload(key, state));
      } catch (e) {
        failure ??= e;
      } finally {
        next.part.release();
      }
    }
  };
  await Promise.all([reader.catch(() => undefined), ...Array.from({ length: Math.max(1, options.parallel) }, sender)]);
  await saving;
  if (failure !== undefined) {
    if ((failure as { storageCode?: string }).storageCode === "BadDigest") {
      throw cliError(
        EXIT.unavailable,
        `Storage found another SHA-256 for a part of ${basename(path)} than the one computed as it was read (damaged on the way?); run the command again.`,
      );
    }
    throw failure;
  }
}

/** Sends one part from its buffer, with retries; a retry gets a fresh URL (the last may have expired). */
async function sendPart(
  signer: PartSigner,
  item: { part: ReadPart; signed: Promise<SignedPart> },
  bar: Progress,
): Promise<string> {
  const { part } = item;
  return retry(
    async (attempt) => {
      const target = attempt === 1 ? await item.signed : await signer.sign(part.partNumber, part.sha256);
      let sent = 0;
      try {
        return await putRange(target.url, target.headers, part.bytes, (n) => {
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
