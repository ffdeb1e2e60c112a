// File ids, their key names and the S3 keys made from them: the one place that knows their shape.
// A share id is a credential (whoever holds it may download), so it is never stored where logs can see it: the
// S3 object key and the table's partition key hold its key name, a one-way hash. S3 access logs, CloudTrail data
// events and anything that logs table keys then name a share without being able to open it.
import { createHash } from "node:crypto";

/** Key names: SHA-256, base64url (43 characters). */
export const KEY_NAME = /^[A-Za-z0-9_-]{43}$/;

/** A share's key name (see keyNameFor). A distinct type, so a share id can never be passed where a key name
 *  belongs (handlers/store/ looks records up by key name only). */
export type KeyName = string & { readonly __brand: "KeyName" };

/** Every upload lives under this prefix; the S3 event and the lifecycle rules are scoped to it. */
export const UPLOAD_PREFIX = "uploads/";

/** Separates this use of SHA-256 from any other hash of the same id. Changing it orphans every stored share. */
const KEY_NAME_DOMAIN = "fileshare key name v1\n";

/**
 * The key name of a share: base64url(SHA-256(domain + id)). Not keyed: an id has 128 random bits, so nobody can
 * find the id from its key name by guessing, and no secret has to be kept to find the stored share again.
 */
export function keyNameFor(id: string): KeyName {
  return createHash("sha256")
    .update(KEY_NAME_DOMAIN + id, "utf8")
    .digest("base64url") as KeyName;
}

/** The S3 key of a file: derived from its id only (through its key name), never from anything the client chose. */
export function fileKeyFor(id: string): string {
  return fileKeyOf(keyNameFor(id));
}

/** The S3 key of the file with this key name. */
export function fileKeyOf(keyName: KeyName): string {
  return `${UPLOAD_PREFIX}${keyName}`;
}

/** The S3 key of file `file` (from 1) of a share of several files: under the share's key, numbered, so that it
 *  holds neither the id nor a name, and everything of a share starts with fileKeyOf(keyName). */
export function shareFileKeyOf(keyName: KeyName, file: number): string {
  return `${fileKeyOf(keyName)}/${file}`;
}

/** The table key of file `file` of a share of several files (a key name has no "/", so no share has this key). */
export function fileItemKeyOf(keyName: KeyName, file: number): string {
  return `${keyName}/${file}`;
}

// A file number as it appears in a key: 1 to 9999, no leading zero (one spelling per file).
const FILE_NUMBER = /^[1-9][0-9]{0,3}$/;

/** Whose upload an S3 key is: the share's key name, and the file's number when the share has several files
 *  (undefined for the one file of `uploads/<key name>`); undefined when the key is not one our API makes. */
export function uploadOfKey(key: string): { keyName: KeyName; file?: number } | undefined {
  const [name = "", file, ...rest] = (key.startsWith(UPLOAD_PREFIX) ? key.slice(UPLOAD_PREFIX.length) : "").split("/");
  if (!KEY_NAME.test(name) || rest.length > 0) return undefined;
  if (file === undefined) return { keyName: name as KeyName };
  return FILE_NUMBER.test(file) ? { keyName: name as KeyName, file: Number(file) } : undefined;
}

/** The key name from the S3 key of a one-file share, or undefined when the key is not one. */
export function keyNameFromKey(key: string): KeyName | undefined {
  const upload = uploadOfKey(key);
  return upload?.file === undefined ? upload?.keyName : undefined;
}
