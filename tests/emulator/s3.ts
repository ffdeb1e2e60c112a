// A local S3 (local/s3.ts: the patched emulator behind its wrapper) for the emulator tests, with an AWS SDK
// client and a pre-signer configured as the handlers configure theirs.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { S3Event } from "aws-lambda";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3Client } from "../../handlers/clients";
import { LocalCredentials, newLocalCredentials } from "../../local/access";
import { LocalS3, startLocalS3 } from "../../local/s3";

export const BUCKET = "emulator-test";
export const ORIGIN = "https://app.example.com";
export const MiB = 1024 * 1024;

/** The commands the tests pre-sign. */
export type Presignable = PutObjectCommand | UploadPartCommand | GetObjectCommand | HeadObjectCommand;

export interface TestS3 {
  local: LocalS3;
  client: S3Client;
  /** The server's own credentials (made for it, as each data folder gets its own). */
  credentials: LocalCredentials;
  directory: string;
  events: S3Event[];
  /** A pre-signed URL for the command, signing the given headers too (sent as headers, not in the query). */
  presign(command: Presignable, headers?: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts a local S3 whose objects live in `directory` (a fresh temp folder if not given). */
export async function startTestS3(directory?: string): Promise<TestS3> {
  const owned = directory === undefined;
  const dir = directory ?? (await mkdtemp(join(tmpdir(), "emulator-")));
  const events: S3Event[] = [];
  const credentials = newLocalCredentials();
  const local = await startLocalS3({
    directory: dir,
    credentials,
    bucketName: BUCKET,
    corsOrigins: [ORIGIN],
    onObjectCreated: (event) => events.push(event),
  });
  const client = createS3Client({
    region: "us-east-1",
    credentials,
    endpoint: local.endpoint,
    forcePathStyle: true,
  });
  return {
    local,
    client,
    credentials,
    directory: dir,
    events,
    presign: (command, headers = []) =>
      // One signature for all four: getSignedUrl's generic parameters do not accept a union of commands.
      getSignedUrl(client, command as PutObjectCommand, {
        expiresIn: 300,
        signableHeaders: new Set(headers),
        unhoistableHeaders: new Set(headers),
      }),
    close: async () => {
      client.destroy();
      await local.close();
      if (owned) await rm(dir, { recursive: true, force: true });
    },
  };
}

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("base64");
export const md5Hex = (data: Buffer): string => createHash("md5").update(data).digest("hex");

/** The S3 error code in an XML error body. */
export function errorCode(body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}

/** The SDK's error name and HTTP status for a rejected call (fails the test if the call succeeds). */
export async function refusal(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await call;
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  throw new Error("the call succeeded but S3 refuses it");
}

/** A pre-signed conditional PUT as the API signs it (type, length, If-None-Match, and SHA-256 if given). */
export function signPut(s3: TestS3, key: string, size: number, checksum?: string): Promise<string> {
  return s3.presign(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      ContentType: "application/octet-stream",
      ContentLength: size,
      IfNoneMatch: "*",
      ChecksumSHA256: checksum,
    }),
    ["content-type", "content-length", "if-none-match", ...(checksum ? ["x-amz-checksum-sha256"] : [])],
  );
}

/** Sends a body to a URL from signPut, with the headers it signed (plus any given). */
export function putBody(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "PUT",
    headers: { "Content-Type": "application/octet-stream", "If-None-Match": "*", ...headers },
    body: new Uint8Array(body),
  });
}

/** The stored bytes of an object. */
export async function stored(s3: TestS3, key: string): Promise<Buffer> {
  const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Fails unless the key holds no object. */
export async function assertAbsent(s3: TestS3, key: string): Promise<void> {
  const answer = await refusal(s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })));
  if (answer.status !== 404) throw new Error(`${key}: expected no object (404), got ${answer.status} ${answer.name}`);
}

/** The staged bodies not yet committed: none may be left once a request has ended. */
export async function stagedFiles(s3: TestS3): Promise<string[]> {
  return readdir(join(s3.directory, BUCKET, "._S3rver_tmp")).catch(() => []);
}
