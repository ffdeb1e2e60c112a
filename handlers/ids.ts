// File ids, their key names and the S3 keys made from them: the one place that knows their shape.
// A share id is a credential (whoever holds it may download), so it is never stored where logs can see it: the
// S3 object key and the table's partition key hold its key name, a one-way hash. S3 access logs, CloudTrail data
// events and anything that logs table keys then name a share without being able to open it.
import { createHash } from "node:crypto";

/** Key names: SHA-256, base64url (43 characters). */
export const KEY_NAME = /^[A-Za-z0-9_-]{43}$/;

/** A share's key name (see keyNameFor). A distinct type, so a share id can never be passed where a key name
 *  belongs (handlers/records.ts looks records up by key name only). */
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

/** The key name from an S3 key, or undefined when the key is not one of ours. */
export function keyNameFromKey(key: string): KeyName | undefined {
  const name = key.startsWith(UPLOAD_PREFIX) ? key.slice(UPLOAD_PREFIX.length) : "";
  return KEY_NAME.test(name) ? (name as KeyName) : undefined;
}
