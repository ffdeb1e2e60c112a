// The fileshare page: share a file (POST /uploads, PUT to the pre-signed URL, wait until available) or, when
// opened at a share link (<base>/files/<id>), show the file and download it. Plain JavaScript, no build step.
// The same page is served at the API's root, locally (http://127.0.0.1:3000/) and on AWS (https://host/stage/),
// so every API call is relative to the base derived from this page's own address.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);

  /** Where the API lives and which file the address names, from location.pathname. */
  function locate(pathname) {
    const match = /^(.*\/)files\/([^/]+)\/?$/.exec(pathname);
    if (match) {
      let id = match[2];
      try {
        id = decodeURIComponent(id);
      } catch {
        // A malformed %-escape: keep the raw text; the API will answer 404.
      }
      return { base: match[1], fileId: id };
    }
    return { base: pathname.endsWith("/") ? pathname : pathname + "/", fileId: null };
  }

  const place = locate(window.location.pathname);
  const apiBase = new URL(place.base, window.location.origin);
  const apiUrl = (path) => new URL(path, apiBase).toString();

  // ---------- small helpers ----------

  function formatBytes(n) {
    if (n < 1000) return n + (n === 1 ? " byte" : " bytes");
    const units = ["kB", "MB", "GB", "TB"];
    let value = n;
    let unit = "";
    for (const u of units) {
      value /= 1000;
      unit = u;
      if (value < 1000) break;
    }
    return (value < 10 ? value.toFixed(1) : Math.round(value).toString()) + " " + unit;
  }

  function exactBytes(n) {
    return formatBytes(n) + (n >= 1000 ? " (" + n.toLocaleString("en-US") + " bytes)" : "");
  }

  function formatWhen(iso) {
    const date = new Date(iso);
    const seconds = Math.round((date.getTime() - Date.now()) / 1000);
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    const abs = Math.abs(seconds);
    const relative =
      abs < 3570
        ? rtf.format(Math.round(seconds / 60), "minute")
        : abs < 129600
          ? rtf.format(Math.round(seconds / 3600), "hour")
          : rtf.format(Math.round(seconds / 86400), "day");
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) + " (" + relative + ")";
  }

  function downloadsLeftText(file) {
    if (file.downloadsRemaining === null || file.downloadsRemaining === undefined) return "Unlimited";
    return file.downloadsRemaining + " of " + file.maxDownloads;
  }

  /** The API's messages carry ISO 8601 UTC times; show them in the reader's own time zone. */
  function localizeTimes(message) {
    return message.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, (iso) =>
      new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
    );
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  function showError(text) {
    const box = $("error");
    box.textContent = text;
    box.hidden = !text;
  }

  /** An error from the API (status and API.md code) or from the network (status 0). */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Calls the API and returns the parsed JSON body; throws ApiError with the server's error.message. */
  async function api(method, path, options) {
    const opts = options || {};
    const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(apiUrl(path), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, "NetworkError", "Could not reach the server. Check your connection and try again.");
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const err = data && data.error;
      throw new ApiError(
        response.status,
        (err && err.code) || "HttpError",
        (err && err.message) || "The server answered " + response.status + ". Please try again.",
      );
    }
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---------- sharing a file ----------

  let chosenFile = null;
  let currentUpload = null; // { id, shareUrl, deleteToken }
  let activeRequest = null; // the XMLHttpRequest of the running upload

  function chooseFile(file) {
    chosenFile = file || null;
    showError("");
    $("file-summary").textContent = chosenFile ? chosenFile.name + " · " + exactBytes(chosenFile.size) : "";
  }

  function setFormEnabled(enabled) {
    for (const el of $("upload-form").querySelectorAll("input, select, button")) el.disabled = !enabled;
  }

  function showProgress(loaded, total) {
    const percent = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
    $("progress").value = percent;
    $("progress").setAttribute("aria-valuetext", percent + "%");
    $("progress-text").textContent = formatBytes(loaded) + " of " + formatBytes(total) + " (" + percent + "%)";
  }

  /** PUTs the file to the pre-signed URL with exactly the signed headers; resolves when S3 answered 2xx. */
  function putFile(upload, file) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      activeRequest = xhr;
      xhr.open(upload.method || "PUT", upload.uploadUrl);
      for (const [name, value] of Object.entries(upload.headers || {})) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => showProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        activeRequest = null;
        if (xhr.status >= 200 && xhr.status < 300) {
          showProgress(file.size, file.size);
          resolve();
        } else {
          const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText || "");
          reject(
            new ApiError(
              xhr.status,
              "UploadFailed",
              "The storage refused the upload (" +
                xhr.status +
                (code ? " " + code[1] : "") +
                "). The upload link may have expired; please try again.",
            ),
          );
        }
      };
      xhr.onerror = () => {
        activeRequest = null;
        reject(new ApiError(0, "NetworkError", "The upload was interrupted. Check your connection and try again."));
      };
      xhr.onabort = () => {
        activeRequest = null;
        reject(new ApiError(0, "Aborted", "Upload cancelled."));
      };
      xhr.send(file);
    });
  }

  /** Polls GET /files/{id} until S3 has confirmed the upload; bounded, with a growing interval. */
  async function waitUntilAvailable(id) {
    const deadline = Date.now() + 30000;
    let delay = 150;
    for (;;) {
      const file = await api("GET", "files/" + encodeURIComponent(id));
      if (file.status === "available") return file;
      if (Date.now() > deadline) return file;
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  async function share(event) {
    event.preventDefault();
    showError("");
    setStatus("");
    const file = chosenFile;
    if (!file) {
      showError("Choose a file first.");
      $("file-input").focus();
      return;
    }
    if (file.size === 0) {
      showError("That file is empty; choose a file with something in it.");
      return;
    }
    const request = {
      fileName: file.name,
      contentType: file.type || "application/octet-stream",
      size: file.size,
    };
    if ($("expiry").value !== "") request.expiresInSeconds = Number($("expiry").value);
    const limitText = $("max-downloads").value.trim();
    if (limitText !== "") {
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) {
        showError("The download limit must be a whole number of 1 or more, or empty.");
        $("max-downloads").focus();
        return;
      }
      request.maxDownloads = limit;
    }

    setFormEnabled(false);
    $("progress-name").textContent = file.name;
    showProgress(0, file.size);
    $("progress-box").hidden = false;
    $("cancel-button").disabled = false;
    setStatus("Uploading " + file.name + "…");
    try {
      const upload = await api("POST", "uploads", { body: request });
      currentUpload = { id: upload.id, shareUrl: upload.shareUrl, deleteToken: upload.deleteToken };
      await putFile(upload, file);
      $("cancel-button").disabled = true;
      setStatus("Upload complete. Preparing the link…");
      const info = await waitUntilAvailable(upload.id);
      showResult(upload, info);
    } catch (e) {
      $("progress-box").hidden = true;
      setStatus("");
      showError(e.status >= 400 && e.status < 500 ? "The file could not be shared: " + e.message : e.message);
      setFormEnabled(true);
    }
  }

  function showResult(upload, info) {
    $("upload-form").hidden = true;
    $("progress-box").hidden = true;
    $("result").hidden = false;
    $("share-link").value = upload.shareUrl;
    const parts = ["Expires " + formatWhen(info.expiresAt) + ".", "Downloads left: " + downloadsLeftText(info) + "."];
    if (info.status !== "available") parts.push("The upload is still being checked; the link works in a moment.");
    $("result-details").textContent = parts.join(" ");
    $("delete-button").disabled = false;
    setStatus("Your link is ready. Copy it and send it.");
    $("result-title").focus();
  }

  async function copyLink() {
    const input = $("share-link");
    try {
      await navigator.clipboard.writeText(input.value);
      setStatus("Link copied to the clipboard.");
    } catch {
      input.focus();
      input.select();
      setStatus("Select the link and copy it (Ctrl+C or ⌘C).");
    }
  }

  async function deleteUpload() {
    if (!currentUpload) return;
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
      $("result-title").textContent = "File deleted";
      setStatus("The file is deleted. The link no longer works.");
      $("result-title").focus();
    } catch (e) {
      $("delete-button").disabled = false;
      showError(e.message);
    }
  }

  function resetUpload() {
    currentUpload = null;
    chooseFile(null);
    $("upload-form").reset();
    $("result").hidden = true;
    $("result-title").textContent = "Your link is ready";
    $("result-link").hidden = false;
    $("delete-button").hidden = false;
    $("upload-form").hidden = false;
    setFormEnabled(true);
    setStatus("");
    showError("");
    $("file-input").focus();
  }

  function startUploadView() {
    document.title = "Share a file · fileshare";
    $("upload-view").hidden = false;
    const zone = $("drop-zone");
    $("file-input").addEventListener("change", (e) => chooseFile(e.target.files && e.target.files[0]));
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
      if (files && files.length > 0) {
        try {
          $("file-input").files = files;
        } catch {
          // Older browsers cannot assign a FileList; chosenFile below is what counts.
        }
        chooseFile(files[0]);
      }
    });
    $("upload-form").addEventListener("submit", share);
    $("cancel-button").addEventListener("click", () => activeRequest && activeRequest.abort());
    $("copy-button").addEventListener("click", copyLink);
    $("delete-button").addEventListener("click", deleteUpload);
    $("again-button").addEventListener("click", resetUpload);
  }

  // ---------- opening a share link ----------

  /** Shows one state of the share view: available, pending, expired, exhausted, notfound, error. */
  function showFileState(state, title, message) {
    const view = $("file-view");
    view.dataset.state = state;
    $("file-title").textContent = title;
    $("file-message").textContent = message || "";
    $("file-message").hidden = !message;
    $("download-button").hidden = state !== "available";
    $("recheck-button").hidden = state !== "pending" && state !== "error";
    if (state !== "available" && state !== "pending") $("file-details").hidden = true;
    document.title = title + " · fileshare";
  }

  let shownFile = null;

  function showDetails(file) {
    shownFile = file;
    $("file-name").textContent = file.fileName;
    $("file-size").textContent = exactBytes(file.size);
    $("file-type").textContent = file.contentType;
    $("file-expires").textContent = formatWhen(file.expiresAt);
    $("file-left").textContent = downloadsLeftText(file);
    $("file-details").hidden = false;
  }

  function showFileError(e) {
    if (e.status === 404) {
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
      showDetails(file);
      if (file.status === "available") {
        showFileState("available", "A file was shared with you", "");
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
    const button = $("download-button");
    button.disabled = true;
    showError("");
    setStatus("Preparing your download…");
    try {
      const grant = await api("POST", "files/" + encodeURIComponent(place.fileId) + "/download");
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
      } else {
        button.disabled = false;
      }
    } catch (e) {
      setStatus("");
      button.disabled = false;
      showFileError(e);
    }
  }

  function startFileView() {
    $("file-view").hidden = false;
    $("download-button").addEventListener("click", download);
    $("recheck-button").addEventListener("click", loadFile);
    return loadFile();
  }

  $("home-link").href = apiBase.toString();
  $("own-link").href = apiBase.toString();
  if (place.fileId === null) startUploadView();
  else void startFileView();
})();
