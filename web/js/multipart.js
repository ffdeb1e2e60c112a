// Large files in parts (docs/api.md "Large files"): when POST /uploads answers MULTIPART, the page sends the
// file's parts in parallel, each with its SHA-256 signed into its URL (S3 refuses a corrupted part), retries a
// failed part with backoff, and completes the upload. What is needed to resume after a reload (the share's id,
// delete token, plan and finished parts; never the file) is kept in localStorage under the file's name, size and
// modification time; S3's own list of parts (GET /uploads/{id}/parts) decides what is left to send. An encrypted
// file sends its ciphertext, each part encrypted as it is read (web/js/encrypt-upload.js); its state also keeps
// the share key and the file's salt, so a resumed part is byte for byte what it would have been.
// Hashing uses WebCrypto's digest(), which runs off the main thread: no Worker, so the CSP needs no worker-src.
/* exported sendEach, bytesCounter, sha256Of, sendInParts, savedUploadFor, forgetSavedUpload, offerResume, noteResumable, readSaved, discardButton */
/* global sendingSource, savedShareLines, localStorage, crypto, btoa, $, apiBase, api, ApiError, cancelled, sleep, showProgress, formatBytes, setStatus, formatWhen, shareSettingsText, protectionText */

const PARALLEL_PARTS = 3;
const PART_ATTEMPTS = 5;
const SAVED_PREFIX = "fileshare:upload:";

const savedKey = (file) => SAVED_PREFIX + JSON.stringify([file.name, file.size, file.lastModified]);

/** A saved upload that can still go on (same API, share not expired), or null (and a stale one is removed). */
function readSaved(key) {
  let state;
  try {
    state = JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    state = null;
  }
  if (state && state.apiBase === apiBase.toString() && Date.parse(state.expiresAt) > Date.now()) return state;
  if (state) localStorage.removeItem(key);
  return null;
}

/** The unfinished upload of this file that this page saved, or null. */
function savedUploadFor(file) {
  return file ? readSaved(savedKey(file)) : null;
}

function saveUpload(file, state) {
  try {
    localStorage.setItem(savedKey(file), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the upload goes on, it just cannot resume after a reload.
  }
}

function forgetSavedUpload(file) {
  if (file) localStorage.removeItem(savedKey(file));
}

/** Every unfinished upload saved by this page: [{ key, state }]. */
function savedUploads() {
  const found = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(SAVED_PREFIX)) found.push({ key, state: null });
  }
  for (const entry of found) entry.state = readSaved(entry.key);
  return found.filter((e) => e.state !== null);
}

const doneCount = (state) => Object.keys(state.etags || {}).length;

/** On load: tells the person about unfinished uploads, how to resume them, and lets them discard one. */
function offerResume() {
  const old = $("resume-offer");
  if (old) old.remove();
  const pending = savedUploads();
  const shareLines = savedShareLines(); // shares of several files (web/js/share-upload.js)
  if (pending.length === 0 && shareLines.length === 0) return;
  const box = document.createElement("div");
  box.id = "resume-offer";
  box.className = "notice";
  box.setAttribute("role", "status");
  for (const { key, state } of pending) {
    const line = document.createElement("p");
    line.textContent =
      "The upload of " +
      state.fileName +
      " (" +
      formatBytes(state.size) +
      ") did not finish: " +
      doneCount(state) +
      " of " +
      state.multipart.partCount +
      " parts are sent. Choose the same file again and press Resume upload to send the rest. ";
    line.append(discardButton(state, key));
    box.append(line);
  }
  box.append(...shareLines);
  $("upload-form").before(box);
}

/** When a file is chosen: says whether its upload will resume, labels the button to match, and shows the settings
 *  the resumed share really has. */
function noteResumable(file) {
  const saved = savedUploadFor(file);
  $("upload-button").textContent = saved ? "Resume upload" : "Upload and get link";
  const box = $("resume-settings");
  box.hidden = !saved;
  box.textContent = "";
  box.dataset.id = saved ? saved.id : "";
  if (saved) {
    setStatus(
      "This file's upload will resume: " +
        doneCount(saved) +
        " of " +
        saved.multipart.partCount +
        " parts are already sent.",
    );
    void describeResumed(saved);
  }
}

/** The resumed share's own expiry, download limit and protections (GET /files/{id}; its recipients as this page
 *  created it), which the form's options cannot change. */
async function describeResumed(state) {
  let settings;
  let info = {};
  try {
    info = await api("GET", "files/" + encodeURIComponent(state.id));
    settings = shareSettingsText(info);
  } catch {
    // E.g. a recipients share while signed out: what the page kept is all there is to say.
    settings = "Expires " + formatWhen(state.expiresAt) + ".";
  }
  const box = $("resume-settings");
  if (box.dataset.id !== state.id) return; // another file was chosen meanwhile
  box.textContent = [
    "Resuming the share started earlier, with its own settings (the options above do not change them).",
    settings,
    protectionText(info, state.recipients),
  ]
    .filter((text) => text !== "")
    .join(" ");
}

/** base64 SHA-256 of bytes already read (a part), or of a Blob (a file sent in one PUT): Blobs are read one at a
 *  time (hashQueue), so memory holds at most one. */
let hashQueue = Promise.resolve();
function sha256Of(data) {
  const base64 = (digest) => {
    let binary = "";
    for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
    return btoa(binary);
  };
  if (data instanceof Uint8Array) return crypto.subtle.digest("SHA-256", data).then(base64);
  const next = hashQueue.then(async () => base64(await crypto.subtle.digest("SHA-256", await data.arrayBuffer())));
  hashQueue = next.catch(() => undefined);
  return next;
}

/** PUTs one part (a Blob) to its pre-signed URL; resolves with S3's ETag (the bucket's CORS rule exposes it). */
function putPart(signed, blob, signal, onBytes) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const stop = () => xhr.abort();
    signal.addEventListener("abort", stop, { once: true });
    const settle = (fn, value) => {
      signal.removeEventListener("abort", stop);
      fn(value);
    };
    xhr.open("PUT", signed.url);
    for (const [name, value] of Object.entries(signed.headers || {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onBytes(e.loaded);
    xhr.onload = () => {
      const etag = xhr.getResponseHeader("ETag");
      if (xhr.status >= 200 && xhr.status < 300 && etag) return settle(resolve, etag);
      const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText || "");
      const why =
        xhr.status >= 200 && xhr.status < 300 ? "no ETag in its answer" : xhr.status + (code ? " " + code[1] : "");
      settle(
        reject,
        new ApiError(xhr.status, (code && code[1]) || "UploadFailed", "The storage refused a part (" + why + ")."),
      );
    };
    xhr.onerror = () => settle(reject, new ApiError(0, "NetworkError", "The connection to the storage broke off."));
    xhr.onabort = () => settle(reject, cancelled());
    xhr.send(blob);
  });
}

/** Worth another try: the network, throttling, the storage's own trouble, an expired URL (each try signs a
 *  fresh one), and a part that arrived corrupted (BadDigest). A refusal by the API itself (4xx) is not. */
function retryable(e) {
  if (e.code === "BadDigest" || e.code === "RequestTimeout") return true;
  // 403 from storage is an expired URL; from the API (code Forbidden) it is a wrong token, which no retry mends.
  if (e.status === 403) return e.code !== "Forbidden";
  return e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;
}

/** Sends part n of `source` (its bytes, or its ciphertext): read once, hash, ask for its URL, PUT; retried with
 *  exponential backoff and jitter. The part is held in memory from its read to its last try (three at a time). */
async function sendPart(state, source, n, signal, onBytes) {
  const { partSize } = state.multipart;
  const [start, end] = [(n - 1) * partSize, Math.min(n * partSize, source.size)];
  const bytes = await source.read(start, end);
  const sha256 = await sha256Of(bytes);
  const body = source.body(start, end, bytes);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw cancelled();
    try {
      const signed = await api("POST", "uploads/" + encodeURIComponent(state.id) + "/parts", {
        body: withFileNumber(state, { parts: [{ partNumber: n, sha256 }] }),
        headers: { "X-Delete-Token": state.deleteToken },
        signal,
      });
      return await putPart(signed.parts[0], body, signal, onBytes);
    } catch (e) {
      onBytes(0);
      if (signal.aborted) throw cancelled();
      if (attempt >= PART_ATTEMPTS || !retryable(e)) throw e;
      await sleep(Math.min(8000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
    }
  }
}

/** Runs `send` on each of `items`, `count` at a time in list order; the first failure aborts `stopAll` (so the
 *  others stop) and is thrown. The one loop of a file's parts and of a share's files. */
async function sendEach(items, count, stopAll, send) {
  const todo = items.slice();
  const worker = async () => {
    for (let item = todo.shift(); item !== undefined; item = todo.shift()) await send(item);
  };
  const workers = Array.from({ length: Math.min(count, Math.max(1, todo.length)) }, () =>
    worker().catch((e) => {
      stopAll.abort();
      throw e;
    }),
  );
  await Promise.all(workers);
}

/** Counts the bytes sent of `total` when several pieces (parts, files) go at once, `already` of them sent
 *  earlier; calls progress(sent, total) at once and on every change. */
function bytesCounter(total, already, progress) {
  const inFlight = new Map();
  let done = already;
  const report = () => {
    let sent = done;
    for (const bytes of inFlight.values()) sent += bytes;
    progress(sent, total);
  };
  report();
  return {
    sending(piece, bytes) {
      inFlight.set(piece, bytes);
      report();
    },
    sent(piece, bytes) {
      inFlight.delete(piece);
      done += bytes;
      report();
    },
  };
}

/** A multipart route's body for one file of a share of several (its number in `file`); a one-file share's as in v1. */
function withFileNumber(upload, body) {
  return upload.file === undefined ? body : Object.assign({ file: upload.file }, body);
}

/** What a one-file share does with its progress and its resume state: the page's bar, and localStorage under the
 *  file (a file of a share of several passes its own: web/js/share-upload.js). */
const ONE_FILE_HOOKS = {
  progress: (loaded, total) => showProgress(loaded, total),
  save: (file, state) => saveUpload(file, state),
  forget: (file) => forgetSavedUpload(file),
  kept: (file) => savedUploadFor(file) !== null,
};

/**
 * Sends a MULTIPART upload (the POST /uploads answer, or the state saved by an earlier page) and completes it.
 * Parts S3 already holds are skipped. On Cancel the saved state is forgotten (the caller DELETEs the share, which
 * aborts the upload); on any other failure it is kept, so choosing the file again resumes. `upload.file`, when
 * set, is the file's number in a share of several; `hooks` replace ONE_FILE_HOOKS for such a file. An encrypted
 * file's upload carries its share's `linkKey` and its own `salt`.
 */
async function sendInParts(upload, file, signal, hooks) {
  const { progress, save, forget, kept } = hooks || ONE_FILE_HOOKS;
  const state = Object.assign({}, upload, { apiBase: apiBase.toString(), fileName: file.name, size: file.size });
  const owner = { "X-Delete-Token": state.deleteToken };
  const path = "uploads/" + encodeURIComponent(state.id);
  const which = state.file === undefined ? "" : "?file=" + state.file;
  const { partSize, partCount } = state.multipart;
  const source = await sendingSource(file, state.linkKey, state.salt);
  const lengthOf = (n) => (n < partCount ? partSize : source.size - (partCount - 1) * partSize);
  // Stop every part when one fails for good, or on Cancel.
  const stopAll = new AbortController();
  signal.addEventListener("abort", () => stopAll.abort(), { once: true });
  try {
    const held = await api("GET", path + "/parts" + which, { headers: owner, signal });
    state.etags = {};
    for (const p of held.parts) if (p.size === lengthOf(p.partNumber)) state.etags[p.partNumber] = p.etag;
    save(file, state);
    const todo = [];
    for (let n = 1; n <= partCount; n++) if (!state.etags[n]) todo.push(n);
    const counter = bytesCounter(source.size, source.size - todo.reduce((sum, n) => sum + lengthOf(n), 0), progress);
    await sendEach(todo, PARALLEL_PARTS, stopAll, async (part) => {
      counter.sending(part, 0);
      const etag = await sendPart(state, source, part, stopAll.signal, (bytes) => counter.sending(part, bytes));
      state.etags[part] = etag;
      save(file, state);
      counter.sent(part, lengthOf(part));
    });
    const parts = [];
    for (let n = 1; n <= partCount; n++) parts.push({ partNumber: n, etag: state.etags[n] });
    await api("POST", path + "/complete", { body: withFileNumber(state, { parts }), headers: owner, signal });
    forget(file);
    progress(source.size, source.size);
  } catch (e) {
    if (signal.aborted) {
      forget(file);
      throw cancelled();
    }
    if (e.status === 409) {
      // Completed by an earlier page (or no longer open): nothing left to resume.
      forget(file);
      if (/already complete/.test(e.message)) return;
    }
    if (e.status === 403 || e.status === 404 || e.status === 410) forget(file);
    throw new ApiError(
      e.status,
      e.code,
      e.message + (kept(file) ? " The parts sent so far are kept: choose the same file and press Resume upload." : ""),
    );
  } finally {
    offerResume(); // the notice now lists only what is still unfinished
  }
}

/** "Discard it" for an unfinished upload kept under `key`: deletes the share (with its delete token) and forgets
 *  it. One button for a file's parts and a share's files. */
function discardButton(state, key) {
  const discard = document.createElement("button");
  discard.type = "button";
  discard.textContent = "Discard it";
  discard.addEventListener("click", async () => {
    discard.disabled = true;
    try {
      await api("DELETE", "files/" + encodeURIComponent(state.id), {
        headers: { "X-Delete-Token": state.deleteToken },
      });
    } catch {
      // Already gone, or unreachable: the share expires on its own and S3's lifecycle rule frees its parts.
    }
    localStorage.removeItem(key);
    offerResume();
  });
  return discard;
}
