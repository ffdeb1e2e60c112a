// Restricted shares at a share link: a password share asks for the password before it shows the file's name
// (POST /files/{id}/unlock, which consumes nothing), then downloads with it; a recipients share asks the visitor
// to sign in, and says plainly when the signed-in address is not one of the recipients.
/* exported askForPassword, showRestricted, downloadOptions, startUnlock */
/* global presentShare, $, place, api, localizeTimes, setStatus, showError, showFileState, showFileError, signIn, signedInEmail, authSettings */

/** The password that unlocked this share; sent again with each download. */
let sharePassword = null;

/** POST /files/{id}/download's options: the password's body for a password share. */
function downloadOptions() {
  return sharePassword === null ? {} : { body: { password: sharePassword } };
}

function askForPassword() {
  sharePassword = null;
  showFileState(
    "locked",
    "This file is protected by a password",
    "Enter the password the sender gave you to see the file and download it.",
  );
  $("unlock-password").value = "";
  $("unlock-password").focus();
}

async function unlock(event) {
  event.preventDefault();
  const password = $("unlock-password").value;
  showError("");
  if (password === "") {
    showError("Enter the password first.");
    $("unlock-password").focus();
    return;
  }
  $("unlock-button").disabled = true;
  try {
    const file = await api("POST", "files/" + encodeURIComponent(place.fileId) + "/unlock", { body: { password } });
    sharePassword = password;
    // An encrypted share is decrypted only now: the password came first (access control on top of the key).
    await presentShare(file);
    setStatus("Unlocked. Nothing was downloaded yet.");
    if ($("download-button").hidden) $("file-title").focus();
    else $("download-button").focus();
  } catch (e) {
    if (e.code === "WrongPassword" || e.code === "TooManyAttempts") {
      // Stay on the prompt: the API's message says what happened (and, when limited, until when).
      showError(localizeTimes(e.message));
      $("unlock-password").select();
      $("unlock-password").focus();
    } else {
      showFileError(e);
    }
  } finally {
    $("unlock-button").disabled = false;
  }
}

/** 401: sign in to see a recipients share; 403 Forbidden: signed in, but not as one of its recipients. */
function showRestricted(e) {
  const email = signedInEmail();
  if (e.status === 401 && authSettings) {
    showFileState(
      "signin",
      "Sign in to see this file",
      "This file was shared with specific people. Sign in with your email address to see it.",
    );
  } else if (e.status === 403 && email) {
    showFileState(
      "refused",
      "This file was not shared with you",
      "You are signed in as " +
        email +
        ", which is not one of the addresses this file was shared with. Ask the sender to add it, or sign out and sign in with another address.",
    );
  } else {
    showFileState("error", "This file is not available to you", e.message);
  }
}

function startUnlock() {
  $("unlock-form").addEventListener("submit", unlock);
  $("file-sign-in").addEventListener("click", () => void signIn());
}
