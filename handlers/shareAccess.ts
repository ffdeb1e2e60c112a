// Looking a share up, shared by the routes under /files/{id}.
import type { Deps } from "./deps";
import { signedInUser } from "./auth";
import { forbidden, gone, notFound, unauthorized } from "./errors";
import { ApiRequest } from "./http";
import { keyNameFor } from "./ids";
import { FILE_ID } from "../contract/ids";
import { downloadsRemaining, FileRecord, getRecord, isExpired, StoreDeps } from "./store/records";
import { fileCountOf, getFiles, hasFileItems, ShareFile } from "./store/shareFiles";
import { tokenMatches } from "./tokens";
import { isEncrypted, nameFields } from "./encryption";

// Where the routes have always found it; it lives with the records (handlers/audit.ts needs it too).
export { downloadsRemaining };

/** The {id} path parameter, or a 404 when it cannot be one of ours. */
export function fileIdOf(request: ApiRequest): string {
  const id = request.pathParameters["id"] ?? "";
  if (!FILE_ID.test(id)) throw notFound(`No file has the id ${JSON.stringify(id)}.`);
  return id;
}

/** The record of the share with this id (stored under the id's key name), or 404 when there is none or it is
 *  being deleted (`withDeleting` lets a retried DELETE finish). */
export async function findRecord(deps: StoreDeps, id: string, withDeleting = false): Promise<FileRecord> {
  const record = await getRecord(deps, keyNameFor(id));
  if (record === undefined || (record.status === "deleting" && !withDeleting)) {
    throw notFound(`No file has the id ${JSON.stringify(id)}; it may have been deleted.`);
  }
  return record;
}

/** Throws 403 unless the request carries the share's delete token in X-Delete-Token (compared in constant time). */
export async function assertOwner(
  request: ApiRequest,
  record: FileRecord,
  deps: Pick<Deps, "verifyToken">,
): Promise<void> {
  const token = request.headers["x-delete-token"];
  if (token === undefined || token === "") {
    // The owner may prove it with their sign-in instead (API v1.1).
    const user = await signedInUser(request, deps.verifyToken);
    if (user === undefined) {
      throw forbidden("Send the delete token you got when you created the upload in the X-Delete-Token header.");
    }
    if (record.owner === undefined || user.sub !== record.owner) throw forbidden("Only the owner may do this.");
    return;
  }
  if (!tokenMatches(token, record.deleteTokenHash)) {
    throw forbidden("The delete token is not the one issued for this file.");
  }
}

/** Throws 410 when the share can no longer be downloaded (expired or no downloads left). */
export function assertNotGone(record: FileRecord, now: Date): void {
  if (isExpired(record, now)) throw gone(`This share expired at ${record.expiresAt}.`);
  if (downloadsRemaining(record) === 0) throw gone("This share has no downloads left.");
}

/** A recipients share: 401 without sign-in, 403 unless the caller's verified email is listed (or they own it). */
export async function assertMayAccess(
  request: ApiRequest,
  deps: Pick<Deps, "verifyToken">,
  record: FileRecord,
): Promise<void> {
  // A token, when sent, is checked even where sign-in is optional: a bad one is a 401, never "anonymous".
  const user = await signedInUser(request, deps.verifyToken);
  if (record.recipients === undefined) return;
  if (user === undefined) throw unauthorized("This share is for named recipients: sign in to open it.");
  if (user.sub === record.owner) return;
  if (user.email === undefined || !record.recipients.includes(user.email)) {
    throw forbidden("This share is not addressed to your (verified) email address.");
  }
}

/** One file as GET /files/{id} lists it; before a password is given, only its number, size and state. */
function fileView(file: ShareFile, locked: boolean) {
  if (locked) return { file: file.file, size: file.size, status: file.status };
  return {
    file: file.file,
    ...nameFields(file),
    size: file.size,
    ...(file.sha256 !== undefined ? { sha256: file.sha256 } : {}),
    status: file.status,
    ...(file.reason !== undefined ? { reason: file.reason } : {}),
  };
}

/**
 * The view of the share `id` (docs/api.md GET /files/{id}); the record holds its key name, not its id. `files` are
 * the share's files (getFiles). A one-file share keeps v1's fileName, contentType, size and sha256 at the top.
 * `locked` (a password share before its password was given) leaves out every name, type, SHA-256 and the title:
 * with a SHA-256, anyone holding a guess of a file could confirm it from the link alone.
 */
export function shareView(id: string, record: FileRecord, files: readonly ShareFile[], locked = false) {
  const one = hasFileItems(record) ? undefined : files[0];
  return {
    passwordRequired: record.passwordHash !== undefined,
    id,
    // An encrypted share says that it is even locked (a link without its key can tell so at once); its names and
    // types are in encryptedMetadata (handlers/encryption.ts).
    ...(isEncrypted(record) ? { encryption: record.encryption } : {}),
    ...(one !== undefined && !locked ? nameFields(one) : {}),
    ...(one !== undefined ? { size: one.size } : {}),
    status: record.status,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    downloads: record.downloads,
    maxDownloads: record.maxDownloads ?? null,
    downloadsRemaining: downloadsRemaining(record),
    // v1.1: the whole-file SHA-256 the uploader declared, so a downloader can verify what it got.
    ...(one?.sha256 !== undefined && !locked ? { sha256: one.sha256 } : {}),
    // v1.2: shares of several files.
    ...(record.title !== undefined && !locked ? { title: record.title } : {}),
    ...(record.encryptedTitle !== undefined && !locked ? { encryptedTitle: record.encryptedTitle } : {}),
    fileCount: fileCountOf(record),
    totalSize: record.totalSize ?? one?.size ?? 0,
    files: files.map((f) => fileView(f, locked)),
  };
}

/** The share's view with its files read from the store (one BatchGetItem for a share of several files). */
export async function loadShareView(deps: StoreDeps, id: string, record: FileRecord, locked = false) {
  return shareView(id, record, await getFiles(deps, record), locked);
}
