// End-to-end encryption in the page (docs/encryption.md), WebCrypto only; the CLI does the same in cli/crypto/
// and the tests hold both to byte-identical output. A file's bytes are RFC 8188 "aes128gcm": a header (16-byte
// salt, record size 65536, empty key id), then records of up to ECE_RECORD_PLAIN plaintext bytes, each with a
// delimiter (1; 2 on the last) and a 16-byte tag. A record's nonce depends only on its number, so a part of a
// multipart upload is encrypted as soon as its plaintext is read (eceEncryptPart), in any order. Downloads
// decrypt through eceDecryptStream, which lets out a record only once its tag checks. The metadata (name, type,
// size) is AES-128-GCM under an HKDF-derived key; the share key travels only in the link's fragment.
/* exported eceEncryptedSize, ecePlainRange, eceNewSalt, eceFileKeys, eceEncryptPart, eceDecryptStream, encryptMetadata, encryptTitle, decryptMetadata, decryptTitle, newShareKey, shareKeyToFragment, shareKeyFromFragment */
/* global crypto, TextEncoder, TextDecoder, TransformStream, atob, base64url */

const ECE_RECORD_SIZE = 65536;
const ECE_TAG_SIZE = 16;
const ECE_RECORD_PLAIN = ECE_RECORD_SIZE - ECE_TAG_SIZE - 1;
const ECE_HEADER_SIZE = 21;
const ECE_SALT_SIZE = 16;
const ECE_NONCE_SIZE = 12;
const SHARE_KEY_SIZE = 16;
/** The longest encryptedMetadata the API accepts (contract/encryption.ts). */
const MAX_ENCRYPTED_METADATA_CHARS = 4096;

/** An error whose message the page can show as it is. `untrusted`: the file or its metadata failed to verify. */
function eceError(message, untrusted) {
  const error = new Error(message);
  error.name = untrusted ? "UntrustedError" : "ShareKeyError";
  return error;
}

const eceTampered = (why) =>
  eceError("The encrypted file cannot be trusted: " + why + ". Nothing of it is kept.", true);

/** base64url text (no padding) as bytes; throws on anything else. */
function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function hkdf(ikm, salt, info, length) {
  const base = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const params = { name: "HKDF", hash: "SHA-256", salt, info: new TextEncoder().encode(info) };
  return new Uint8Array(await crypto.subtle.deriveBits(params, base, length * 8));
}

// ---------- file bytes (RFC 8188) ----------

const eceRecordCount = (size) => Math.max(1, Math.ceil(size / ECE_RECORD_PLAIN));

/** The exact size of the encrypted file: what POST /uploads declares and the parts plan cuts. */
function eceEncryptedSize(plainSize) {
  return ECE_HEADER_SIZE + plainSize + (ECE_TAG_SIZE + 1) * eceRecordCount(plainSize);
}

/** The plaintext bytes {start, end} that encrypted bytes [cipherStart, cipherEnd) are made from (whole records). */
function ecePlainRange(size, cipherStart, cipherEnd) {
  if (!(0 <= cipherStart && cipherStart <= cipherEnd && cipherEnd <= eceEncryptedSize(size))) {
    throw new Error("no encrypted bytes " + cipherStart + ".." + cipherEnd + " in a file of " + size + " bytes");
  }
  if (cipherEnd <= ECE_HEADER_SIZE) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, cipherStart - ECE_HEADER_SIZE) / ECE_RECORD_SIZE);
  const last = Math.floor((cipherEnd - 1 - ECE_HEADER_SIZE) / ECE_RECORD_SIZE);
  return { start: first * ECE_RECORD_PLAIN, end: Math.min(size, (last + 1) * ECE_RECORD_PLAIN) };
}

/** A fresh random salt: one per file. */
const eceNewSalt = () => crypto.getRandomValues(new Uint8Array(ECE_SALT_SIZE));

/** A file's content-encryption key and nonce base, from the share key and the file's salt (RFC 8188 2.2, 2.3). */
async function eceFileKeys(shareKey, salt) {
  const cek = await hkdf(shareKey, salt, "Content-Encoding: aes128gcm\0", 16);
  const nonceBase = await hkdf(shareKey, salt, "Content-Encoding: nonce\0", ECE_NONCE_SIZE);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { salt, key, nonceBase };
}

/** Record `seq`'s nonce: the nonce base XOR the sequence number (big-endian). */
function eceNonce(keys, seq) {
  const nonce = keys.nonceBase.slice();
  for (let i = ECE_NONCE_SIZE - 1, rest = seq; rest > 0; i--, rest = Math.floor(rest / 256)) nonce[i] ^= rest % 256;
  return nonce;
}

async function eceEncryptRecord(keys, seq, plain, last) {
  const padded = new Uint8Array(plain.length + 1);
  padded.set(plain);
  padded[plain.length] = last ? 2 : 1;
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: eceNonce(keys, seq) }, keys.key, padded));
}

/** A record's plaintext, or an UntrustedError. WebCrypto returns nothing of a record whose tag fails. */
async function eceDecryptRecord(keys, seq, record, last) {
  if (record.length <= ECE_TAG_SIZE) throw eceTampered("record " + seq + " is too short");
  let padded;
  try {
    const params = { name: "AES-GCM", iv: eceNonce(keys, seq) };
    padded = new Uint8Array(await crypto.subtle.decrypt(params, keys.key, record));
  } catch {
    throw eceTampered(
      seq === 0
        ? "it does not decrypt with the key in the link (a wrong key, or the file was changed)"
        : "record " + seq + " was changed",
    );
  }
  // The delimiter is the last non-zero byte; zeros after it are padding (RFC 8188 section 2).
  let at = padded.length - 1;
  while (at >= 0 && padded[at] === 0) at--;
  if (at < 0) throw eceTampered("record " + seq + " has no delimiter");
  if (padded[at] !== (last ? 2 : 1)) {
    throw eceTampered(
      last ? "it is truncated (its last record is not marked last)" : "record " + seq + " is marked last",
    );
  }
  return padded.subarray(0, at);
}

/** Exactly the encrypted bytes [cipherStart, cipherEnd) of a file of `size` bytes, given `keys` (eceFileKeys)
 *  and the plaintext bytes ecePlainRange names (e.g. from file.slice(start, end)). */
async function eceEncryptPart(keys, size, plain, cipherStart, cipherEnd) {
  const range = ecePlainRange(size, cipherStart, cipherEnd);
  if (plain.length !== range.end - range.start) {
    throw new Error(
      "encrypted bytes " + cipherStart + ".." + cipherEnd + " need plaintext " + range.start + ".." + range.end,
    );
  }
  const out = new Uint8Array(cipherEnd - cipherStart);
  const place = (bytes, offset) => {
    const from = Math.max(cipherStart, offset);
    const to = Math.min(cipherEnd, offset + bytes.length);
    if (from < to) out.set(bytes.subarray(from - offset, to - offset), from - cipherStart);
  };
  if (cipherStart < ECE_HEADER_SIZE) {
    const header = new Uint8Array(ECE_HEADER_SIZE);
    header.set(keys.salt);
    new DataView(header.buffer).setUint32(ECE_SALT_SIZE, ECE_RECORD_SIZE);
    place(header, 0);
  }
  const records = eceRecordCount(size);
  const jobs = [];
  for (let at = range.start; at < range.end || (at === range.start && cipherEnd > ECE_HEADER_SIZE);) {
    const seq = at / ECE_RECORD_PLAIN;
    const end = Math.min(size, at + ECE_RECORD_PLAIN);
    const job = eceEncryptRecord(keys, seq, plain.subarray(at - range.start, end - range.start), seq === records - 1);
    jobs.push(job.then((record) => place(record, ECE_HEADER_SIZE + seq * ECE_RECORD_SIZE)));
    at += ECE_RECORD_PLAIN;
  }
  await Promise.all(jobs); // WebCrypto works off the main thread: a part's records are encrypted together
  return out;
}

/** Records decrypted together and let out as one piece (1 MiB of plaintext at our record size): WebCrypto's
 *  threads get several records at once, and the file is written in few large writes instead of many small ones. */
const ECE_DECRYPT_BATCH = 16;

/** A TransformStream from an encrypted file's bytes to its plaintext. Every record is verified before any of its
 *  bytes go out; a changed, reordered, missing or extra record, a wrong key or a cut-off end errors the stream
 *  with an UntrustedError and nothing more comes out. Salt and record size (18 to 65536) come from the header.
 *  The bytes wait in `pending` (the chunks as they came) until a batch of records is there: copied once. */
function eceDecryptStream(shareKey) {
  let keys = null;
  let recordSize = 0;
  let skip = 0; // key id bytes still to skip: ours is empty, and the key comes from the link anyway
  let seq = 0;
  const pending = [];
  let pendingLength = 0;

  /** The first `n` pending bytes as one array, taken out of `pending`. */
  function take(n) {
    const out = new Uint8Array(n);
    for (let at = 0; at < n;) {
      const chunk = pending[0];
      const used = Math.min(chunk.length, n - at);
      out.set(chunk.subarray(0, used), at);
      at += used;
      if (used === chunk.length) pending.shift();
      else pending[0] = chunk.subarray(used);
    }
    pendingLength -= n;
    return out;
  }

  /** Decrypts the records in `bytes` (the first is record `first`) together: {out, error}, where `out` joins the
   *  plaintext of the records before the first that fails (null when none) and `error` is that failure. */
  async function decryptBatch(bytes, first, endsFile) {
    const count = Math.ceil(bytes.length / recordSize);
    const jobs = [];
    for (let i = 0; i < count; i++) {
      const record = bytes.subarray(i * recordSize, (i + 1) * recordSize);
      jobs.push(eceDecryptRecord(keys, first + i, record, endsFile && i === count - 1));
    }
    const results = await Promise.allSettled(jobs);
    const failed = results.findIndex((r) => r.status === "rejected");
    const good = results.slice(0, failed === -1 ? count : failed).map((r) => r.value);
    let out = null;
    if (good.length > 0) {
      out = new Uint8Array(good.reduce((sum, g) => sum + g.length, 0));
      good.reduce((at, g) => (out.set(g, at), at + g.length), 0);
    }
    return { out, error: failed === -1 ? null : results[failed].reason };
  }

  // Batches go out in order through `tail`; a batch is decrypted while the one before it is still being let
  // out (and written), and the stream takes no more bytes while two are in flight.
  let tail = Promise.resolve();
  function release(controller, bytes, endsFile) {
    const batch = decryptBatch(bytes, seq, endsFile);
    seq += Math.ceil(bytes.length / recordSize);
    const before = tail;
    tail = before.then(async () => {
      const { out, error } = await batch;
      if (out !== null) controller.enqueue(out);
      if (error !== null) throw error;
    });
    tail.catch(() => {}); // seen by the next transform or by flush
    return before;
  }

  return new TransformStream({
    async transform(chunk, controller) {
      pending.push(chunk);
      pendingLength += chunk.length;
      if (keys === null) {
        if (pendingLength < ECE_HEADER_SIZE) return;
        const header = take(ECE_HEADER_SIZE);
        recordSize = new DataView(header.buffer).getUint32(ECE_SALT_SIZE);
        if (recordSize < 18 || recordSize > ECE_RECORD_SIZE) {
          throw eceTampered("its header gives a record size of " + recordSize + " bytes (18 to 65536 expected)");
        }
        skip = header[ECE_HEADER_SIZE - 1];
        keys = await eceFileKeys(shareKey, header.slice(0, ECE_SALT_SIZE));
      }
      if (skip > 0) {
        const skipped = Math.min(skip, pendingLength);
        take(skipped);
        skip -= skipped;
        if (skip > 0) return;
      }
      // Records with bytes after them are not the last; the last waits for flush.
      while (pendingLength > ECE_DECRYPT_BATCH * recordSize) {
        await release(controller, take(ECE_DECRYPT_BATCH * recordSize), false);
      }
    },
    async flush(controller) {
      if (keys === null || skip > 0 || pendingLength === 0) {
        throw eceTampered("it is truncated (it ends before its first record)");
      }
      await release(controller, take(pendingLength), true);
      await tail;
    },
  });
}

// ---------- metadata ----------

async function metadataKey(shareKey) {
  const raw = await hkdf(shareKey, new Uint8Array(0), "fileshare metadata v1", 16);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** base64url(nonce ‖ AES-GCM of `json`) under the metadata key; a ShareKeyError naming `what` and its `fix` when
 *  it passes the API's limit. `nonce` is random unless a test gives one. */
async function sealMetadataJson(shareKey, json, nonce, what, fix) {
  const iv = nonce || crypto.getRandomValues(new Uint8Array(ECE_NONCE_SIZE));
  const key = await metadataKey(shareKey);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(json)),
  );
  const whole = new Uint8Array(iv.length + sealed.length);
  whole.set(iv);
  whole.set(sealed, iv.length);
  const text = base64url(whole);
  if (text.length > MAX_ENCRYPTED_METADATA_CHARS) {
    const limit = MAX_ENCRYPTED_METADATA_CHARS;
    throw eceError(
      what + " take " + text.length + " characters, more than the " + limit + " a share may carry: " + fix + ".",
      false,
    );
  }
  return text;
}

/** The encryptedMetadata of a file: base64url(nonce ‖ AES-GCM of {fileName, contentType, size}). `nonce` is
 *  random; tests pass a fixed one to compare with the CLI. */
function encryptMetadata(shareKey, metadata, nonce) {
  const json = JSON.stringify({ fileName: metadata.fileName, contentType: metadata.contentType, size: metadata.size });
  return sealMetadataJson(shareKey, json, nonce, "The encrypted name and type of this file", "use a shorter file name");
}

/** The encryptedTitle of a share of several files: the JSON {title}, sealed as a file's metadata is. */
function encryptTitle(shareKey, title, nonce) {
  return sealMetadataJson(shareKey, JSON.stringify({ title }), nonce, "The encrypted title", "use a shorter title");
}

/** The JSON sealed in an encryptedMetadata or encryptedTitle, or an UntrustedError naming `what` (changed, or a
 *  wrong key). */
async function openSealedJson(shareKey, text, what) {
  const untrusted = (why) => eceError("The share's encrypted " + what + " cannot be trusted: " + why + ".", true);
  let sealed;
  try {
    if (text.length > MAX_ENCRYPTED_METADATA_CHARS) throw new Error("too long");
    sealed = fromBase64url(text);
  } catch {
    throw untrusted("it is not base64url of at most " + MAX_ENCRYPTED_METADATA_CHARS + " characters");
  }
  if (sealed.length < ECE_NONCE_SIZE + ECE_TAG_SIZE) throw untrusted("it is too short");
  let json;
  try {
    const params = { name: "AES-GCM", iv: sealed.subarray(0, ECE_NONCE_SIZE) };
    const plain = await crypto.subtle.decrypt(params, await metadataKey(shareKey), sealed.subarray(ECE_NONCE_SIZE));
    json = new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    throw untrusted("it does not decrypt with the key in the link (a wrong key, or it was changed)");
  }
  let value;
  try {
    value = JSON.parse(json);
  } catch {
    throw untrusted("it is not JSON");
  }
  if (typeof value !== "object" || value === null) throw untrusted("it is not a JSON object");
  return { value, untrusted };
}

/** {fileName, contentType, size} from encryptedMetadata, or an UntrustedError (changed, or a wrong key). */
async function decryptMetadata(shareKey, text) {
  const { value: m, untrusted } = await openSealedJson(shareKey, text, "file name and type");
  if (
    typeof m.fileName !== "string" ||
    m.fileName === "" ||
    typeof m.contentType !== "string" ||
    !Number.isSafeInteger(m.size) ||
    m.size < 0
  ) {
    throw untrusted("it lacks a file name, content type or size");
  }
  return { fileName: m.fileName, contentType: m.contentType, size: m.size };
}

/** The title from a share's encryptedTitle (the JSON {"title"} sealed as metadata is), or an UntrustedError. */
async function decryptTitle(shareKey, text) {
  const { value, untrusted } = await openSealedJson(shareKey, text, "title");
  if (typeof value.title !== "string") throw untrusted("it lacks a title");
  return value.title;
}

// ---------- the share key in the link ----------

/** A fresh share key (16 random bytes). */
const newShareKey = () => crypto.getRandomValues(new Uint8Array(SHARE_KEY_SIZE));

/** The key as the link's fragment (what follows "#"). */
const shareKeyToFragment = (key) => base64url(key);

/** The key in a fragment, or a ShareKeyError unless it is exactly 16 bytes of canonical base64url. */
function shareKeyFromFragment(fragment) {
  let key;
  try {
    key = /^[A-Za-z0-9_-]{22}$/.test(fragment) ? fromBase64url(fragment) : null;
  } catch {
    key = null;
  }
  if (key === null || key.length !== SHARE_KEY_SIZE || base64url(key) !== fragment) {
    throw eceError(
      'The key in the link (the part after "#") must be 22 characters of base64url (16 bytes); copy the whole link again.',
      false,
    );
  }
  return key;
}
