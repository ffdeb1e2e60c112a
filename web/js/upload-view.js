// The upload view: pick or drop a file, POST /uploads, PUT the bytes to the pre-signed URL with progress, wait
// until S3 confirmed them, then show the share link (copy, delete, share another). Cancel works in every step.
/* exported startUploadView, setFormEnabled, fileProblem, showProgress, putWithFreshUrlOnExpiry, waitUntilAvailable, goesInOnePut */
/* global picked, droppedEntries, entriesPicked, severalProblem, noteSeveral, sendSeveral, savedShareFor, forgetShare, restrictedFields, refreshMyFiles, renderQr, shareSettingsText, protectionText */
/* global File, encryptionMode, encryptChosen, applyEncryptionMode, newLinkKey, newFileSalt, sendingSource, sentSize, encryptedFileFields, linkWithKey */
/* global sha256Of, sendInParts, savedUploadFor, offerResume, noteResumable, $, limits, formatBytes, formatDuration, exactBytes, setStatus, showError, showFieldError, clearFieldErrors, ApiError, api, confirmDelete, copyText, sleep, cancelled, keepFocus */

let chosenFile = null;
/** Several files or a folder, [{ file, name }] (sent as one share by web/js/share-upload.js); [] for one file. */
let chosenList = [];
let currentUpload = null; // { id, shareUrl (with its key, if encrypted), deleteToken, fileName }
/** The running share, from POST /uploads to the link: { controller: AbortController, upload }. */
let activeShare = null;

/** Why the server will refuse this file, from its published limits; "" when it should be fine. `name`: the
 *  file's name in a share of several, which the message then names. */
function fileProblem(file, name) {
  if (!limits || !file) return "";
  const which = name === undefined ? "This file is " : "\u201C" + name + "\u201D is ";
  // Encrypted, the limit applies to the ciphertext (0.026% larger), which is what storage holds.
  const encrypted = encryptChosen();
  const sent = sentSize(file, encrypted);
  if (sent > limits.maxFileSizeBytes) {
    // Exact byte counts when the rounded sizes would read the same ("1.0 kB; up to 1.0 kB").
    const same = formatBytes(sent) === formatBytes(limits.maxFileSizeBytes);
    const size = same ? exactBytes : formatBytes;
    return (
      which +
      size(sent) +
      (encrypted ? " once encrypted" : "") +
      "; this server takes files of up to " +
      size(limits.maxFileSizeBytes) +
      ". Choose a smaller file."
    );
  }
  if (encrypted) return ""; // the server cannot check an encrypted file's type, and skips its type list
  const type = (file.type || "application/octet-stream").split(";")[0].trim().toLowerCase();
  const allowed = limits.allowedContentTypes || [];
  if (allowed.length > 0 && !allowed.includes(type)) {
    const what = name === undefined ? "this one" : "\u201C" + name + "\u201D";
    return "This server takes only files of type " + allowed.join(", ") + "; " + what + " is " + type + ".";
  }
  return "";
}

function chooseFile(file) {
  chosenFile = file || null;
  chosenList = [];
  noteSeveral([]);
  // Warn at once, beside the file (focus stays where the person put it); the server still has the last word.
  showFieldError($("file-input"), fileProblem(chosenFile), true);
  $("file-summary").textContent = chosenFile ? chosenFile.name + " · " + exactBytes(chosenFile.size) : "";
  noteResumable(chosenFile);
  // A resumed share keeps the settings it was made with: its option fields are locked (setFormEnabled).
  setFormEnabled(!$("file-input").disabled);
}

/** What the inputs or a drop gave: one file without a folder goes the one-file way (POST /uploads, as in v1);
 *  several, or any inside a folder, make one share of several files. Empty files are left out (and said so). */
function chooseFiles(list) {
  const empty = list.filter((entry) => entry.file.size === 0);
  // In name order (folders keep together, photo-2 before photo-10): the order the share lists them in.
  const kept = list
    .filter((entry) => entry.file.size > 0)
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const several = kept.length > 1 || (kept.length === 1 && kept[0].name.includes("/"));
  if (!several) {
    chooseFile(list.length === 1 ? list[0].file : kept[0]?.file);
    return;
  }
  chosenFile = null;
  chosenList = kept;
  noteResumable(null);
  noteSeveral(kept);
  showFieldError($("file-input"), severalProblem(kept), true);
  if (empty.length > 0) {
    $("file-summary").textContent += " (left out, being empty: " + empty.map((entry) => entry.name).join(", ") + ")";
  }
  setFormEnabled(!$("file-input").disabled);
}

/** Offers only the expiry times and download limits the server accepts. */
function applyLimits() {
  if (!limits) return; // keep the page's own choices
  const select = $("expiry");
  select.textContent = "";
  const add = (value, label) => select.add(new Option(label, String(value), value === "", value === ""));
  add("", "Server default (" + formatDuration(limits.defaultShareTtlSeconds) + ")");
  const choices = [600, 3600, 86400, 7 * 86400, 30 * 86400].filter((s) => s < limits.maxShareTtlSeconds);
  for (const seconds of choices) add(seconds, formatDuration(seconds));
  add(limits.maxShareTtlSeconds, formatDuration(limits.maxShareTtlSeconds) + " (the longest)");

  $("max-downloads").max = String(limits.maxDownloadsLimit);
  $("max-downloads-hint").textContent =
    (limits.defaultMaxDownloads > 0
      ? "Leave empty for the default of " + limits.defaultMaxDownloads + "."
      : "Leave empty for no limit.") +
    " At most " +
    limits.maxDownloadsLimit +
    ".";
  if ((limits.allowedContentTypes || []).length > 0) $("file-input").accept = limits.allowedContentTypes.join(",");
  $("size-hint").textContent = "Up to " + formatBytes(limits.maxFileSizeBytes) + ".";
  if (limits.maxFilesPerShare > 1) {
    $("share-hint").textContent =
      "Several files or a folder go behind one link: up to " +
      limits.maxFilesPerShare +
      " files, " +
      formatBytes(limits.maxShareSizeBytes) +
      " in all.";
  } else {
    $("folder-button").hidden = true;
    $("file-input").multiple = false;
  }
}

/** Every field of the form on or off; while the chosen file resumes an earlier share, its options stay off (the
 *  share keeps the expiry, limit and protections it was created with, shown in #resume-settings). */
function setFormEnabled(enabled) {
  const resuming = savedUploadFor(chosenFile) !== null || savedShareFor(chosenList) !== null;
  for (const el of $("upload-form").querySelectorAll("input, select, textarea, button")) {
    el.disabled = !enabled || (resuming && el.closest(".fields, #title-field, #encrypt-field") !== null);
  }
  if (encryptionMode() === "required") $("encrypt").disabled = true; // not the person's choice on this stack
}

/** The running transfer's progress line: where sending began, and recent samples for speed and time left. */
let meter = null;
const SPEED_WINDOW_MS = 5000;

/** Before any byte goes: the file (or its first part) is being encrypted and hashed, which takes seconds for a
 *  large file. */
function startProgress(encrypt) {
  meter = { base: null, samples: [] };
  $("progress").removeAttribute("value"); // indeterminate
  $("progress").setAttribute("aria-valuetext", "Preparing");
  $("progress-text").textContent = encrypt
    ? "Preparing (encrypting and checking the file)\u2026"
    : "Preparing (checking the file)\u2026";
}

/** "about 40 s", "about 3 min", "about 1 h 5 min". */
function formatTimeLeft(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return "about " + s + " s";
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return "about " + minutes + " min";
  return "about " + Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
}

/** Bytes sent of the file, with speed and time left once a second of sending has been measured. Until the first
 *  byte of this page's transfer moves (bytes sent by an earlier page count as done), it keeps "Preparing". */
function showProgress(loaded, total) {
  const now = window.performance.now();
  if (meter === null) meter = { base: null, samples: [] };
  if (meter.base === null) meter.base = loaded;
  if (loaded <= meter.base && loaded < total && meter.samples.length === 0) return;
  if (meter.samples.length === 0) meter.samples.push({ at: now, loaded: meter.base });
  meter.samples.push({ at: now, loaded });
  while (meter.samples.length > 2 && now - meter.samples[1].at > SPEED_WINDOW_MS) meter.samples.shift();
  const percent = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
  $("progress").value = percent;
  $("progress").setAttribute("aria-valuetext", percent + "%");
  let text = formatBytes(loaded) + " of " + formatBytes(total) + " (" + percent + "%)";
  const first = meter.samples[0];
  const seconds = (now - first.at) / 1000;
  const speed = (loaded - first.loaded) / seconds;
  if (loaded < total && seconds >= 1 && speed > 0) {
    text +=
      " \u00B7 " + formatBytes(Math.round(speed)) + "/s \u00B7 " + formatTimeLeft((total - loaded) / speed) + " left";
  }
  $("progress-text").textContent = text;
}

/** PUTs the file to the pre-signed URL with exactly the signed headers; resolves when S3 answered 2xx. */
function putFile(upload, file, signal, onBytes) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.open(upload.method || "PUT", upload.uploadUrl);
    for (const [name, value] of Object.entries(upload.headers || {})) xhr.setRequestHeader(name, value);
    // A file of a share of several reports its bytes to the share's bar (onBytes); one file, to the bar itself.
    const progress = onBytes ? (loaded) => onBytes(loaded) : (loaded) => showProgress(loaded, file.size);
    xhr.upload.onprogress = (e) => progress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress(file.size);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText || "");
        const why =
          code && code[1] === "BadDigest"
            ? "the bytes that arrived do not match the file's SHA-256: the file changed or was damaged on the way. Choose it again and retry."
            : "the upload link may have expired; please try again.";
        const error = new ApiError(
          xhr.status,
          "UploadFailed",
          "The storage refused the upload (" + xhr.status + (code ? " " + code[1] : "") + "): " + why,
        );
        // S3 answers an expired URL 403 AccessDenied "Request has expired": a fresh URL can fix that.
        error.urlExpired = xhr.status === 403 && /<Message>[^<]*expired/i.test(xhr.responseText || "");
        reject(error);
      }
    };
    xhr.onerror = () => {
      reject(new ApiError(0, "NetworkError", "The upload was interrupted. Check your connection and try again."));
    };
    xhr.onabort = () => reject(cancelled());
    xhr.send(file);
  });
}

/** PUTs the file; should its URL have expired meanwhile (a slow start, a sleeping laptop), asks the owner's route
 *  POST /uploads/{id}/url for a fresh one with the same signed headers and sends the file once more. */
async function putWithFreshUrlOnExpiry(upload, file, signal, onBytes) {
  try {
    await putFile(upload, file, signal, onBytes);
  } catch (e) {
    if (!e.urlExpired) throw e;
    const fresh = await api("POST", "uploads/" + encodeURIComponent(upload.id) + "/url", {
      body: upload.file === undefined ? {} : { file: upload.file },
      headers: { "X-Delete-Token": upload.deleteToken },
      signal,
    });
    if (signal.aborted) throw cancelled();
    setStatus("The upload link had expired; sending " + file.name + " again with a fresh one…");
    await putFile(Object.assign({}, upload, fresh), file, signal, onBytes);
  }
}

/** Polls GET /files/{id} until S3 has confirmed the upload; bounded, with a growing interval. */
async function waitUntilAvailable(id, signal) {
  const deadline = Date.now() + 30000;
  let delay = 150;
  for (;;) {
    const file = await api("GET", "files/" + encodeURIComponent(id), { signal });
    if (file.status === "available") return file;
    if (Date.now() > deadline) return file;
    await sleep(delay);
    if (signal.aborted) throw cancelled();
    delay = Math.min(delay * 2, 1000);
  }
}

/** Whether a file that sends `size` bytes (its own, or its ciphertext's) goes in one PUT and is small enough to hash
 *  in one read (the browser holds the whole file in memory for WebCrypto's digest, which cannot hash in pieces). */
const HASH_IN_ONE_READ_BYTES = 256 * 1024 * 1024;
function goesInOnePut(size) {
  return limits !== null && size <= limits.multipartThresholdBytes && size <= HASH_IN_ONE_READ_BYTES;
}

async function share(event) {
  event.preventDefault();
  if (activeShare) return;
  showError("");
  clearFieldErrors($("upload-form"));
  setStatus("");
  const file = chosenFile;
  const several = chosenList.length > 0 ? chosenList : null;
  const severalWrong = several ? severalProblem(several) : "";
  if (severalWrong) {
    showFieldError($("file-input"), severalWrong);
    return;
  }
  if (!file && !several) {
    showFieldError($("file-input"), "Choose a file first.");
    return;
  }
  if (file && file.size === 0) {
    showFieldError($("file-input"), "That file is empty; choose a file with something in it.");
    return;
  }
  // Encrypted (web/js/encrypt-upload.js): the name and type go encrypted, the size declared is the ciphertext's.
  const encrypt = encryptChosen();
  // The share's options; a share of several files sends them once, with its files (web/js/share-upload.js).
  const request = several
    ? {}
    : {
        fileName: file.name,
        contentType: file.type || "application/octet-stream",
        size: file.size,
        // Used only when the server answers MULTIPART: each part then carries its SHA-256 (web/js/multipart.js).
        checksumAlgorithm: "SHA256",
      };
  if (encrypt) request.encryption = "aes128gcm";
  if ($("expiry").value !== "") request.expiresInSeconds = Number($("expiry").value);
  const limitText = $("max-downloads").value.trim();
  if (limitText !== "") {
    const limit = Number(limitText);
    const most = limits ? limits.maxDownloadsLimit : Infinity;
    if (!Number.isInteger(limit) || limit < 1 || limit > most) {
      showFieldError(
        $("max-downloads"),
        "The download limit must be a whole number from 1" + (limits ? " to " + most : " up") + ", or empty.",
      );
      return;
    }
    request.maxDownloads = limit;
  }
  try {
    Object.assign(request, restrictedFields()); // password and recipients, when signed in (my-files.js)
  } catch (e) {
    showFieldError(e.field, e.message);
    return;
  }

  // One flow, one AbortController: Cancel stops whatever step is running, and every step checks it after
  // each await, so a cancelled share never shows a link.
  const flow = { controller: new AbortController(), upload: null };
  const signal = flow.controller.signal;
  const check = () => {
    if (signal.aborted) throw cancelled();
  };
  activeShare = flow;
  setFormEnabled(false);
  const title = several ? $("share-title").value.trim() : "";
  const what = several ? title || several.length + " files" : file.name;
  $("progress-name").textContent = what;
  $("progress-files").hidden = !several;
  $("progress-count").hidden = !several;
  startProgress(encrypt);
  $("progress-box").hidden = false;
  $("cancel-button").disabled = false;
  // The submit button just disabled itself: move focus where the next action is.
  $("cancel-button").focus();
  setStatus("Uploading " + what + "…");
  if (several) {
    await shareSeveral(flow, request, several, title, encrypt);
    return;
  }
  try {
    // POST /uploads is not aborted: once sent, the server may create the share anyway, and only its answer
    // carries the id and delete token needed to remove it again (see discard below).
    // A large file whose upload an earlier page started resumes it (web/js/multipart.js) instead.
    const saved = savedUploadFor(file);
    // An encrypted share's key and the file's salt; a resumed upload keeps its own (saved with its parts).
    const linkKey = saved ? saved.linkKey : encrypt ? newLinkKey() : undefined;
    const salt = saved ? saved.salt : encrypt ? newFileSalt() : undefined;
    if (!saved && linkKey) {
      delete request.fileName;
      delete request.contentType;
      Object.assign(request, await encryptedFileFields(linkKey, file, file.name));
    }
    const source = await sendingSource(file, linkKey, salt);
    /** What one PUT sends: the file, or its ciphertext (made once, when first needed). */
    let body = linkKey ? null : file;
    const wholeBody = async () => (body = body || new File([await source.read(0, source.size)], file.name));
    if (!saved && goesInOnePut(source.size)) {
      // S3 refuses a body that does not match the SHA-256 signed into the URL, and downloaders get it from
      // GET /files/{id}. (A file sent in parts carries one per part instead: web/js/multipart.js.)
      setStatus((linkKey ? "Encrypting and checking " : "Checking ") + file.name + "…");
      request.sha256 = await sha256Of(await wholeBody());
      check();
      setStatus("Uploading " + file.name + "…");
    }
    // What the page asked for, kept with a saved multipart upload so that a resumed one can show it (and, for an
    // encrypted one, send the same ciphertext).
    const upload =
      saved ||
      Object.assign(await api("POST", "uploads", { body: request }), {
        recipients: request.recipients,
        linkKey,
        salt,
      });
    flow.upload = upload;
    check();
    if (upload.method === "MULTIPART") await sendInParts(upload, file, signal);
    else await putWithFreshUrlOnExpiry(upload, await wholeBody(), signal);
    check();
    setStatus("Upload complete. Preparing the link…");
    const info = await waitUntilAvailable(upload.id, signal);
    check();
    activeShare = null;
    const link = linkWithKey(upload.shareUrl, upload.linkKey);
    currentUpload = { id: upload.id, shareUrl: link, deleteToken: upload.deleteToken, fileName: file.name };
    showResult(upload, info);
    refreshMyFiles();
  } catch (e) {
    if (signal.aborted) {
      // cancelShare() has already reset the page; remove what the server holds for this share.
      if (flow.upload) await discard(flow.upload);
      return;
    }
    activeShare = null;
    // A share sent in one PUT has nothing to resume: remove it now rather than leave it pending until it expires.
    // (One sent in parts stays, so that its upload can resume: web/js/multipart.js.)
    if (flow.upload && flow.upload.method !== "MULTIPART") discard(flow.upload);
    $("progress-box").hidden = true;
    setStatus("");
    setFormEnabled(true);
    const message = e.status >= 400 && e.status < 500 ? "The file could not be shared: " + e.message : e.message;
    showFieldError($("upload-button"), message);
  }
}

/** The share of several files: as share() below the form, with its own resume rule (a failure keeps the share,
 *  so that choosing the same files again sends only what did not finish). */
async function shareSeveral(flow, options, list, title, encrypt) {
  const signal = flow.controller.signal;
  try {
    const { upload, info } = await sendSeveral(flow, options, list, title, encrypt);
    activeShare = null;
    const name = upload.title || info.fileCount + " files";
    currentUpload = {
      id: upload.id,
      shareUrl: linkWithKey(upload.shareUrl, upload.linkKey),
      deleteToken: upload.deleteToken,
      fileName: name,
      several: true,
    };
    showResult(upload, info);
    refreshMyFiles();
  } catch (e) {
    if (signal.aborted) {
      forgetShare(flow.upload); // a Cancel that came while POST /shares was on its way, after the page saved it
      if (flow.upload) await discard(flow.upload);
      return;
    }
    activeShare = null;
    $("progress-box").hidden = true;
    setStatus("");
    setFormEnabled(true);
    const message = e.status >= 400 && e.status < 500 ? "The files could not be shared: " + e.message : e.message;
    showFieldError($("upload-button"), message);
    noteSeveral(chosenList); // the button now offers to resume
  }
}

/** Cancel: stops the running share at once; share() then deletes whatever the server already created. */
function cancelShare() {
  const flow = activeShare;
  if (!flow) return;
  activeShare = null;
  flow.controller.abort();
  $("progress-box").hidden = true;
  setFormEnabled(true);
  showError("");
  clearFieldErrors($("upload-form"));
  setStatus("Upload cancelled. Nothing was shared.");
  $("upload-button").focus();
}

/** Deletes a cancelled or failed share's record (and any bytes that reached storage) with the token the page holds. */
async function discard(upload) {
  try {
    await api("DELETE", "files/" + encodeURIComponent(upload.id), {
      headers: { "X-Delete-Token": upload.deleteToken },
    });
  } catch {
    // Nobody has the link and nothing is downloadable while it is pending; the share expires on its own.
  }
}

function showResult(upload, info) {
  $("upload-form").hidden = true;
  $("progress-box").hidden = true;
  $("result").hidden = false;
  const link = linkWithKey(upload.shareUrl, upload.linkKey);
  $("share-link").value = link;
  let details = shareSettingsText(info);
  // A share of several files says how many and how much; a one-file share reads as it always has.
  if (info.fileCount > 1) details = info.fileCount + " files, " + formatBytes(info.totalSize) + " in all. " + details;
  if (info.status !== "available") details += " The upload is still being checked; the link works in a moment.";
  $("result-details").textContent = details;
  // Who may open it, from the server's answer (password) and what the share was created with (recipients).
  const protection = protectionText(info, upload.recipients);
  $("result-protection").textContent = protection;
  $("result-protection").hidden = protection === "";
  // Encrypted: the key is in the link's fragment, and nowhere else the person can find it again.
  $("result-key-hint").hidden = !upload.linkKey;
  renderQr($("share-qr-code"), link);
  $("delete-button").textContent = info.fileCount > 1 ? "Delete these files now" : "Delete file now";
  $("delete-button").disabled = false;
  setStatus("Your link is ready. Copy it and send it.");
  $("result-title").focus();
}

function copyLink() {
  return copyText($("share-link").value, $("share-link"));
}

async function deleteUpload() {
  if (!currentUpload || !confirmDelete(currentUpload.fileName)) return;
  const several = Boolean(currentUpload.several);
  $("delete-button").disabled = true;
  showError("");
  try {
    await api("DELETE", "files/" + encodeURIComponent(currentUpload.id), {
      headers: { "X-Delete-Token": currentUpload.deleteToken },
    });
    currentUpload = null;
    $("share-link").value = "";
    $("result-link").hidden = true;
    $("delete-button").hidden = true;
    $("result-title").textContent = several ? "Files deleted" : "File deleted";
    setStatus((several ? "The files are" : "The file is") + " deleted. The link no longer works.");
    $("result-title").focus();
  } catch (e) {
    $("delete-button").disabled = false;
    keepFocus($("delete-button"));
    showError(e.message);
  }
}

function resetUpload() {
  currentUpload = null;
  chooseFile(null);
  $("upload-form").reset();
  applyEncryptionMode();
  $("result").hidden = true;
  $("share-qr-code").textContent = "";
  $("result-title").textContent = "Your link is ready";
  $("result-link").hidden = false;
  $("delete-button").hidden = false;
  $("upload-form").hidden = false;
  setFormEnabled(true);
  setStatus("");
  showError("");
  clearFieldErrors($("upload-form"));
  $("file-input").focus();
}

function startUploadView() {
  document.title = "Share a file · fileshare";
  applyLimits();
  applyEncryptionMode();
  // The box changes what the server will take (the ciphertext's size, no type list): check the choice again.
  $("encrypt").addEventListener("change", () => {
    if (chosenList.length > 0) chooseFiles(chosenList);
    else if (chosenFile) chooseFile(chosenFile);
  });
  $("upload-view").hidden = false;
  const zone = $("drop-zone");
  $("file-input").addEventListener("change", (e) => chooseFiles(picked(e.target.files)));
  $("folder-input").addEventListener("change", (e) => chooseFiles(picked(e.target.files)));
  $("folder-button").addEventListener("click", () => $("folder-input").click());
  // Dropping a file anywhere else must not navigate away from the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  zone.addEventListener("dragenter", () => zone.classList.add("dragging"));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", (e) => {
    if (!zone.contains(e.relatedTarget)) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const files = e.dataTransfer && e.dataTransfer.files;
    if (!files || files.length === 0) return;
    // A dropped folder is read through its entries (taken now: the drop's data is gone after this event).
    const entries = droppedEntries(e.dataTransfer);
    if (entries && entries.some((entry) => entry.isDirectory)) {
      entriesPicked(entries).then(chooseFiles, () =>
        showFieldError($("file-input"), "The dropped folder could not be read."),
      );
      return;
    }
    try {
      $("file-input").files = files;
    } catch {
      // Older browsers cannot assign a FileList; what chooseFiles gets is what counts.
    }
    chooseFiles(picked(files));
  });
  $("upload-form").addEventListener("submit", share);
  $("cancel-button").addEventListener("click", cancelShare);
  $("copy-button").addEventListener("click", copyLink);
  $("delete-button").addEventListener("click", deleteUpload);
  $("again-button").addEventListener("click", resetUpload);
  offerResume();
}
