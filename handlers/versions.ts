// Removing a file for good from a versioned bucket: a plain DeleteObject only hides it behind a delete marker, so
// every version (and marker) of the exact key is deleted by its VersionId, and its open multipart uploads aborted.
import {
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import type { BucketDeps } from "./deps";
import { UPLOAD_PREFIX } from "./ids";
import { abortMultipartUpload } from "./multipart";
import type { FileRecord } from "./records";

/** An S3 store without versioning (the local emulator) answers NotImplemented or MethodNotAllowed to
 *  ListObjectVersions: for it a key has one unversioned copy. Real S3 answers neither to it. */
const isNotImplemented = (e: unknown) =>
  e instanceof Error && (e.name === "NotImplemented" || e.name === "MethodNotAllowed");

/** Every version and delete marker of exactly `key` (a prefix listing also returns `key` + anything after it). */
export async function listVersionsOf(deps: BucketDeps, key: string): Promise<{ versionId: string }[] | undefined> {
  const found: { versionId: string }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await deps.s3.send(
        new ListObjectVersionsCommand({
          Bucket: deps.config.bucketName,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
    } catch (e) {
      if (isNotImplemented(e)) return undefined;
      throw e;
    }
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (v.Key === key && v.VersionId !== undefined) found.push({ versionId: v.VersionId });
    }
    if (!page.IsTruncated) return found;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/** Deletes every version of `key`; returns how many were deleted (1 for an unversioned store's copy).
 *  Deleting what is already gone succeeds, so two callers at once both succeed. */
export async function deleteAllVersions(deps: BucketDeps, key: string): Promise<number> {
  const versions = await listVersionsOf(deps, key);
  if (versions === undefined) {
    await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key: key }));
    return 1;
  }
  for (const { versionId } of versions) {
    await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key: key, VersionId: versionId }));
  }
  return versions.length;
}

/** Aborts every multipart upload still open on exactly `key`, so no part is left behind; returns how many.
 *  Any failure to list is an error (the local S3 lists uploads too); one gone meanwhile counts as aborted. */
export async function abortMultipartUploads(deps: BucketDeps, key: string): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await deps.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: deps.config.bucketName,
        Prefix: key,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key !== key || upload.UploadId === undefined) continue;
      await abortMultipartUpload(deps, { key, uploadId: upload.UploadId });
      aborted++;
    }
    if (!page.IsTruncated) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** Up to `limit` current keys under uploads/, starting after `startAfter` (then wrapping round to the start), so
 *  that bounded runs from random starting points cover a large bucket over time and a small one every time. */
export async function listUploadKeys(deps: BucketDeps, limit: number, startAfter: string): Promise<string[]> {
  const list = async (after: string | undefined, max: number) =>
    (
      await deps.s3.send(
        new ListObjectsV2Command({
          Bucket: deps.config.bucketName,
          Prefix: UPLOAD_PREFIX,
          StartAfter: after,
          MaxKeys: max,
        }),
      )
    ).Contents?.flatMap((o) => (o.Key === undefined ? [] : [o.Key])) ?? [];
  const keys = await list(startAfter, limit);
  if (keys.length >= limit) return keys;
  const wrapped = await list(undefined, limit - keys.length);
  return [...keys, ...wrapped.filter((k) => k <= startAfter)];
}

/** Removes a share's bytes for good: aborts its own open multipart upload (by its id), then any other upload of
 *  the key (one begun outside the record), then deletes every object version. Idempotent, so a DELETE and the
 *  clean-up may both run it. Returns what it removed. */
export async function purgeObjects(
  deps: BucketDeps,
  share: Pick<FileRecord, "fileKey" | "multipart">,
): Promise<{ versions: number; abortedUploads: number }> {
  const open = share.multipart !== undefined && share.multipart.completedAt === undefined;
  if (open) await abortMultipartUpload(deps, { key: share.fileKey, uploadId: share.multipart!.uploadId });
  const abortedUploads = (open ? 1 : 0) + (await abortMultipartUploads(deps, share.fileKey));
  const versions = await deleteAllVersions(deps, share.fileKey);
  return { versions, abortedUploads };
}
