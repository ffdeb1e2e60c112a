// Starts the view the address asks for. Last in SCRIPT_FILES (handlers/page.ts): everything it calls is defined.
/* global $, apiBase, place, startUploadView, startFileView */

$("home-link").href = apiBase.toString();
$("own-link").href = apiBase.toString();
if (place.fileId === null) startUploadView();
else void startFileView();
