// Signed in: "My files" (GET /files, newest first, a page at a time with More), each with its link, expiry,
// downloads left and a Delete button (the owner's bearer token is enough); and the sharing form's password and
// recipients fields (docs/api.md "Restricted shares").
/* exported startMyFiles, refreshMyFiles, restrictedFields */
/* global formatBytes, $, api, confirmDelete, copyText, shareSettingsText, setStatus, showError, signedInEmail, onSessionChange, signIn, authSettings, stackNeedsApiKey, setFormEnabled */

/** Shares per GET /files page. */
const MY_FILES_PAGE = 10;
let myFilesCursor = null;
/** Bumped by every reload, so a slow page from an earlier list is not appended to a newer one. */
let myFilesGeneration = 0;

/** A share's name in the list: its title, else its one file's name, else how many files it holds. An encrypted
 *  share's names are not the server's to give (nor the key to read them): it is "Encrypted share". */
function shareName(file) {
  if (file.encryption) return "Encrypted share";
  return file.title || file.fileName || (file.fileCount > 1 ? file.fileCount + " files" : "");
}

/** What an encrypted share's row can honestly say: how many files, their stored size, and why no more. */
function encryptedText(file) {
  const count = file.fileCount > 1 ? file.fileCount + " files" : "1 file";
  const size = formatBytes(file.fileCount > 1 ? file.totalSize : file.size);
  return (
    count +
    ", " +
    size +
    " encrypted. Its names and key are not kept by the service: the link with its key was shown only when it was uploaded. "
  );
}

function fileRow(file) {
  const item = document.createElement("li");
  item.className = "my-file";
  item.dataset.id = file.id;
  const link = document.createElement("a");
  link.href = file.shareUrl;
  link.rel = "noreferrer";
  link.textContent = shareName(file) || "(protected by a password)";
  const details = document.createElement("p");
  details.className = "hint";
  // A share of several files says how many and how much, before its settings (a one-file share reads as before).
  const counts = file.encryption
    ? encryptedText(file)
    : file.fileCount > 1
      ? file.fileCount + " files, " + formatBytes(file.totalSize) + " in all. "
      : "";
  const extra = [];
  if (file.passwordRequired) extra.push("password-protected");
  // GET /files tells the owner whom a share is for; GET /files/{id} does not tell anyone.
  if (file.recipients && file.recipients.length > 0) extra.push("only for " + file.recipients.join(", "));
  if (file.status !== "available") extra.push("not uploaded yet");
  const more = extra.join("; ");
  details.textContent =
    counts + shareSettingsText(file) + (more ? " " + more[0].toUpperCase() + more.slice(1) + "." : "");
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Copy link";
  copy.setAttribute("aria-label", "Copy the link of " + (shareName(file) || "this file"));
  copy.addEventListener("click", () => void copyText(file.shareUrl));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", "Delete " + (shareName(file) || "this file"));
  remove.addEventListener("click", () => deleteMine(file, item, remove));
  const actions = document.createElement("div");
  actions.className = "my-file-actions";
  // Without its key an encrypted share's link lets nobody read it: no Copy link to hand it out.
  if (file.encryption) actions.append(remove);
  else actions.append(copy, remove);
  item.append(link, details, actions);
  return item;
}

async function deleteMine(file, item, button) {
  if (!confirmDelete(shareName(file))) return;
  button.disabled = true;
  showError("");
  try {
    await api("DELETE", "files/" + encodeURIComponent(file.id));
    item.remove();
    $("my-files-empty").hidden = $("my-files-list").children.length > 0;
    setStatus("Deleted " + (shareName(file) || "the file") + ". Its link no longer works.");
    $("my-files-title").focus();
  } catch (e) {
    button.disabled = false;
    showError("Could not delete: " + e.message);
  }
}

/** Loads the next page (or the first, after a reset) and appends it. */
async function loadMyFilesPage(reset) {
  if (reset) {
    myFilesGeneration++;
    myFilesCursor = null;
  }
  const generation = myFilesGeneration;
  const query = "files?limit=" + MY_FILES_PAGE + (myFilesCursor ? "&cursor=" + encodeURIComponent(myFilesCursor) : "");
  $("my-files-more").disabled = true;
  try {
    const page = await api("GET", query);
    if (generation !== myFilesGeneration) return;
    if (reset) $("my-files-list").textContent = "";
    for (const file of page.files) $("my-files-list").append(fileRow(file));
    myFilesCursor = page.nextCursor;
    $("my-files-more").hidden = !myFilesCursor;
    $("my-files-empty").hidden = $("my-files-list").children.length > 0;
    $("my-files").dataset.loaded = String($("my-files-list").children.length);
  } catch (e) {
    showError("Could not list your files: " + e.message);
  } finally {
    $("my-files-more").disabled = false;
  }
}

/** Shows or hides "My files" and the restriction fields for who is signed in; reloads the list. */
function refreshMyFiles() {
  const email = signedInEmail();
  $("my-files").hidden = !email;
  $("restrict-fields").hidden = !email;
  // Signed in, "My files" can delete any of them later: no need to keep this page open.
  $("keep-open-hint").hidden = Boolean(email);
  // On a stack where sharing needs sign-in (or, for visitors not signed in, an API key the page does not have),
  // a signed-out visitor sees why the form is disabled instead of a 403 after choosing a file.
  const required = Boolean(authSettings && authSettings.required && authSettings.required.upload);
  const needsSignIn = !email && (required || stackNeedsApiKey);
  $("sign-in-needed").hidden = !needsSignIn;
  $("sign-in-needed-text").textContent = !stackNeedsApiKey
    ? "Sign in to share files on this server."
    : authSettings
      ? "Sign in to share (this service needs sign-in or an API key)."
      : "This service needs an API key to share: use the command-line client or the API with x-api-key.";
  $("sign-in-to-share").hidden = !authSettings;
  setFormEnabled(!needsSignIn);
  if (email) void loadMyFilesPage(true);
  else {
    myFilesGeneration++;
    $("my-files-list").textContent = "";
  }
}

/** An Error about one field of the form (share() shows it beside that field). */
function fieldProblem(field, message) {
  const error = new Error(message);
  error.field = field;
  return error;
}

/** The sharing form's password and recipients as POST /uploads fields; throws fieldProblem saying what is wrong. */
function restrictedFields() {
  const fields = {};
  if ($("restrict-fields").hidden) return fields;
  const password = $("share-password").value;
  if (password !== "") {
    if (password.length < 8 || password.length > 128) {
      throw fieldProblem($("share-password"), "The password must be 8 to 128 characters long, or empty.");
    }
    fields.password = password;
  }
  const recipients = $("share-recipients")
    .value.split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (recipients.length > 0) {
    const bad = recipients.find((r) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(r));
    if (bad !== undefined || recipients.length > 50) {
      throw fieldProblem(
        $("share-recipients"),
        bad !== undefined ? bad + " is not an email address." : "At most 50 recipients; this list has more.",
      );
    }
    fields.recipients = recipients;
  }
  return fields;
}

function startMyFiles() {
  $("my-files-more").addEventListener("click", () => void loadMyFilesPage(false));
  $("my-files-reload").addEventListener("click", () => void loadMyFilesPage(true));
  $("sign-in-to-share").addEventListener("click", () => void signIn());
  $("my-files-title").tabIndex = -1;
  onSessionChange(refreshMyFiles);
  refreshMyFiles();
}
