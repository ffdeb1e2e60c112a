// What the person picked: files from the file input (several at once), a folder from the folder input
// (webkitdirectory: each File carries its path inside the folder as webkitRelativePath), or files and folders
// dropped on the drop zone (DataTransferItem.webkitGetAsEntry walks a dropped folder; every browser has it, where
// getAsFileSystemHandle is Chromium's only). Each becomes { file, name }: name is the path the share keeps
// ("photos/2026/beach.jpg", the folder's own name first), or the file's name when it came without a folder.
/* exported picked, droppedEntries, entriesPicked */

/** A FileList (or array of File) as picked entries. */
function picked(fileList) {
  return Array.from(fileList || [], (file) => ({ file, name: file.webkitRelativePath || file.name }));
}

/** The dropped items as FileSystemEntry objects, taken during the drop event itself (the list is emptied when
 *  the event ends); null when the browser gives none (then DataTransfer.files is all there is). */
function droppedEntries(transfer) {
  const items = Array.from(transfer.items || []).filter((item) => item.kind === "file");
  if (items.length === 0 || typeof items[0].webkitGetAsEntry !== "function") return null;
  const entries = items.map((item) => item.webkitGetAsEntry());
  return entries.some((entry) => entry === null) ? null : entries;
}

/** Every file under the dropped entries, folders read recursively (a directory reader answers in batches until
 *  an empty one). */
async function entriesPicked(entries) {
  const out = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ file, name: entry.fullPath.replace(/^\/+/, "") });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return out;
}
