// Saving the files of an end-to-end encrypted share (docs/page.md "Encrypted shares: the recipient"). Each file is
// fetched from its pre-signed URL, decrypted record by record as it arrives (eceDecryptStream lets a record's bytes
// out only once its GCM tag checks) and written to disk as it is decrypted, so the page never holds a file:
// Chromium's File System Access API, showSaveFilePicker for one file and showDirectoryPicker for several (one
// question, and the share's folders kept). Other browsers have neither: there a file of up to BLOB_SAVE_LIMIT is
// decrypted in memory and saved from a Blob, and a larger one is not started at all; the page names the CLI.
// On any failure (a changed or cut-off file, a wrong size, a lost connection) the file being written is aborted
// (FileSystemWritableFileStream.abort(): its bytes never reach the file) and its entry removed, so no partial or
// unverified plaintext is kept.
/* exported saveEncrypted, encryptedSaveNote */
/* global $, api, place, shownFile, linkKey, eceDecryptStream, namePathProblem, downloadOptions, downloadsLeftText, formatBytes, setStatus, showError, showFileError, localizeTimes, keepFocus, TransformStream, WritableStream, Blob */

/** The largest file the page decrypts in memory where it cannot write to disk as it decrypts: the Blob holds the
 *  whole file, and the browser copies it once more to save it. */
const BLOB_SAVE_LIMIT = 256 * 1024 * 1024;

/** How this browser saves `files` (decrypted entries of the share): "file" or "folder" (streamed to disk through
 *  the File System Access API), "memory" (a Blob, each file up to BLOB_SAVE_LIMIT) or "none". */
function saveWayFor(files) {
  if (files.length === 1 && typeof window.showSaveFilePicker === "function") return "file";
  if (files.length > 1 && typeof window.showDirectoryPicker === "function") return "folder";
  return files.every((f) => f.size <= BLOB_SAVE_LIMIT) ? "memory" : "none";
}

const CLI_HINT =
  'Open the link in a Chromium-based browser (Chrome, Edge), which can write to disk as it decrypts, or use the command-line tool: fileshare download "LINK", with the whole link you were sent (including the part after #).';

/** What the view says under an encrypted share's details: how this browser will save it. */
function encryptedSaveNote(share) {
  const way = saveWayFor(share.files);
  const intro = "End-to-end encrypted: your browser decrypts with the key in the link as it downloads. ";
  if (way === "file") return intro + "You choose where the file is saved.";
  if (way === "folder") return intro + "You choose one folder, and every file is saved into it with its folders.";
  if (way === "memory") return intro + "This browser decrypts each file in memory before it saves it.";
  return (
    intro +
    "This browser cannot save files above " +
    formatBytes(BLOB_SAVE_LIMIT) +
    " decrypted, and this share has one. " +
    CLI_HINT
  );
}

/** "photo.jpg" of "holiday/day1/photo.jpg". */
const lastSegment = (name) => name.slice(name.lastIndexOf("/") + 1);

/** An error whose message the page shows as it is. */
function saveError(message) {
  const error = new Error(message);
  error.name = "SaveError";
  return error;
}

/** `name` in `dir`, or "name (2).ext", "name (3).ext"…, whichever is free: an existing file is never replaced. */
async function freeName(dir, name) {
  const dot = name.lastIndexOf(".") > 0 ? name.lastIndexOf(".") : name.length;
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? name : name.slice(0, dot) + " (" + n + ")" + name.slice(dot);
    try {
      await dir.getFileHandle(candidate);
    } catch (e) {
      if (e.name === "NotFoundError") return candidate;
      if (e.name !== "TypeMismatchError") throw e; // a folder of that name: try the next
    }
  }
  throw saveError("“" + name + "” and 998 numbered copies already exist in the chosen folder.");
}

/** A new file for `name` (a path inside the share; decrypted, so hostile) under the chosen folder. */
async function fileInFolder(root, name) {
  const problem = namePathProblem(name);
  if (problem) throw saveError("Its name " + problem);
  const segments = name.split("/");
  let dir = root;
  try {
    for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder, { create: true });
    const own = await freeName(dir, segments[segments.length - 1]);
    const handle = await dir.getFileHandle(own, { create: true });
    return { handle, remove: () => dir.removeEntry(own) };
  } catch (e) {
    if (e.name === "SaveError") throw e;
    throw saveError("This system does not take its name as a file name (" + e.message + ").");
  }
}

/** Counts the plaintext of file `f` as it passes: at most the size its metadata gives, and exactly that at the end
 *  (the metadata and the bytes come from the same sharer, so a difference means they do not belong together). */
function sizeCheck(f, onBytes) {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > f.size) throw saveError("It holds more bytes than the " + f.size + " its details give.");
      onBytes(chunk.length);
      controller.enqueue(chunk);
    },
    flush() {
      if (seen !== f.size) throw saveError("It holds " + seen + " bytes, not the " + f.size + " its details give.");
    },
  });
}

/** Saves a Blob under `name` through a download link (the browser's own download; the page keeps no copy). */
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** Downloads, decrypts and saves one granted file `d` (whose decrypted entry is `f`) the way `way` says. */
async function saveOne(d, f, way, target, onBytes) {
  let dest = null;
  if (way === "file") {
    // The picker's file, emptied again if nothing verified was written to it (Chromium makes it when it is chosen).
    dest = { handle: target, remove: async () => (await target.getFile()).size === 0 && target.remove?.() };
  } else if (way === "folder") {
    dest = await fileInFolder(target, f.fileName);
  }
  let response;
  try {
    response = await fetch(d.downloadUrl, { cache: "no-store", credentials: "omit" });
  } catch {
    if (dest) await dest.remove();
    throw saveError("The storage could not be reached. Check your connection and try again.");
  }
  if (!response.ok) {
    if (dest) await dest.remove();
    throw saveError("The storage answered " + response.status + " (the link's time may have run out): try again.");
  }
  const plain = response.body.pipeThrough(eceDecryptStream(linkKey)).pipeThrough(sizeCheck(f, onBytes));
  if (dest === null) {
    const parts = [];
    await plain.pipeTo(new WritableStream({ write: (chunk) => void parts.push(chunk) }));
    saveBlob(new Blob(parts, { type: "application/octet-stream" }), lastSegment(f.fileName));
    return;
  }
  const writable = await dest.handle.createWritable();
  try {
    // pipeTo aborts the writable when the stream fails: what was written stays in the browser's scratch file and
    // never reaches the file on disk.
    await plain.pipeTo(writable);
  } catch (e) {
    await writable.abort().catch(() => {}); // already aborted by pipeTo; this makes sure
    await Promise.resolve(dest.remove()).catch(() => {});
    throw e;
  }
}

/** What went wrong with one file, in words for the person. */
function failureText(f, e) {
  const name = "“" + f.fileName + "”";
  if (e.name === "UntrustedError") {
    return name + " was not saved: it was altered or cut short after it was shared. " + e.message;
  }
  return name + " was not saved. " + e.message;
}

/** Saves the files numbered `numbers` (all when null) of the encrypted share shown, decrypted, for ONE counted
 *  download: where to save is asked first (a person who cancels has used no download), then POST download, then
 *  every file at once (the URLs are short-lived; the browser runs six requests to one host at a time). */
async function saveEncrypted(numbers, button) {
  const files = numbers === null ? shownFile.files : shownFile.files.filter((f) => numbers.includes(f.file));
  const way = saveWayFor(files);
  showError("");
  if (way === "none") {
    showError("This browser cannot save a file above " + formatBytes(BLOB_SAVE_LIMIT) + " decrypted. " + CLI_HINT);
    return;
  }
  button.disabled = true;
  let target = null;
  try {
    // First thing after the click: a file picker opens only while the click's user activation lasts.
    if (way === "file") target = await window.showSaveFilePicker({ suggestedName: lastSegment(files[0].fileName) });
    if (way === "folder") target = await window.showDirectoryPicker({ id: "fileshare-save", mode: "readwrite" });
  } catch (e) {
    button.disabled = false;
    if (e.name === "AbortError") setStatus("Nothing was downloaded.");
    else showError("The browser did not let the page save here: " + e.message);
    return;
  }
  setStatus("Preparing your download\u2026");
  let grant;
  try {
    const options = downloadOptions();
    if (numbers !== null) options.body = Object.assign({}, options.body, { files: numbers });
    grant = await api("POST", "files/" + encodeURIComponent(place.fileId) + "/download", options);
  } catch (e) {
    if (way === "file") await Promise.resolve((await target.getFile()).size === 0 && target.remove?.()).catch(() => {});
    setStatus("");
    button.disabled = false;
    if (e.code === "WrongPassword" || e.code === "TooManyAttempts") showError(localizeTimes(e.message));
    else showFileError(e);
    keepFocus(button);
    return;
  }
  $("file-left").textContent = downloadsLeftText({
    downloadsRemaining: grant.downloadsRemaining,
    maxDownloads: shownFile.maxDownloads,
  });
  const byNumber = new Map(files.map((f) => [f.file, f]));
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  let shownAt = 0;
  const onBytes = (n) => {
    done += n;
    if (Date.now() - shownAt < 250) return;
    shownAt = Date.now();
    setStatus("Decrypting and saving\u2026 " + Math.floor((100 * done) / Math.max(total, 1)) + "%");
  };
  const results = await Promise.allSettled(
    grant.downloads.map((d) => saveOne(d, byNumber.get(d.file), way, target, onBytes)),
  );
  const failures = results.flatMap((r, i) =>
    r.status === "rejected" ? [failureText(byNumber.get(grant.downloads[i].file), r.reason)] : [],
  );
  const saved = results.length - failures.length;
  const last = grant.downloadsRemaining === 0 ? " That was the last download this link allows." : "";
  if (failures.length > 0) {
    setStatus(saved > 0 ? saved + " of " + results.length + " files saved, decrypted and verified." + last : last);
    showError(failures.join(" "));
  } else {
    const what = results.length === 1 ? "“" + files[0].fileName + "”" : results.length + " files";
    setStatus(
      what +
        (way === "memory" ? " decrypted and verified; your browser saves it." : " saved, decrypted and verified.") +
        last,
    );
  }
  if (grant.downloadsRemaining === 0) {
    $("download-button").hidden = true;
    for (const b of $("share-files-list").querySelectorAll("button")) b.hidden = true;
    $("file-title").focus();
    return;
  }
  button.disabled = false;
  keepFocus(button);
}
