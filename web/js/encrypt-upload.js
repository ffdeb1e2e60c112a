// Encrypting what the page uploads (docs/page.md "Encryption"; the format: docs/encryption.md). Whether the form
// encrypts (the stack's limits.encryption and the Encrypt box), the fields POST /uploads and POST /shares get in
// place of names and types, and the bytes a file sends: its own, or its ciphertext made range by range from the
// plaintext records under it (ecePlainRange), so each part is encrypted as it is sent and memory holds only the
// parts in flight. The share key goes only into the link's fragment and, until the upload finishes, into the
// state kept to resume it (localStorage, beside the delete token, removed with it).
/* exported encryptionMode, encryptChosen, applyEncryptionMode, newLinkKey, newFileSalt, sendingSource, sentSize, encryptedFileFields, encryptedTitle, linkWithKey */
/* global Blob, $, limits, eceEncryptedSize, ecePlainRange, eceNewSalt, eceFileKeys, eceEncryptPart, encryptMetadata, encryptTitle, newShareKey, shareKeyToFragment, shareKeyFromFragment, fromBase64url, base64url */

/** Ciphertext made per read of this many bytes at most (256 records, the default part size): a part is read and
 *  encrypted in one go (its records in parallel), and a large single PUT never holds two copies of its whole
 *  plaintext. */
const ENCRYPT_CHUNK_BYTES = 256 * 65536;

/** The stack's rule (GET /config limits.encryption): "allowed", "required" or "off" ("off" without limits). */
function encryptionMode() {
  return (limits && limits.encryption) || "off";
}

/** Whether the share about to be sent is encrypted: the box where it is offered, always where it is required. */
function encryptChosen() {
  const mode = encryptionMode();
  return mode === "required" || (mode === "allowed" && $("encrypt").checked);
}

/** The Encrypt box as the stack says: on by default where allowed, on and fixed where required, absent where off. */
function applyEncryptionMode() {
  const mode = encryptionMode();
  $("encrypt-field").hidden = mode === "off";
  $("encrypt").checked = mode !== "off";
  $("encrypt").disabled = mode === "required";
  $("encrypt-hint").textContent =
    mode === "required"
      ? "This server shares only encrypted files. They are encrypted in this browser; the key is only in the link."
      : "Files, names and title are encrypted in this browser; the key is only in the link, never sent to the server.";
}

/** A new share key, as the page keeps it: as the link's fragment (22 characters of base64url). */
const newLinkKey = () => shareKeyToFragment(newShareKey());

/** A fresh salt for one file, as kept (base64url): the same salt and key give the same ciphertext on resume. */
const newFileSalt = () => base64url(eceNewSalt());

/** The number of bytes a file sends: its size, or its ciphertext's. */
const sentSize = (file, salt) => (salt ? eceEncryptedSize(file.size) : file.size);

/**
 * What a file sends: { size, read(start, end), body(start, end, bytes) }. read resolves with bytes [start, end) (a
 * Uint8Array, to hash); body gives them as a Blob for XMLHttpRequest, which sends a Blob without blocking the page
 * (an in-memory Uint8Array body stalled Chromium's main thread for a minute per 16 MiB part). Plain: the file's own
 * bytes, sent from the file. Encrypted (`linkKey`, `salt` as kept): the ciphertext's bytes, made from the
 * plaintext records under them, read 16 MiB at a time.
 */
async function sendingSource(file, linkKey, salt) {
  const bytesOf = async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer());
  if (!salt) return { size: file.size, read: bytesOf, body: (start, end) => file.slice(start, end) };
  const keys = await eceFileKeys(shareKeyFromFragment(linkKey), fromBase64url(salt));
  return {
    size: eceEncryptedSize(file.size),
    async read(start, end) {
      const out = new Uint8Array(end - start);
      for (let at = start; at < end; at += ENCRYPT_CHUNK_BYTES) {
        const until = Math.min(end, at + ENCRYPT_CHUNK_BYTES);
        const range = ecePlainRange(file.size, at, until);
        out.set(await eceEncryptPart(keys, file.size, await bytesOf(range.start, range.end), at, until), at - start);
      }
      return out;
    },
    body: (start, end, bytes) => new Blob([bytes], { type: "application/octet-stream" }),
  };
}

/** What POST /uploads or a file of POST /shares declares of an encrypted file in place of its name and type. */
async function encryptedFileFields(linkKey, file, name) {
  const metadata = { fileName: name, contentType: file.type || "application/octet-stream", size: file.size };
  const encryptedMetadata = await encryptMetadata(shareKeyFromFragment(linkKey), metadata);
  return { encryptedMetadata, size: sentSize(file, true) };
}

/** A share's title as POST /shares takes it for an encrypted share. */
const encryptedTitle = (linkKey, title) => encryptTitle(shareKeyFromFragment(linkKey), title);

/** The link to hand out: the server's shareUrl, with the key in its fragment for an encrypted share. */
const linkWithKey = (shareUrl, linkKey) => (linkKey ? shareUrl + "#" + linkKey : shareUrl);
