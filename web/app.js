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

  /** The server's limits (handlers/page.ts fills them in); null if the page came without them. */
  const limits = (function () {
    try {
      const block = $("limits");
      return block && block.textContent ? JSON.parse(block.textContent) : null;
    } catch {
      return null;
    }
  })();

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

  /** 600 -> "10 minutes", 86400 -> "1 day": the largest whole unit. */
  function formatDuration(seconds) {
    const units = [
      [86400, "day"],
      [3600, "hour"],
      [60, "minute"],
      [1, "second"],
    ];
    for (const [size, name] of units) {
      if (seconds >= size && seconds % size === 0) {
        const n = seconds / size;
        return n + " " + name + (n === 1 ? "" : "s");
      }
    }
    return seconds + " seconds";
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

  /** An error from the API (status and docs/api.md code) or from the network (status 0). */
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
        signal: opts.signal,
      });
    } catch {
      if (opts.signal && opts.signal.aborted) throw cancelled();
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

  const cancelled = () => new ApiError(0, "Aborted", "Upload cancelled.");

  /** Puts focus on `el` unless the person has already moved it somewhere else. */
  function keepFocus(el) {
    if (document.activeElement === null || document.activeElement === document.body) el.focus();
  }

  // ---------- sharing a file ----------

  let chosenFile = null;
  let currentUpload = null; // { id, shareUrl, deleteToken }
  /** The running share, from POST /uploads to the link: { controller: AbortController, upload }. */
  let activeShare = null;

  /** Why the server will refuse this file, from its published limits; "" when it should be fine. */
  function fileProblem(file) {
    if (!limits || !file) return "";
    if (file.size > limits.maxFileSizeBytes) {
      // Exact byte counts when the rounded sizes would read the same ("1.0 kB; up to 1.0 kB").
      const same = formatBytes(file.size) === formatBytes(limits.maxFileSizeBytes);
      const size = same ? exactBytes : formatBytes;
      return (
        "This file is " +
        size(file.size) +
        "; this server takes files of up to " +
        size(limits.maxFileSizeBytes) +
        ". Choose a smaller file."
      );
    }
    const type = (file.type || "application/octet-stream").split(";")[0].trim().toLowerCase();
    const allowed = limits.allowedContentTypes || [];
    if (allowed.length > 0 && !allowed.includes(type)) {
      return "This server takes only files of type " + allowed.join(", ") + "; this one is " + type + ".";
    }
    return "";
  }

  function chooseFile(file) {
    chosenFile = file || null;
    // Warn at once; the server still has the last word when the file is sent.
    showError(fileProblem(chosenFile));
    $("file-summary").textContent = chosenFile ? chosenFile.name + " · " + exactBytes(chosenFile.size) : "";
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
  function putFile(upload, file, signal) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.open(upload.method || "PUT", upload.uploadUrl);
      for (const [name, value] of Object.entries(upload.headers || {})) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => showProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
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
        reject(new ApiError(0, "NetworkError", "The upload was interrupted. Check your connection and try again."));
      };
      xhr.onabort = () => reject(cancelled());
      xhr.send(file);
    });
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

  async function share(event) {
    event.preventDefault();
    if (activeShare) return;
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
      const most = limits ? limits.maxDownloadsLimit : Infinity;
      if (!Number.isInteger(limit) || limit < 1 || limit > most) {
        showError(
          "The download limit must be a whole number from 1" + (limits ? " to " + most : " up") + ", or empty.",
        );
        $("max-downloads").focus();
        return;
      }
      request.maxDownloads = limit;
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
    $("progress-name").textContent = file.name;
    showProgress(0, file.size);
    $("progress-box").hidden = false;
    $("cancel-button").disabled = false;
    // The submit button just disabled itself: move focus where the next action is.
    $("cancel-button").focus();
    setStatus("Uploading " + file.name + "…");
    try {
      // POST /uploads is not aborted: once sent, the server may create the share anyway, and only its answer
      // carries the id and delete token needed to remove it again (see discard below).
      const upload = await api("POST", "uploads", { body: request });
      flow.upload = upload;
      check();
      await putFile(upload, file, signal);
      check();
      setStatus("Upload complete. Preparing the link…");
      const info = await waitUntilAvailable(upload.id, signal);
      check();
      activeShare = null;
      currentUpload = { id: upload.id, shareUrl: upload.shareUrl, deleteToken: upload.deleteToken };
      showResult(upload, info);
    } catch (e) {
      if (signal.aborted) {
        // cancelShare() has already reset the page; remove what the server holds for this share.
        if (flow.upload) await discard(flow.upload);
        return;
      }
      activeShare = null;
      $("progress-box").hidden = true;
      setStatus("");
      showError(e.status >= 400 && e.status < 500 ? "The file could not be shared: " + e.message : e.message);
      setFormEnabled(true);
      $("upload-button").focus();
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
    setStatus("Upload cancelled. Nothing was shared.");
    $("upload-button").focus();
  }

  /** Deletes a cancelled share's record (and any bytes that reached storage) with the token the page holds. */
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
      keepFocus($("delete-button"));
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
    applyLimits();
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
    $("cancel-button").addEventListener("click", cancelShare);
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
        // The button is gone: the title (and the status under it) is the next thing to read.
        $("file-title").focus();
      } else {
        button.disabled = false;
        keepFocus(button);
      }
    } catch (e) {
      setStatus("");
      button.disabled = false;
      showFileError(e);
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

  $("home-link").href = apiBase.toString();
  $("own-link").href = apiBase.toString();
  if (place.fileId === null) startUploadView();
  else void startFileView();
})();
