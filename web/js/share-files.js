// A share of several files at its link: the list of files (each name shown as text, its folder apart from it), a
// download for each, and "Download all": ONE POST /files/{id}/download (one download counted) answers a short-lived
// URL per file, and the browser saves each file from its URL, one after another, as any download: straight to
// disk, so the page holds none of the bytes. Why this and not a zip: docs/page.md "Download all".
/* exported showShareFiles, downloadAll */
/* global saveEncrypted, $, place, api, formatBytes, downloadOptions, downloadsLeftText, setStatus, showError, showFileError, localizeTimes, keepFocus */

/** The share shown (GET /files/{id} or unlock): its files and counts. */
let listedShare = null;

/** "photos/2026/" and "beach.jpg" of "photos/2026/beach.jpg". */
function splitPath(name) {
  const cut = name.lastIndexOf("/") + 1;
  return { folder: name.slice(0, cut), base: name.slice(cut) };
}

/** The list of files; every name goes in as textContent, so a hostile name is only ever text. */
function showShareFiles(info) {
  listedShare = info;
  const list = $("share-files-list");
  list.textContent = "";
  const ready = info.status === "available";
  for (const f of info.files || []) {
    const item = document.createElement("li");
    item.className = "share-file";
    item.dataset.file = String(f.file);
    const name = document.createElement("p");
    name.className = "share-file-name";
    const { folder, base } = splitPath(f.fileName || "");
    if (folder) {
      const where = document.createElement("span");
      where.className = "folder";
      where.textContent = folder;
      name.append(where);
    }
    const own = document.createElement("span");
    own.textContent = base;
    name.append(own);
    const meta = document.createElement("p");
    meta.className = "hint share-file-meta";
    meta.textContent =
      formatBytes(f.size) +
      " \u00B7 " +
      (f.contentType || "") +
      (f.status === "available"
        ? ""
        : f.status === "rejected"
          ? " \u00B7 refused by the storage"
          : " \u00B7 not uploaded yet");
    const actions = document.createElement("div");
    actions.className = "share-file-actions";
    if (ready) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Download";
      button.setAttribute("aria-label", "Download " + (f.fileName || "file " + f.file));
      button.addEventListener("click", () => void downloadFiles([f.file], button));
      actions.append(button);
    }
    item.append(name, meta, actions);
    list.append(item);
  }
  $("share-files").hidden = false;
  $("download-button").textContent = "Download all (" + info.fileCount + " files)";
}

/** Starts the browser's own download of each granted URL, each in a hidden frame of its own (a second
 *  navigation of one frame would cancel the first before its answer arrives); sandboxed, with only downloads
 *  allowed. A link per file stays beside it for as long as its URL is good, should the browser not start one. */
function saveEach(downloads) {
  const frames = $("download-frames");
  frames.textContent = "";
  for (const d of downloads) {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-downloads");
    frame.title = "Download of " + d.fileName;
    frame.src = d.downloadUrl;
    frames.append(frame);
    const row = document.querySelector('#share-files-list li[data-file="' + d.file + '"] .share-file-actions');
    if (!row) continue;
    const old = row.querySelector("a");
    if (old) old.remove();
    const link = document.createElement("a");
    link.href = d.downloadUrl;
    link.rel = "noreferrer";
    link.textContent = "link";
    link.title = "If the download did not start (valid for " + d.expiresIn + " seconds)";
    row.append(link);
  }
}

/** One counted download of `files` (the share's file numbers; all when null). */
async function downloadFiles(files, button) {
  // An encrypted share's files are decrypted by the page as they download (web/js/encrypted-save.js).
  if (listedShare && listedShare.encryption) return saveEncrypted(files, button);
  button.disabled = true;
  showError("");
  setStatus("Preparing your download\u2026");
  try {
    const options = downloadOptions();
    if (files !== null) options.body = Object.assign({}, options.body, { files });
    const grant = await api("POST", "files/" + encodeURIComponent(place.fileId) + "/download", options);
    $("file-left").textContent = downloadsLeftText({
      downloadsRemaining: grant.downloadsRemaining,
      maxDownloads: listedShare && listedShare.maxDownloads,
    });
    saveEach(grant.downloads);
    const what = grant.downloads.length === 1 ? grant.downloads[0].fileName : grant.downloads.length + " files";
    setStatus(
      "Your download of " +
        what +
        " has started" +
        (grant.downloads.length > 1 ? ": your browser saves them one after another." : ".") +
        (grant.downloadsRemaining === 0 ? " That was the last download this link allows." : ""),
    );
    if (grant.downloadsRemaining === 0) {
      $("download-button").hidden = true;
      for (const b of $("share-files-list").querySelectorAll("button")) b.hidden = true;
      $("file-title").focus();
      return;
    }
    button.disabled = false;
    keepFocus(button);
  } catch (e) {
    setStatus("");
    button.disabled = false;
    if (e.code === "WrongPassword" || e.code === "TooManyAttempts") showError(localizeTimes(e.message));
    else showFileError(e);
    keepFocus(button);
  }
}

/** "Download all": every file for one counted download. */
function downloadAll() {
  return downloadFiles(null, $("download-button"));
}
