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

/** The `encryptedMetadata` of a file. `nonce` is random; tests pass a fixed one to compare with the page. */
export function encryptMetadata(shareKey: Uint8Array, metadata: FileMetadata, nonce = randomBytes(NONCE_SIZE)): string {
  const json = JSON.stringify({ fileName: metadata.fileName, contentType: metadata.contentType, size: metadata.size });
  const cipher = createCipheriv("aes-128-gcm", metadataKey(shareKey), nonce);
  const sealed = Buffer.concat([nonce, cipher.update(json, "utf8"), cipher.final(), cipher.getAuthTag()]);
  const text = sealed.toString("base64url");
  if (text.length > MAX_ENCRYPTED_METADATA_CHARS) {
    throw cliError(
      EXIT.usage,
      `The encrypted name and type of ${JSON.stringify(metadata.fileName.slice(0, 40))}… take ${text.length} characters, more than the ${MAX_ENCRYPTED_METADATA_CHARS} a share may carry: use a shorter file name or content type.`,
    );
  }
  return text;
}

const untrusted = (why: string) =>
  cliError(EXIT.verification, `The share's encrypted file name and type cannot be trusted: ${why}.`);

/** The metadata in `encryptedMetadata`, or a CliError (exit 5) when it was changed or the key is wrong. */
export function decryptMetadata(shareKey: Uint8Array, text: string): FileMetadata {
  if (text.length > MAX_ENCRYPTED_METADATA_CHARS || !BASE64URL.test(text)) {
    throw untrusted(`it is not base64url of at most ${MAX_ENCRYPTED_METADATA_CHARS} characters`);
  }
  const sealed = Buffer.from(text, "base64url");
  if (sealed.length < NONCE_SIZE + TAG_SIZE) throw untrusted("it is too short");
  const decipher = createDecipheriv("aes-128-gcm", metadataKey(shareKey), sealed.subarray(0, NONCE_SIZE));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  let json: string;
  try {
    json = Buffer.concat([
      decipher.update(sealed.subarray(NONCE_SIZE, sealed.length - TAG_SIZE)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw untrusted("it does not decrypt with the key in the link (a wrong key, or it was changed)");
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw untrusted("it is not JSON");
  }
  const m = value as Partial<FileMetadata> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    typeof m.fileName !== "string" ||
    m.fileName === "" ||
    typeof m.contentType !== "string" ||
    !Number.isSafeInteger(m.size) ||
    (m.size as number) < 0
  ) {
    throw untrusted("it lacks a file name, content type or size");
  }
  return { fileName: m.fileName, contentType: m.contentType, size: m.size as number };
}
