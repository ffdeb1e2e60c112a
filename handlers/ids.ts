// File ids and the S3 keys made from them: the one place that knows their shape.

/** File ids: 128 random bits, base64url (22 characters). */
export const FILE_ID = /^[A-Za-z0-9_-]{22}$/;

/** Every upload lives under this prefix; the S3 event and the lifecycle rules are scoped to it. */
export const UPLOAD_PREFIX = "uploads/";

/** The S3 key of a file: derived from its id only, never from anything the client chose. */
export function fileKeyFor(id: string): string {
  return `${UPLOAD_PREFIX}${id}`;
}

/** The id of a file from its S3 key, or undefined when the key is not one of ours. */
export function idFromKey(key: string): string | undefined {
  const id = key.startsWith(UPLOAD_PREFIX) ? key.slice(UPLOAD_PREFIX.length) : "";
  return FILE_ID.test(id) ? id : undefined;
}
