// The file bytes in S3. Handlers never move bytes: they sign URLs, look at what arrived and delete.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Deps } from "./deps";

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
  deps: Deps,
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

/** Signs a GET that downloads the file under its original name and type. */
export async function signDownload(
  deps: Deps,
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
    }),
    { expiresIn: deps.config.downloadUrlTtlSeconds, signingDate: deps.now() },
  );
}

/** Size and type of a stored object, or undefined when there is none. */
export async function headObject(deps: Deps, key: string): Promise<{ size: number; contentType: string } | undefined> {
  try {
    const out = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.config.bucketName, Key: key }));
    return { size: out.ContentLength ?? 0, contentType: out.ContentType ?? "" };
  } catch (e) {
    if (e instanceof Error && (e.name === "NotFound" || e.name === "NoSuchKey")) return undefined;
    throw e;
  }
}

/** Deletes an object; deleting one that is not there succeeds, as on S3. */
export async function deleteObject(deps: Deps, key: string): Promise<void> {
  await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key: key }));
}
