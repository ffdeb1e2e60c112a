// S3 multipart uploads (docs/api.md v1.1 "Large files"): the S3 calls that start, sign, list, complete and abort them
// (the plan of parts is contract/parts.ts, shared with the CLI). As for single PUTs, no bytes pass through here: parts go straight to S3.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { BucketDeps } from "./deps";
import { SignedUpload } from "./objects";

/** Starts a multipart upload with the type fixed now (parts cannot change it) and, when the client computes
 *  per-part SHA-256, S3 checking each part against it. Returns the upload id. */
export async function createMultipartUpload(
  deps: BucketDeps,
  key: string,
  contentType: string,
  checksumSha256: boolean,
): Promise<string> {
  const out = await deps.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: deps.config.bucketName,
      Key: key,
      ContentType: contentType,
      ...(checksumSha256 ? { ChecksumAlgorithm: "SHA256" } : {}),
    }),
  );
  if (out.UploadId === undefined) throw new Error("CreateMultipartUpload answered without an UploadId");
  return out.UploadId;
}

/** Signs one UploadPart for exactly `length` bytes (and that SHA-256 when given): S3 refuses any other body. */
export async function signPart(
  deps: BucketDeps,
  target: { key: string; uploadId: string },
  part: { partNumber: number; length: number; sha256?: string },
  expiresInSeconds: number,
): Promise<SignedUpload> {
  const command = new UploadPartCommand({
    Bucket: deps.config.bucketName,
    Key: target.key,
    UploadId: target.uploadId,
    PartNumber: part.partNumber,
    ContentLength: part.length,
    ChecksumSHA256: part.sha256,
  });
  const signed = new Set(["content-length"]);
  const headers: Record<string, string> = {};
  if (part.sha256 !== undefined) {
    signed.add("x-amz-checksum-sha256");
    headers["x-amz-checksum-sha256"] = part.sha256;
  }
  const url = await getSignedUrl(deps.s3, command, {
    expiresIn: expiresInSeconds,
    signingDate: deps.now(),
    signableHeaders: signed,
    unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
  });
  return { url, headers };
}

/** A part S3 holds. `etag` keeps S3's quotes. */
export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
  sha256?: string;
}

/** Every part S3 holds for an upload, in order (ListParts pages through 1,000 at a time). */
export async function listParts(deps: BucketDeps, target: { key: string; uploadId: string }): Promise<StoredPart[]> {
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  for (;;) {
    const out = await deps.s3.send(
      new ListPartsCommand({
        Bucket: deps.config.bucketName,
        Key: target.key,
        UploadId: target.uploadId,
        PartNumberMarker: marker,
      }),
    );
    for (const p of out.Parts ?? []) {
      parts.push({
        partNumber: p.PartNumber ?? 0,
        etag: p.ETag ?? "",
        size: p.Size ?? 0,
        ...(p.ChecksumSHA256 !== undefined ? { sha256: p.ChecksumSHA256 } : {}),
      });
    }
    if (!out.IsTruncated || out.NextPartNumberMarker === undefined) break;
    marker = out.NextPartNumberMarker;
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/** Assembles the object from these parts (their checksums passed back as S3 requires when it checks them). */
export async function completeMultipartUpload(
  deps: BucketDeps,
  target: { key: string; uploadId: string },
  parts: readonly StoredPart[],
): Promise<void> {
  await deps.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: deps.config.bucketName,
      Key: target.key,
      UploadId: target.uploadId,
      MultipartUpload: {
        Parts: parts.map((p) => ({
          PartNumber: p.partNumber,
          ETag: p.etag,
          ...(p.sha256 !== undefined ? { ChecksumSHA256: p.sha256 } : {}),
        })),
      },
    }),
  );
}

/** Aborts an upload and frees its parts; one that is already gone (aborted, completed) is not an error. */
export async function abortMultipartUpload(deps: BucketDeps, target: { key: string; uploadId: string }): Promise<void> {
  try {
    await deps.s3.send(
      new AbortMultipartUploadCommand({ Bucket: deps.config.bucketName, Key: target.key, UploadId: target.uploadId }),
    );
  } catch (e) {
    if (!isNoSuchUpload(e)) throw e;
  }
}

/** S3's answer for an upload id it no longer knows (completed or aborted). */
export function isNoSuchUpload(e: unknown): boolean {
  return e instanceof Error && e.name === "NoSuchUpload";
}

/** ETags compare without their quotes (clients often strip them). */
export function sameEtag(a: string, b: string): boolean {
  const bare = (s: string) => s.trim().replace(/^"|"$/g, "");
  return bare(a) === bare(b);
}
