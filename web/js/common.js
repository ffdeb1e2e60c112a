// What both views share: where the API is, the server's limits, formatting, API calls, status and errors.
/* global bearerToken, sessionExpired */
/* exported $, apiBase, limits, place, formatBytes, formatDuration, exactBytes, formatWhen, downloadsLeftText, shareSettingsText, protectionText, localizeTimes, setStatus, showError, showFieldError, clearFieldErrors, ApiError, api, confirmDelete, copyText, sleep, cancelled, keepFocus */

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

/** A share's expiry and downloads left (GET /files/{id}), as one sentence each. */
function shareSettingsText(info) {
  return "Expires " + formatWhen(info.expiresAt) + ". Downloads left: " + downloadsLeftText(info) + ".";
}

/** Who may open a share: a password (the server's passwordRequired) and named people (the owner's list); "" for
 *  anyone with the link. */
function protectionText(info, recipients) {
  const parts = [];
  if (info.passwordRequired) parts.push("Protected by a password: send it separately from the link.");
  if (recipients && recipients.length > 0) {
    parts.push("Only for " + recipients.join(", ") + ": they sign in with that address to download.");
  }
  return parts.join(" ");
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

/** Shows an error about the page as a whole (role=alert: announced) and scrolls it into view; "" clears it. */
function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "nearest" });
}

/** Shows an error beside the field (or button) it is about, in its line `<id>-error` (role=alert: announced),
 *  marks the field invalid, scrolls the two into view (on a phone the field may be a screen or two away) and
 *  puts focus on the field unless `keepFocusWhereItIs`. "" clears it. */
function showFieldError(field, text, keepFocusWhereItIs) {
  const line = $(field.id + "-error");
  line.textContent = text;
  line.hidden = !text;
  if (field.tagName !== "BUTTON") {
    if (text) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }
  if (!text) return;
  if (!keepFocusWhereItIs) field.focus({ preventScroll: true });
  // The field's whole box (label, field, hint, error) when it fits; its error line first when it does not.
  const box = field.closest(".field, .drop-zone") || field;
  box.scrollIntoView({ block: "center" });
  line.scrollIntoView({ block: "nearest" });
}

/** Clears every field error inside `container`. */
function clearFieldErrors(container) {
  for (const line of container.querySelectorAll(".field-error")) {
    const field = $(line.id.replace(/-error$/, ""));
    if (field) showFieldError(field, "");
  }
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
/** Asks before a delete, naming the file, as a file manager does: a share cannot be brought back. */
function confirmDelete(fileName) {
  const name = fileName ? "\u201C" + fileName + "\u201D" : "this file";
  return window.confirm("Delete " + name + "? Its link stops working for everyone, and this cannot be undone.");
}

async function api(method, path, options) {
  const opts = options || {};
  const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  // Signed in (web/js/auth.js): every call carries the ID token; routes that do not need it ignore it.
  const token = await bearerToken();
  if (token) headers.Authorization = "Bearer " + token;
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
    // 401 although a token went along: the token is no longer good (expired, the issuer's keys changed).
    if (response.status === 401 && token) sessionExpired();
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

/** Copies a link to the clipboard and says so; where the browser refuses, selects it in `input` (if given) or
 *  shows it, so the person can copy it by hand. */
async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    setStatus("Link copied to the clipboard.");
  } catch {
    if (input) {
      input.focus();
      input.select();
      setStatus("Select the link and copy it (Ctrl+C or \u2318C).");
    } else {
      setStatus("Copy this link by hand: " + text);
    }
  }
}

/** Puts focus on `el` unless the person has already moved it somewhere else. */
function keepFocus(el) {
  if (document.activeElement === null || document.activeElement === document.body) el.focus();
}
