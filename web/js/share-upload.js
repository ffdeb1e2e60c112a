// Several files or a folder as one share (docs/api.md "Shares of several files"): checks the names and sizes
// against GET /config's limits before anything is sent, POST /shares, then sends each file (a single PUT, or in
// parts through web/js/multipart.js) three at a time, with one progress bar for the share and a state per file.
// What is needed to resume after a reload (the share's id, delete token, each file's plan and which are sent; never
// a file's bytes) is kept in localStorage under the share's id; choosing the same files again sends only those
// that did not finish. An encrypted share (web/js/encrypt-upload.js) declares each file's encrypted metadata and
// ciphertext size, its title encrypted, and keeps its key and each file's salt with that state until it is sent.
/* exported severalProblem, noteSeveral, sendSeveral, savedShareFor, savedShareLines, forgetShare */
/* global File, sendEach, bytesCounter, encryptChosen, newLinkKey, newFileSalt, sendingSource, sentSize, encryptedFileFields, encryptedTitle */
/* global localStorage, $, apiBase, limits, api, cancelled, sharePathProblem, fileProblem, formatBytes, exactBytes, showProgress, setStatus, sha256Of, goesInOnePut, sendInParts, putWithFreshUrlOnExpiry, waitUntilAvailable, readSaved, offerResume, formatWhen, discardButton */

const SHARE_PREFIX = "fileshare:share:";
/** Files sent at once (each sent in parts sends up to three parts at once itself). */
const PARALLEL_FILES = 3;

const quoted = (name) => "\u201C" + name + "\u201D";

/** The id of the share this page is sending now: the resume notice leaves it out (it is not unfinished, just busy). */
let sendingShareId = null;

/** Why the server will refuse these files as one share, naming the file and the limit; "" when they look fine. */
function severalProblem(list) {
  if (list.length === 0) return "Choose a file first.";
  if (limits && list.length > limits.maxFilesPerShare) {
    return (
      "You chose " +
      list.length +
      " files; this server takes up to " +
      limits.maxFilesPerShare +
      " in one share. Share the rest with another link."
    );
  }
  const clash = sharePathProblem(list.map((entry) => entry.name));
  if (clash) return quoted(clash.name) + " " + clash.problem + " Rename it and choose the files again.";
  for (const entry of list) {
    const problem = fileProblem(entry.file, entry.name);
    if (problem) return problem;
  }
  const encrypted = encryptChosen(); // the limit applies to what storage holds: the ciphertext, when encrypted
  const total = list.reduce((sum, entry) => sum + sentSize(entry.file, encrypted), 0);
  if (limits && total > limits.maxShareSizeBytes) {
    return (
      "These " +
      list.length +
      " files come to " +
      formatBytes(total) +
      "; this server takes up to " +
      formatBytes(limits.maxShareSizeBytes) +
      " in one share. Leave some out and share them with another link."
    );
  }
  return "";
}

// ---------- what is kept to resume ----------

const shareKey = (id) => SHARE_PREFIX + id;

function saveShare(state) {
  try {
    localStorage.setItem(shareKey(state.id), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the share goes on, it just cannot resume after a reload.
  }
}

function forgetShare(state) {
  if (state) localStorage.removeItem(shareKey(state.id));
}

/** Every unfinished share of several files this page saved (readSaved drops expired ones): [{ key, state }]. */
function savedShares() {
  const keys = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(SHARE_PREFIX)) keys.push(key);
  }
  return keys.map((key) => ({ key, state: readSaved(key) })).filter((e) => e.state !== null);
}

/** The saved share these picked files are: the same names, each with the same size and modification time. */
function savedShareFor(list) {
  if (list.length === 0) return null;
  const byName = new Map(list.map((entry) => [entry.name, entry.file]));
  for (const { state } of savedShares()) {
    const same =
      state.files.length === list.length &&
      state.files.every((f) => {
        const file = byName.get(f.fileName);
        return file !== undefined && file.size === f.size && file.lastModified === f.lastModified;
      });
    if (same) return state;
  }
  return null;
}

const shareLabel = (state) => (state.title ? quoted(state.title) : "of " + state.files.length + " files");

/** One line per unfinished share for the resume notice (web/js/multipart.js offerResume), each with Discard. */
function savedShareLines() {
  const waiting = savedShares().filter(({ state }) => state.id !== sendingShareId);
  return waiting.map(({ key, state }) => {
    const line = document.createElement("p");
    line.textContent =
      "The share " +
      shareLabel(state) +
      " did not finish: " +
      state.done.length +
      " of " +
      state.files.length +
      " files are sent. Choose the same files (or folder) again and press Resume upload to send the rest. ";
    line.append(discardButton(state, key));
    return line;
  });
}

// ---------- the chosen files ----------

/** Shows what was chosen (each name as text, never as HTML), offers a title, and says whether it resumes. */
function noteSeveral(list) {
  const shown = $("chosen-files");
  shown.textContent = "";
  shown.hidden = list.length === 0;
  $("title-field").hidden = list.length === 0;
  for (const entry of list) {
    const item = document.createElement("li");
    item.textContent = entry.name + " \u00B7 " + formatBytes(entry.file.size);
    shown.append(item);
  }
  if (list.length === 0) return;
  const total = list.reduce((sum, entry) => sum + entry.file.size, 0);
  $("file-summary").textContent = list.length + " files \u00B7 " + exactBytes(total) + " in all";
  const saved = savedShareFor(list);
  $("upload-button").textContent = saved ? "Resume upload" : "Upload and get link";
  const box = $("resume-settings");
  box.hidden = !saved;
  box.dataset.id = saved ? saved.id : "";
  if (saved) {
    $("share-title").value = saved.title || "";
    box.textContent =
      "Resuming the share started earlier, with its own settings (the options above do not change them). It expires " +
      formatWhen(saved.expiresAt) +
      ".";
    setStatus(
      "This share's upload will resume: " +
        saved.done.length +
        " of " +
        saved.files.length +
        " files are already sent.",
    );
  }
}

// ---------- sending ----------

/** The per-file lines under the share's progress bar; set(n, state, text) updates file n's. */
function fileRows(list) {
  const box = $("progress-files");
  box.textContent = "";
  box.hidden = false;
  const rows = list.map((entry) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = entry.name;
    const state = document.createElement("span");
    state.className = "state";
    item.append(name, state);
    box.append(item);
    return { item, state };
  });
  const counted = () => {
    const sent = rows.filter((row) => row.item.dataset.state === "sent").length;
    $("progress-count").textContent = sent + " of " + rows.length + " files sent";
  };
  return {
    set(n, state, text) {
      const row = rows[n - 1];
      row.item.dataset.state = state;
      row.state.textContent = text;
      counted();
    },
  };
}

const STATE_TEXT = { waiting: "waiting", checking: "checking\u2026", sent: "sent", failed: "not sent" };

/**
 * Sends the picked files as one share (or resumes the saved one they are) and waits until the server confirmed
 * them; returns { upload, info } as the one-file path does. flow.upload is set as soon as the share exists, so
 * that Cancel can delete it. On a failure the saved state stays: choosing the same files again resumes.
 */
async function sendSeveral(flow, options, list, title, encrypt) {
  try {
    return await sendShare(flow, options, list, title, encrypt);
  } finally {
    sendingShareId = null;
  }
}

/** What file f of the share sends in one PUT: the file, or its ciphertext (as a File, for its name in messages). */
async function oneBody(file, linkKey, salt) {
  if (!salt) return file;
  const source = await sendingSource(file, linkKey, salt);
  return new File([await source.read(0, source.size)], file.name);
}

async function sendShare(flow, options, list, title, encrypt) {
  const signal = flow.controller.signal;
  const check = () => {
    if (signal.aborted) throw cancelled();
  };
  const rows = fileRows(list);
  list.forEach((_, i) => rows.set(i + 1, "waiting", STATE_TEXT.waiting));
  let state = savedShareFor(list);
  /** The answers of POST /shares (fresh URLs); a resumed share asks for a fresh URL per file instead. */
  let signed = [];
  if (state === null) {
    const linkKey = encrypt ? newLinkKey() : undefined;
    const salts = list.map(() => (linkKey ? newFileSalt() : undefined));
    const files = [];
    for (const [i, entry] of list.entries()) {
      const declared = linkKey
        ? Object.assign({ checksumAlgorithm: "SHA256" }, await encryptedFileFields(linkKey, entry.file, entry.name))
        : {
            fileName: entry.name,
            contentType: entry.file.type || "application/octet-stream",
            size: entry.file.size,
            checksumAlgorithm: "SHA256",
          };
      // As with one file: S3 refuses a single PUT whose body does not match the SHA-256 signed into its URL.
      if (goesInOnePut(declared.size)) {
        rows.set(i + 1, "checking", STATE_TEXT.checking);
        declared.sha256 = await sha256Of(await oneBody(entry.file, linkKey, salts[i]));
        check();
        rows.set(i + 1, "waiting", STATE_TEXT.waiting);
      }
      files.push(declared);
    }
    // Encrypted, the title goes encrypted too (a plain one would reach the table).
    const titled = !title ? {} : linkKey ? { encryptedTitle: await encryptedTitle(linkKey, title) } : { title };
    const body = Object.assign({ files }, linkKey ? { encryption: "aes128gcm" } : {}, titled, options);
    const created = await api("POST", "shares", { body });
    signed = created.files;
    state = {
      apiBase: apiBase.toString(),
      id: created.id,
      shareUrl: created.shareUrl,
      deleteToken: created.deleteToken,
      expiresAt: created.expiresAt,
      title: title || "",
      recipients: options.recipients,
      linkKey,
      files: list.map((entry, i) => ({
        file: created.files[i].file,
        fileName: entry.name,
        size: entry.file.size,
        lastModified: entry.file.lastModified,
        method: created.files[i].method,
        multipart: created.files[i].multipart,
        salt: salts[i],
      })),
      done: [],
    };
    flow.upload = state;
    sendingShareId = state.id;
    saveShare(state);
  } else {
    flow.upload = state;
    sendingShareId = state.id;
    // The server's word on each file: one S3 has confirmed is not sent again.
    // (A file it refused is sent again; one sent but not yet confirmed is not: S3 would refuse a second PUT.)
    let info = {};
    try {
      info = await api("GET", "files/" + encodeURIComponent(state.id), { signal });
    } catch (e) {
      // Gone (deleted, expired): nothing to resume. Otherwise (the network): what the page kept decides.
      if (e.status === 404 || e.status === 410) {
        forgetShare(state);
        throw e;
      }
    }
    const status = new Map((info.files || []).map((f) => [f.file, f.status]));
    state.done = state.done.filter((n) => status.get(n) !== "rejected");
    for (const [n, s] of status) if (s === "available" && !state.done.includes(n)) state.done.push(n);
    saveShare(state);
  }
  check();
  const byName = new Map(list.map((entry) => [entry.name, entry.file]));
  /** What file f sends: its bytes, or its ciphertext's. */
  const sends = (f) => sentSize(f, f.salt);
  const total = state.files.reduce((sum, f) => sum + sends(f), 0);
  let doneBytes = 0;
  for (const f of state.files) {
    if (state.done.includes(f.file)) {
      doneBytes += sends(f);
      rows.set(f.file, "sent", STATE_TEXT.sent);
    }
  }
  const todo = state.files.filter((f) => !state.done.includes(f.file));
  const counter = bytesCounter(total, doneBytes, showProgress);
  const stopAll = new AbortController();
  signal.addEventListener("abort", () => stopAll.abort(), { once: true });
  const owner = { id: state.id, deleteToken: state.deleteToken };
  const sendOne = async (f) => {
    const file = byName.get(f.fileName);
    const percent = (bytes) => rows.set(f.file, "sending", "sending " + Math.floor((bytes / sends(f)) * 100) + "%");
    const onBytes = (bytes) => {
      percent(bytes);
      counter.sending(f.file, bytes);
    };
    onBytes(0);
    if (f.method === "MULTIPART") {
      // S3's list of parts (GET /uploads/{id}/parts?file=n) decides what is left; the share's state is saved here.
      const upload = { file: f.file, multipart: f.multipart, linkKey: state.linkKey, salt: f.salt };
      await sendInParts(Object.assign(upload, owner), file, stopAll.signal, {
        progress: (loaded) => onBytes(loaded),
        save: () => undefined,
        forget: () => undefined,
        kept: () => false,
      });
    } else {
      const fresh = signed[f.file - 1];
      const upload = fresh
        ? Object.assign({}, owner, fresh)
        : Object.assign(
            { file: f.file },
            owner,
            await api("POST", "uploads/" + encodeURIComponent(state.id) + "/url", {
              body: { file: f.file },
              headers: { "X-Delete-Token": state.deleteToken },
              signal: stopAll.signal,
            }),
          );
      try {
        await putWithFreshUrlOnExpiry(upload, await oneBody(file, state.linkKey, f.salt), stopAll.signal, onBytes);
      } catch (e) {
        // If-None-Match: * refuses a second PUT: an earlier page's PUT arrived, S3 just had not confirmed it yet.
        if (e.status !== 412) throw e;
      }
    }
    state.done.push(f.file);
    saveShare(state);
    rows.set(f.file, "sent", STATE_TEXT.sent);
    counter.sent(f.file, sends(f));
  };
  try {
    // The same loop as a file's parts (web/js/multipart.js): PARALLEL_FILES at a time, the first failure stops all.
    await sendEach(todo, PARALLEL_FILES, stopAll, async (f) => {
      try {
        await sendOne(f);
      } catch (e) {
        rows.set(f.file, "failed", STATE_TEXT.failed);
        throw e;
      }
    });
  } catch (e) {
    sendingShareId = null; // the notice below must list this share now
    if (signal.aborted) {
      forgetShare(state);
      throw cancelled();
    }
    // 403/404/410: the share is gone (deleted, expired) or not ours: nothing left to resume.
    if (e.status === 403 || e.status === 404 || e.status === 410) forgetShare(state);
    else e.message += " The files sent so far are kept: choose the same files again and press Resume upload.";
    offerResume();
    throw e;
  }
  check();
  setStatus("Upload complete. Preparing the link\u2026");
  const info = await waitUntilAvailable(state.id, signal);
  check();
  if (info.status === "available") forgetShare(state);
  offerResume();
  return { upload: state, info };
}
