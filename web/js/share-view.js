// The share view, at a share link (<base>/files/<id>): show the file and its state, and download it. An
// end-to-end encrypted share (docs/encryption.md) is opened with the key in the link's fragment, which no request
// carries: its title, names, types and sizes are decrypted here before anything is shown, and its bytes are
// decrypted as they download (web/js/encrypted-save.js).
/* exported startFileView, showFileState, showDetails, showFileError, loadFile, sharedTitle, presentShare, shownFile, linkKey */
/* global askForPassword, showRestricted, downloadOptions, showShareFiles, downloadAll, shareKeyFromFragment, decryptMetadata, decryptTitle, saveEncrypted, encryptedSaveNote */
/* global $, place, exactBytes, formatBytes, formatWhen, downloadsLeftText, localizeTimes, setStatus, showError, api, keepFocus */

/** Shows one state of the share view: available, pending, expired, exhausted, notfound, error. */
function showFileState(state, title, message) {
  const view = $("file-view");
  view.dataset.state = state;
  $("file-title").textContent = title;
  $("file-message").textContent = message || "";
  $("file-message").hidden = !message;
  $("download-button").hidden = state !== "available";
  $("recheck-button").hidden = state !== "pending" && state !== "error";
  $("unlock-form").hidden = state !== "locked";
  $("file-sign-in").hidden = state !== "signin";
  if (state !== "available" && state !== "pending") {
    $("file-details").hidden = true;
    $("share-files").hidden = true;
    $("encrypted-note").hidden = true;
  }
  document.title = title + " · fileshare";
}

let shownFile = null;

/** The key of the encrypted share shown, from the link's fragment (16 bytes); null before one is read. */
let linkKey = null;

/** Reads the key from the link's fragment for an encrypted share; when it is missing or malformed, says so and
 *  returns false (nothing can be shown or downloaded without it). */
function readShareKey() {
  const fragment = window.location.hash.slice(1);
  linkKey = null;
  if (fragment === "") {
    showFileState(
      "nokey",
      "This link is missing its key",
      "This link is missing the part after #, which holds the key to this end-to-end encrypted share. Copy the whole link again from the message you were sent (it ends with # and 22 more characters); nothing was downloaded.",
    );
    return false;
  }
  try {
    linkKey = shareKeyFromFragment(fragment);
  } catch (e) {
    showFileState("badkey", "This link's key is damaged", e.message + " Nothing was downloaded.");
    return false;
  }
  return true;
}

/** An encrypted share's answer as the page shows it: names, types, sizes and the title decrypted with the link's
 *  key (each file keeps its encrypted size as cipherSize). Throws an UntrustedError when the key does not open it. */
async function decryptShare(info) {
  const files = await Promise.all(
    (info.files || []).map(async (f) =>
      Object.assign({}, f, await decryptMetadata(linkKey, f.encryptedMetadata), { cipherSize: f.size }),
    ),
  );
  const title = info.encryptedTitle ? await decryptTitle(linkKey, info.encryptedTitle) : undefined;
  const shown = Object.assign({}, info, { files, title, totalSize: files.reduce((sum, f) => sum + f.size, 0) });
  if (info.fileCount <= 1 && files[0]) {
    Object.assign(shown, { fileName: files[0].fileName, contentType: files[0].contentType, size: files[0].size });
  }
  return shown;
}

/** Shows a share the API answered (GET /files/{id} or unlock), decrypting it first when it is encrypted. */
async function presentShare(info) {
  let file = info;
  if (info.encryption) {
    try {
      file = await decryptShare(info);
    } catch (e) {
      if (e.name !== "UntrustedError") throw e;
      showFileState(
        "wrongkey",
        "This link's key does not fit",
        "The key in this link does not open this share: its file names do not decrypt with it. Copy the whole link again from the message you were sent; nothing was downloaded.",
      );
      return;
    }
  }
  showDetails(file);
  if (file.status === "available") {
    showFileState("available", sharedTitle(file), "");
  } else {
    showFileState(
      "pending",
      "Not uploaded yet",
      "This file is still being uploaded. Try again in a moment: this page does not use up a download.",
    );
  }
  const note = file.encryption && file.status === "available" ? encryptedSaveNote(file) : "";
  $("encrypted-note").textContent = note;
  $("encrypted-note").hidden = note === "";
}

/** The view's heading for an available share: one file reads as it always has. */
function sharedTitle(file) {
  return file.fileCount > 1 ? file.fileCount + " files were shared with you" : "A file was shared with you";
}

function showDetails(file) {
  shownFile = file;
  // A share of several files lists them (web/js/share-files.js); a one-file share shows its name, size and type.
  const several = file.fileCount > 1;
  for (const el of $("file-details").querySelectorAll(".one-file")) el.hidden = several;
  for (const el of $("file-details").querySelectorAll(".several")) el.hidden = !several;
  for (const el of $("file-details").querySelectorAll(".share-title")) el.hidden = !file.title;
  $("file-share-title").textContent = file.title || "";
  if (several) {
    $("file-count").textContent = file.fileCount + " files, " + formatBytes(file.totalSize) + " in all";
    showShareFiles(file);
  } else {
    $("file-name").textContent = file.fileName;
    $("file-size").textContent = exactBytes(file.size);
    $("file-type").textContent = file.contentType;
  }
  $("file-expires").textContent = formatWhen(file.expiresAt);
  $("file-left").textContent = downloadsLeftText(file);
  $("file-details").hidden = false;
}

function showFileError(e) {
  if (e.status === 401 || (e.status === 403 && e.code === "Forbidden")) {
    showRestricted(e); // a recipients share (unlock.js)
  } else if (e.status === 404) {
    showFileState(
      "notfound",
      "File not found",
      "This link does not lead to a file. It may have been deleted, or the link was copied incompletely.",
    );
  } else if (e.status === 410 && /expired/i.test(e.message)) {
    showFileState("expired", "This link has expired", localizeTimes(e.message) + " Ask the sender for a new link.");
  } else if (e.status === 410) {
    showFileState("exhausted", "No downloads left", localizeTimes(e.message) + " Ask the sender for a new link.");
  } else if (e.status === 409) {
    showFileState("pending", "Not uploaded yet", e.message);
  } else {
    showFileState("error", "Something went wrong", e.message);
  }
}

/** Reads the file's metadata (GET only: looking never consumes a download). */
async function loadFile() {
  showError("");
  try {
    const file = await api("GET", "files/" + encodeURIComponent(place.fileId));
    // Without its key an encrypted share can be neither read nor saved: say so before asking for anything.
    if (file.encryption && !readShareKey()) return;
    if (file.passwordRequired) return askForPassword(); // unlock.js: no name until the password is given
    await presentShare(file);
  } catch (e) {
    showFileError(e);
  }
  $("file-title").focus();
}

async function download() {
  if (shownFile && shownFile.encryption) return saveEncrypted(null, $("download-button"));
  if (shownFile && shownFile.fileCount > 1) return downloadAll();
  const button = $("download-button");
  button.disabled = true;
  showError("");
  setStatus("Preparing your download…");
  try {
    const grant = await api("POST", "files/" + encodeURIComponent(place.fileId) + "/download", downloadOptions());
    $("file-left").textContent = downloadsLeftText({
      downloadsRemaining: grant.downloadsRemaining,
      maxDownloads: shownFile && shownFile.maxDownloads,
    });
    $("download-link").href = grant.downloadUrl;
    $("download-fallback").hidden = false;
    setStatus("Your download of " + grant.fileName + " has started.");
    // The URL answers with Content-Disposition: attachment, so the browser saves it and stays on this page.
    window.location.assign(grant.downloadUrl);
    if (grant.downloadsRemaining === 0) {
      button.hidden = true;
      setStatus("Your download has started. That was the last download this link allows.");
      // The button is gone: the title (and the status under it) is the next thing to read.
      $("file-title").focus();
    } else {
      button.disabled = false;
      keepFocus(button);
    }
  } catch (e) {
    setStatus("");
    button.disabled = false;
    if (e.code === "WrongPassword" || e.code === "TooManyAttempts") showError(localizeTimes(e.message));
    else showFileError(e);
    if (button.hidden) $("file-title").focus();
    else keepFocus(button);
  }
}

function startFileView() {
  $("file-view").hidden = false;
  $("download-button").addEventListener("click", download);
  $("recheck-button").addEventListener("click", loadFile);
  // A key pasted into the address bar afterwards: read the share again with it.
  window.addEventListener("hashchange", () => void loadFile());
  return loadFile();
}
