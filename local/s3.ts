// A local S3: @20minutes/s3rver (it checks SigV4 signatures, expiry and signed headers as S3 does) with our
// patch (patches/: atomic conditional writes, checksums, nothing stored of a failed write, multipart rules,
// unsigned x-amz-* headers refused, CORS preflights per origin, keys stored as safe file names, only the key
// pair it is given), behind a wrapper that refuses unsigned requests (s3rver would serve them and our bucket is
// private) and requests naming another host (a web page that rebinds its own name to 127.0.0.1).
import S3rver from "@20minutes/s3rver";
import type { S3Event } from "aws-lambda";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { BUCKET_CORS_RULE } from "../config/bucketCors";
import { LocalCredentials } from "./access";
import { isLoopbackHost } from "./sigv4";
import { closeServer, listenOnStablePort } from "./listen";

export interface LocalS3Options {
  /** Where objects are kept; each server needs its own. */
  directory: string;
  /** The only key pair it accepts (local/access.ts makes one per data folder). */
  credentials: LocalCredentials;
  bucketName: string;
  /** Browser origins allowed by the bucket's CORS rules (the same rules the stack gives the real bucket). */
  corsOrigins: readonly string[];
  /** Listen here if free (the port it had last time), else on any free port. */
  port?: number;
  /** Called with an AWS-shaped ObjectCreated event after each upload. */
  onObjectCreated?: (event: S3Event) => void;
}

export interface LocalS3 {
  /** e.g. http://127.0.0.1:4569 (127.0.0.1 so that the SDK uses path-style URLs). */
  endpoint: string;
  close(): Promise<void>;
}

/** The stack's bucket CORS rule (BUCKET_CORS_RULE) as S3 XML, for these origins. */
export function corsXml(origins: readonly string[]): string {
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const each = (tag: string, values: readonly string[]) => values.map((v) => `<${tag}>${escape(v)}</${tag}>`);
  return [
    `<CORSConfiguration><CORSRule>`,
    ...each("AllowedOrigin", origins),
    ...each("AllowedMethod", BUCKET_CORS_RULE.allowedMethods),
    ...each("AllowedHeader", BUCKET_CORS_RULE.allowedHeaders),
    ...each("ExposeHeader", BUCKET_CORS_RULE.exposeHeaders),
    `<MaxAgeSeconds>${BUCKET_CORS_RULE.maxAgeSeconds}</MaxAgeSeconds>`,
    `</CORSRule></CORSConfiguration>`,
  ].join("");
}

function isSigned(req: IncomingMessage): boolean {
  if (req.headers.authorization !== undefined) return true;
  const query = new URL(req.url ?? "/", "http://local").searchParams;
  return query.has("X-Amz-Signature") || query.has("Signature");
}

/** s3rver's events carry raw keys and a malformed ARN; S3 URL-encodes keys ("+" for spaces). */
export function normaliseEvent(event: S3Event): S3Event {
  return {
    Records: event.Records.map((r) => ({
      ...r,
      s3: {
        ...r.s3,
        bucket: { ...r.s3.bucket, arn: `arn:aws:s3:::${r.s3.bucket.name}` },
        object: { ...r.s3.object, key: encodeURIComponent(r.s3.object.key).replace(/%2F/g, "/").replace(/%20/g, "+") },
      },
    })),
  };
}

/** Starts the local S3 on 127.0.0.1 with the bucket created and its CORS rules applied. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const s3rver = new S3rver({
    directory: options.directory,
    silent: true,
    allowMismatchedSignatures: false,
    accessKeys: { [options.credentials.accessKeyId]: options.credentials.secretAccessKey },
    configureBuckets: [{ name: options.bucketName, configs: [corsXml(options.corsOrigins)] }],
  });
  await s3rver.configureBuckets();
  s3rver.on("event", (event: S3Event) => {
    const created = event.Records.filter((r) => r.eventName.startsWith("ObjectCreated:"));
    if (created.length > 0 && options.onObjectCreated) options.onObjectCreated(normaliseEvent({ Records: created }));
  });
  const app = s3rver.callback();
  const refuse = (res: ServerResponse, message: string) => {
    res.writeHead(403, { "Content-Type": "application/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`,
    );
  };
  const server: Server = createServer((req, res) => {
    if (!isLoopbackHost(req.headers.host)) return refuse(res, "Access Denied: this server answers only to 127.0.0.1");
    if (req.method !== "OPTIONS" && !isSigned(req)) return refuse(res, "Access Denied");
    void app(req, res);
  });
  return {
    endpoint: `http://127.0.0.1:${await listenOnStablePort(server, options.port ?? 0)}`,
    close: () => closeServer(server),
  };
}
