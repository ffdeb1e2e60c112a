// The file bytes in S3. Handlers never move bytes: they sign URLs, look at what arrived and delete.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { BucketDeps } from "./deps";

/** What the client must send with its PUT and where. */
export interface SignedUpload {
  url: string;
  headers: Record<string, string>;
}

/**
 * Signs a PUT for exactly this content type and length (and SHA-256 when given), so S3 rejects any other
 * body, and with `If-None-Match: *` (an S3 conditional write), so the URL writes once: it cannot replace
 * bytes that were already confirmed. Headers that must be sent stay headers (not hoisted into the query).
 */
export async function signUpload(
  deps: BucketDeps,
  key: string,
  file: { contentType: string; size: number; sha256?: string },
  expiresInSeconds: number,
): Promise<SignedUpload> {
  const command = new PutObjectCommand({
    Bucket: deps.config.bucketName,
    Key: key,
    ContentType: file.contentType,
    ContentLength: file.size,
    ChecksumSHA256: file.sha256,
    IfNoneMatch: "*",
  });
  const signed = new Set(["content-type", "content-length", "if-none-match"]);
  const headers: Record<string, string> = { "Content-Type": file.contentType, "If-None-Match": "*" };
  if (file.sha256 !== undefined) {
    signed.add("x-amz-checksum-sha256");
    headers["x-amz-checksum-sha256"] = file.sha256;
  }
  const url = await getSignedUrl(deps.s3, command, {
    expiresIn: expiresInSeconds,
    signingDate: deps.now(),
    signableHeaders: signed,
    unhoistableHeaders: new Set(["x-amz-checksum-sha256", "if-none-match"]),
  });
  return { url, headers };
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the exact UTF-8 name (RFC 8187). */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\/%]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The Cache-Control of every download: the file is one recipient's, never a shared cache's. */
export const DOWNLOAD_CACHE_CONTROL = "private, no-store";

/** Signs a GET that downloads the file under its original name and type. Every response header an uploader could
 *  have stored with the object and that changes how a browser treats the bytes is pinned here: type,
 *  disposition, encoding (identity: the declared size is the size served, no decompression bomb) and caching. */
export async function signDownload(
  deps: BucketDeps,
  key: string,
  file: { fileName: string; contentType: string },
): Promise<string> {
  return getSignedUrl(
    deps.s3,
    new GetObjectCommand({
      Bucket: deps.config.bucketName,
      Key: key,
      ResponseContentDisposition: contentDisposition(file.fileName),
      ResponseContentType: file.contentType,
      ResponseContentEncoding: "identity",
      ResponseCacheControl: DOWNLOAD_CACHE_CONTROL,
    }),
    { expiresIn: deps.config.downloadUrlTtlSeconds, signingDate: deps.now() },
  );
}

/** What S3 stores with an object that the uploader can set and that would change what a download serves. */
export interface StoredObject {
  size: number;
  contentType: string;
  /**
   * Stored headers this service never declares and that no download URL can override: Content-Encoding (S3
   * accepts it unsigned; `gzip` makes a small upload inflate in the recipient's browser), x-amz-meta-* and the
   * website redirect. Empty for an honest upload. Cache-Control and Content-Disposition are not here: an honest
   * fetch() adds `Cache-Control: no-cache` to a conditional (If-None-Match) PUT, as the Fetch standard says, and
   * signDownload pins both on every download anyway.
   */
  undeclared: Record<string, string>;
}

/** Size, type and undeclared headers of a stored object, or undefined when there is none. */
export async function headObject(deps: BucketDeps, key: string): Promise<StoredObject | undefined> {
  try {
    const out = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.config.bucketName, Key: key }));
    const undeclared: Record<string, string> = {};
    const add = (name: string, value: unknown) => {
      if (value !== undefined && value !== null && String(value) !== "") undeclared[name] = String(value);
    };
    add("Content-Encoding", out.ContentEncoding);
    add("x-amz-website-redirect-location", out.WebsiteRedirectLocation);
    for (const [name, value] of Object.entries(out.Metadata ?? {})) add(`x-amz-meta-${name}`, value);
    return { size: out.ContentLength ?? 0, contentType: out.ContentType ?? "", undeclared };
  } catch (e) {
    if (e instanceof Error && (e.name === "NotFound" || e.name === "NoSuchKey")) return undefined;
    throw e;
  }
}

/** Deletes an object; deleting one that is not there succeeds, as on S3. */
export async function deleteObject(deps: BucketDeps, key: string): Promise<void> {
  await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key: key }));
}
