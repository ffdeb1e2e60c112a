// End-to-end encrypted shares (docs/api.md "End-to-end encrypted shares", docs/encryption.md): the checks of the
// fields that take the place of a file's name, type and a share's title, and how a stored share shows them. The
// server never holds a key: it checks only that the opaque fields are well-formed and the stack accepts them.
import type { RuntimeConfig } from "../config/runtime";
import { settingName } from "../config/schema";
import { ENCRYPTION_CODING, MAX_ENCRYPTED_METADATA_CHARS } from "../contract/encryption";
import { invalidRequest } from "./errors";
import type { FileRecord } from "./store/records";

/** The type of every encrypted object, in S3 and in its download: the bytes say nothing about the plaintext's. */
export const ENCRYPTED_CONTENT_TYPE = "application/octet-stream";

/** The Content-Disposition of an encrypted file's download: the server has no name to give it, and a browser that
 *  opens the URL by itself should save the ciphertext, not show it. */
export const ENCRYPTED_CONTENT_DISPOSITION = "attachment";

// base64url without padding (RFC 4648 section 5), as contract/encryption.ts's clients write it.
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** The shortest metadata that can hold anything: a 12-byte nonce, a 16-byte tag and one byte of JSON. */
const MIN_METADATA_BYTES = 12 + 16 + 1;

/** The encryption fields of a stored share or file. */
export interface EncryptedFields {
  encryption: typeof ENCRYPTION_CODING;
  encryptedMetadata: string;
}

/** Whether the body of POST /uploads or POST /shares asks for an encrypted share, checked against the stack's
 *  setting `encryption` (resolved by config/parse.ts: allowed, required or off). */
export function parseEncryption(
  body: Record<string, unknown>,
  config: Pick<RuntimeConfig, "encryption" | "allowedContentTypes">,
): boolean {
  const { encryption } = body;
  if (encryption === undefined) {
    if (config.encryption === "required") {
      throw invalidRequest(
        `This stack accepts only end-to-end encrypted shares (its setting ${settingName("encryption")}, says required): encrypt the files and send "encryption": "${ENCRYPTION_CODING}" with each file's encryptedMetadata.`,
      );
    }
    return false;
  }
  if (encryption !== ENCRYPTION_CODING) {
    throw invalidRequest(
      `encryption must be "${ENCRYPTION_CODING}" (RFC 8188's content coding), or be left out for a share that is not encrypted.`,
    );
  }
  if (config.encryption === "off") {
    const why =
      config.allowedContentTypes.length > 0
        ? `it has a list of allowed types (${settingName("allowedContentTypes")}), which cannot check an encrypted file's type, and its setting ${settingName("encryption")} does not say allowed or required`
        : `its setting ${settingName("encryption")}, says off`;
    throw invalidRequest(`This stack does not accept end-to-end encrypted shares: ${why}. Leave out "encryption".`);
  }
  return true;
}

/** An `encryptedMetadata` (or `encryptedTitle`) value: base64url, at most MAX_ENCRYPTED_METADATA_CHARS characters,
 *  long enough to hold a nonce, a tag and some JSON. `field` names it in errors (e.g. "files[3].encryptedMetadata"). */
function parseOpaque(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length > MAX_ENCRYPTED_METADATA_CHARS || !BASE64URL.test(value)) {
    throw invalidRequest(
      `${field} must be base64url without padding (A-Z, a-z, 0-9, - and _), at most ${MAX_ENCRYPTED_METADATA_CHARS} characters: the nonce and ciphertext of the encrypted JSON (docs/encryption.md).`,
    );
  }
  // Four characters carry three bytes; one character left over carries none (not base64url).
  const bytes = Math.floor((value.length * 3) / 4);
  if (value.length % 4 === 1 || bytes < MIN_METADATA_BYTES) {
    throw invalidRequest(
      `${field} is too short to be encrypted metadata: it holds a 12-byte nonce, the ciphertext and a 16-byte tag.`,
    );
  }
  return value;
}

/** The encrypted fields of one file of an encrypted share (`at` starts the field names, e.g. "files[3]."): its
 *  encryptedMetadata, and no plaintext name or type, which would reach the table. */
export function parseEncryptedFile(file: Record<string, unknown>, at: string): { encryptedMetadata: string } {
  if (file["fileName"] !== undefined) {
    throw invalidRequest(
      `${at}fileName must be left out of an encrypted file: its name goes inside ${at}encryptedMetadata, which only holders of the key can read.`,
    );
  }
  const { contentType } = file;
  if (contentType !== undefined && contentType !== ENCRYPTED_CONTENT_TYPE) {
    throw invalidRequest(
      `${at}contentType of an encrypted file is "${ENCRYPTED_CONTENT_TYPE}" (or left out): its real type goes inside ${at}encryptedMetadata.`,
    );
  }
  if (file["encryptedMetadata"] === undefined) {
    throw invalidRequest(
      `${at}encryptedMetadata is required in an encrypted share: the file's name, type and size, encrypted with the share key (docs/encryption.md).`,
    );
  }
  return { encryptedMetadata: parseOpaque(file["encryptedMetadata"], `${at}encryptedMetadata`) };
}

/** Refuses the encrypted fields in a share that is not encrypted (`at` as for parseEncryptedFile). */
export function refuseEncryptedFields(body: Record<string, unknown>, at: string, fields: readonly string[]): void {
  const given = fields.find((f) => body[f] !== undefined);
  if (given !== undefined) {
    throw invalidRequest(
      `${at}${given} belongs to an encrypted share: send "encryption": "${ENCRYPTION_CODING}" with it, or leave it out.`,
    );
  }
}

/** The share-level title of an encrypted POST /shares: `encryptedTitle` (the JSON {"title"} encrypted as a file's
 *  metadata is), never a plaintext `title`. Undefined when the share has none. */
export function parseEncryptedTitle(body: Record<string, unknown>): string | undefined {
  if (body["title"] !== undefined) {
    throw invalidRequest(
      'title must be left out of an encrypted share: send it encrypted as encryptedTitle (the JSON {"title"} encrypted with the share key, as a file\'s metadata is).',
    );
  }
  return body["encryptedTitle"] === undefined ? undefined : parseOpaque(body["encryptedTitle"], "encryptedTitle");
}

/** A file's name and type as views and downloads show them: its fileName and contentType, or for a file of an
 *  encrypted share its encryption and encryptedMetadata in their place (docs/api.md). */
export function nameFields(file: {
  fileName?: string;
  contentType?: string;
  encryptedMetadata?: string;
}): { fileName?: string; contentType?: string } | EncryptedFields {
  return file.encryptedMetadata !== undefined
    ? { encryption: ENCRYPTION_CODING, encryptedMetadata: file.encryptedMetadata }
    : { fileName: file.fileName, contentType: file.contentType };
}

/** True when the share's file is stored encrypted (its record has no name). */
export const isEncrypted = (record: Pick<FileRecord, "encryption">): boolean => record.encryption !== undefined;
