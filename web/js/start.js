// Starts the view the address asks for. Last in SCRIPT_FILES (handlers/page.ts): everything it calls is defined.
/* global $, apiBase, place, startUploadView, startFileView, loadAuth, finishSignIn, startMyFiles, startUnlock, onSessionChange, loadFile */

$("home-link").href = apiBase.toString();
$("own-link").href = apiBase.toString();
void (async function () {
  // Sign-in first (auth.js): GET /config, and the return from the sign-in or sign-out page, which may lead elsewhere.
  await loadAuth();
  const back = await finishSignIn();
  if (back !== null && back !== window.location.pathname) {
    window.location.replace(back);
    return;
  }
  if (place.fileId === null) {
    startUploadView();
    startMyFiles();
  } else {
    startUnlock();
    // Signed out (or the session ended) here: show the share as it now is to this visitor.
    onSessionChange(() => void loadFile());
    void startFileView();
  }
})();
