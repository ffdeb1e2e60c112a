// Looking a share up, shared by the routes under /files/{id}.
import { Deps } from "../deps";
import { gone, notFound } from "../errors";
import { ApiRequest } from "../http";
import { FILE_ID } from "../ids";
import { FileRecord, getRecord, isExpired } from "../records";

/** The {id} path parameter, or a 404 when it cannot be one of ours. */
export function fileIdOf(request: ApiRequest): string {
  const id = request.pathParameters["id"] ?? "";
  if (!FILE_ID.test(id)) throw notFound(`No file has the id ${JSON.stringify(id)}.`);
  return id;
}

/** The record, or 404 when there is none or it is being deleted (`withDeleting` lets a retried DELETE finish). */
export async function findRecord(deps: Deps, id: string, withDeleting = false): Promise<FileRecord> {
  const record = await getRecord(deps, id);
  if (record === undefined || (record.status === "deleting" && !withDeleting)) {
    throw notFound(`No file has the id ${JSON.stringify(id)}; it may have been deleted.`);
  }
  return record;
}

/** Downloads left, or null when unlimited. */
export function downloadsRemaining(record: FileRecord): number | null {
  return record.maxDownloads === undefined ? null : Math.max(0, record.maxDownloads - record.downloads);
}

/** Throws 410 when the share can no longer be downloaded (expired or no downloads left). */
export function assertNotGone(record: FileRecord, now: Date): void {
  if (isExpired(record, now)) throw gone(`This share expired at ${record.expiresAt}.`);
  if (downloadsRemaining(record) === 0) throw gone("This share has no downloads left.");
}

/** The public view of a record (docs/api.md GET /files/{id}). */
export function publicView(record: FileRecord) {
  return {
    id: record.id,
    fileName: record.fileName,
    contentType: record.contentType,
    size: record.size,
    status: record.status,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    downloads: record.downloads,
    maxDownloads: record.maxDownloads ?? null,
    downloadsRemaining: downloadsRemaining(record),
  };
}
