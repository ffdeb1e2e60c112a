// The encrypted metadata of a file of an encrypted share (docs/encryption.md): the JSON {fileName, contentType,
// size} of the plaintext file, AES-128-GCM under a key derived from the share key with HKDF-SHA256 (empty salt,
// info "fileshare metadata v1"), sent as base64url(nonce ‖ ciphertext ‖ tag). The server stores it as given.
// web/js/ece.js does the same in the page.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { MAX_ENCRYPTED_METADATA_CHARS } from "../../contract/encryption";
import { cliError, EXIT } from "../errors";
import { KEY_SIZE } from "./ece";

/** What the server must not read about a file. */
export interface FileMetadata {
  fileName: string;
  contentType: string;
  /** The plaintext's size in bytes. */
  size: number;
}

const INFO = "fileshare metadata v1";
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function metadataKey(shareKey: Uint8Array): Buffer {
  if (shareKey.length !== KEY_SIZE) throw new Error(`the share key must be ${KEY_SIZE} bytes`);
  return Buffer.from(hkdfSync("sha256", shareKey, Buffer.alloc(0), INFO, KEY_SIZE));
}

/** base64url(nonce ‖ AES-128-GCM(json) ‖ tag) under the metadata key, or a usage error when it is too long. */
function seal(shareKey: Uint8Array, json: string, what: string, fix: string, nonce: Buffer): string {
  const cipher = createCipheriv("aes-128-gcm", metadataKey(shareKey), nonce);
  const sealed = Buffer.concat([nonce, cipher.update(json, "utf8"), cipher.final(), cipher.getAuthTag()]);
  const text = sealed.toString("base64url");
  if (text.length > MAX_ENCRYPTED_METADATA_CHARS) {
    throw cliError(
      EXIT.usage,
      `The encrypted ${what} take ${text.length} characters, more than the ${MAX_ENCRYPTED_METADATA_CHARS} a share may carry: ${fix}.`,
    );
  }
  return text;
}

/** The `encryptedMetadata` of a file. `nonce` is random; tests pass a fixed one to compare with the page. */
export function encryptMetadata(shareKey: Uint8Array, metadata: FileMetadata, nonce = randomBytes(NONCE_SIZE)): string {
  const json = JSON.stringify({ fileName: metadata.fileName, contentType: metadata.contentType, size: metadata.size });
  const what = `name and type of ${JSON.stringify(metadata.fileName.slice(0, 40))}…`;
  return seal(shareKey, json, what, "use a shorter file name or content type", nonce);
}

/** The `encryptedTitle` of a share: {"title"} sealed exactly as a file's metadata (docs/api.md). */
export function encryptTitle(shareKey: Uint8Array, title: string, nonce = randomBytes(NONCE_SIZE)): string {
  return seal(shareKey, JSON.stringify({ title }), "title (--title)", "use a shorter title", nonce);
}

const untrusted = (what: string, why: string) =>
  cliError(EXIT.verification, `The share's encrypted ${what} cannot be trusted: ${why}.`);

/** The JSON sealed in `text`, or a CliError (exit 5) when it was changed or the key is wrong. */
function unseal(shareKey: Uint8Array, text: string, what: string): unknown {
  if (text.length > MAX_ENCRYPTED_METADATA_CHARS || !BASE64URL.test(text)) {
    throw untrusted(what, `it is not base64url of at most ${MAX_ENCRYPTED_METADATA_CHARS} characters`);
  }
  const sealed = Buffer.from(text, "base64url");
  if (sealed.length < NONCE_SIZE + TAG_SIZE) throw untrusted(what, "it is too short");
  const decipher = createDecipheriv("aes-128-gcm", metadataKey(shareKey), sealed.subarray(0, NONCE_SIZE));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  let json: string;
  try {
    json = Buffer.concat([
      decipher.update(sealed.subarray(NONCE_SIZE, sealed.length - TAG_SIZE)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw untrusted(what, "it does not decrypt with the key in the link (a wrong key, or it was changed)");
  }
  try {
    return JSON.parse(json);
  } catch {
    throw untrusted(what, "it is not JSON");
  }
}

/** The metadata in `encryptedMetadata`, or a CliError (exit 5) when it was changed or the key is wrong. */
export function decryptMetadata(shareKey: Uint8Array, text: string): FileMetadata {
  const m = unseal(shareKey, text, "file name and type") as Partial<FileMetadata> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    typeof m.fileName !== "string" ||
    m.fileName === "" ||
    typeof m.contentType !== "string" ||
    !Number.isSafeInteger(m.size) ||
    (m.size as number) < 0
  ) {
    throw untrusted("file name and type", "it lacks a file name, content type or size");
  }
  return { fileName: m.fileName, contentType: m.contentType, size: m.size as number };
}

/** The title in `encryptedTitle`, or a CliError (exit 5). */
export function decryptTitle(shareKey: Uint8Array, text: string): string {
  const t = unseal(shareKey, text, "title") as { title?: unknown } | null;
  if (typeof t !== "object" || t === null || typeof t.title !== "string") {
    throw untrusted("title", "it lacks a title");
  }
  return t.title;
}
