// The share view, at a share link (<base>/files/<id>): show the file and its state, and download it.
/* exported startFileView, showFileState, showDetails, showFileError, loadFile, sharedTitle */
/* global askForPassword, showRestricted, downloadOptions, showShareFiles, downloadAll */
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
  }
  document.title = title + " · fileshare";
}

let shownFile = null;

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
    if (file.passwordRequired) return askForPassword(); // unlock.js: no name until the password is given
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
  } catch (e) {
    showFileError(e);
  }
  $("file-title").focus();
}

async function download() {
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
  return loadFile();
}
