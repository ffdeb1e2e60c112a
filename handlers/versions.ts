// Removing a share's files for good from a versioned bucket: a plain DeleteObject only hides it behind a delete
// marker, so every version (and marker) of each of its keys is deleted by its VersionId, and its open multipart
// uploads aborted.
import {
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import type { BucketDeps } from "./deps";
import { fileKeyOf, shareFileKeyOf, UPLOAD_PREFIX } from "./ids";
import { abortMultipartUpload } from "./multipart";
import { fileCountOf } from "./store/shareFiles";
import { type FileRecord } from "./store/records";

/** An S3 store without versioning (the local emulator) answers NotImplemented or MethodNotAllowed to
 *  ListObjectVersions: for it a key has one unversioned copy. Real S3 answers neither to it. */
const isNotImplemented = (e: unknown) =>
  e instanceof Error && (e.name === "NotImplemented" || e.name === "MethodNotAllowed");

/** True when `key` is the share's `prefix` itself (a one-file share's object) or a file under it (file k of a share
 *  of several files is `<prefix>/<k>`); a prefix listing also returns other keys that merely start the same. */
export function isKeyOf(prefix: string, key: string | undefined): boolean {
  return key === prefix || (key !== undefined && key.startsWith(`${prefix}/`));
}

/** How many S3 deletes and aborts one call sends at a time (a share of 100 files is 100 objects). */
const S3_CONCURRENCY = 16;

/** Runs `fn` on every item, at most S3_CONCURRENCY at a time, in the items' order. */
async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(S3_CONCURRENCY, items.length) }, worker));
}

/** Every version and delete marker of the keys of `prefix` (isKeyOf), or undefined when the store has no
 *  versioning. */
export async function listVersionsOf(
  deps: BucketDeps,
  prefix: string,
): Promise<{ key: string; versionId: string }[] | undefined> {
  const found: { key: string; versionId: string }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await deps.s3.send(
        new ListObjectVersionsCommand({
          Bucket: deps.config.bucketName,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
    } catch (e) {
      if (isNotImplemented(e)) return undefined;
      throw e;
    }
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (isKeyOf(prefix, v.Key) && v.VersionId !== undefined) found.push({ key: v.Key!, versionId: v.VersionId });
    }
    if (!page.IsTruncated) return found;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/** The current keys of `prefix` (isKeyOf) in a store without versioning (the local emulator). */
async function listKeysOf(deps: BucketDeps, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: deps.config.bucketName, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (isKeyOf(prefix, o.Key)) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** Deletes every version of every key of `prefix` (the share's one object, or its numbered files); returns how
 *  many were deleted. Without versioning (the local emulator) it deletes the current objects: `knownKeys` when
 *  the caller knows them (a share's record does), so that the emulator makes no call S3 would not; else those a
 *  listing finds (or the key `prefix` itself when none is listed). Deleting what is already gone succeeds, so two
 *  callers at once both succeed. */
export async function deleteAllVersions(deps: BucketDeps, prefix: string, knownKeys?: string[]): Promise<number> {
  const versions = await listVersionsOf(deps, prefix);
  if (versions === undefined) {
    const keys = knownKeys ?? (await listKeysOf(deps, prefix));
    // Nothing listed: delete the one-file key anyway (an object may still be arriving), as before prefixes.
    const all = keys.length > 0 ? keys : [prefix];
    await eachLimited(all, (key) =>
      deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key: key })),
    );
    return all.length;
  }
  await eachLimited(versions, ({ key, versionId }) =>
    deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key: key, VersionId: versionId })),
  );
  return versions.length;
}

/** Aborts every multipart upload still open on a key of `prefix` (isKeyOf), so no part is left behind; returns
 *  how many. Any failure to list is an error (the local S3 lists uploads too); one gone meanwhile counts as aborted. */
export async function abortMultipartUploads(deps: BucketDeps, prefix: string): Promise<number> {
  const open: { key: string; uploadId: string }[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await deps.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: deps.config.bucketName,
        Prefix: prefix,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (isKeyOf(prefix, upload.Key) && upload.UploadId !== undefined) {
        open.push({ key: upload.Key!, uploadId: upload.UploadId });
      }
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  await eachLimited(open, (target) => abortMultipartUpload(deps, target));
  return open.length;
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
 *  its keys (one begun outside the record, or a file's of a share of several files), then deletes every version
 *  of every key. Everything of a share is under one prefix (its one object `uploads/<key name>`, or its files
 *  `uploads/<key name>/<k>`), so this is the same few listings for a share of one file or of a hundred.
 *  Idempotent, so a DELETE and the clean-up may both run it. Returns what it removed. */
export async function purgeObjects(
  deps: BucketDeps,
  share: Pick<FileRecord, "id" | "fileKey" | "multipart" | "fileCount">,
): Promise<{ versions: number; abortedUploads: number }> {
  // A record from before key names has its own fileKey; a share of several files has none (its prefix then).
  const prefix = share.fileKey ?? fileKeyOf(share.id);
  const open = share.multipart !== undefined && share.multipart.completedAt === undefined;
  if (open) await abortMultipartUpload(deps, { key: prefix, uploadId: share.multipart!.uploadId });
  const abortedUploads = (open ? 1 : 0) + (await abortMultipartUploads(deps, prefix));
  const count = fileCountOf(share);
  const keys = count > 1 ? Array.from({ length: count }, (_, i) => shareFileKeyOf(share.id, i + 1)) : [prefix];
  const versions = await deleteAllVersions(deps, prefix, keys);
  return { versions, abortedUploads };
}
