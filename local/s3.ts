// A local S3: @20minutes/s3rver (it checks SigV4 signatures, expiry and signed headers as S3 does), behind a
// wrapper that refuses unsigned requests, because s3rver would serve them and our bucket is private, and that
// removes what s3rver kept of a PUT whose body never arrived whole, because S3 stores nothing of one.
import S3rver from "@20minutes/s3rver";
import type { S3Event } from "aws-lambda";
import { stat } from "node:fs/promises";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { createLogger, describeError } from "../handlers/log";
import { BUCKET_CORS_RULE } from "../config/bucketCors";
import { closeServer, listenOnLoopback } from "./listen";

/** The credentials s3rver accepts (its built-in account). dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3Options {
  /** Where objects are kept; each server needs its own. */
  directory: string;
  bucketName: string;
  /** Browser origins allowed by the bucket's CORS rules (the same rules the stack gives the real bucket). */
  corsOrigins: readonly string[];
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

/** The bucket and key of a path-style request (/bucket/key...), or undefined. */
export function objectOf(url: string): { bucket: string; key: string } | undefined {
  const path = url.split("?")[0] ?? "";
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  if (!match) return undefined;
  try {
    return { bucket: decodeURIComponent(match[1] as string), key: decodeURIComponent(match[2] as string) };
  } catch {
    return undefined;
  }
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
    configureBuckets: [{ name: options.bucketName, configs: [corsXml(options.corsOrigins)] }],
  });
  await s3rver.configureBuckets();
  s3rver.on("event", (event: S3Event) => {
    const created = event.Records.filter((r) => r.eventName.startsWith("ObjectCreated:"));
    if (created.length > 0 && options.onObjectCreated) options.onObjectCreated(normaliseEvent({ Records: created }));
  });
  const app = s3rver.callback();
  const log = createLogger({ component: "local-s3" });
  /**
   * s3rver writes a PUT's body to its file as it arrives and keeps the part it got when the client hangs up;
   * every retry of the signed URL then gets 412 (If-None-Match: *) and the share stays pending. S3 stores
   * nothing of an incomplete PUT. So once s3rver is done with a PUT whose client went away mid-body, an object
   * file without metadata (s3rver writes that only after the whole body) is removed; a complete object that
   * was already there is never touched. s3rver emits no ObjectCreated event for the cut PUT (its write fails
   * first); the handler would delete a short object anyway, as its size differs from the record's.
   */
  const forgetIfCut = async (req: IncomingMessage, res: ServerResponse, handled: Promise<void>) => {
    await handled.catch(() => undefined);
    const object = objectOf(req.url ?? "/");
    if (req.complete || res.writableFinished || object === undefined) return;
    try {
      const store = s3rver.store;
      const finished = await stat(store.getResourcePath(object.bucket, object.key, "metadata.json")).then(
        () => true,
        () => false,
      );
      if (!finished) await store.deleteObject(object.bucket, object.key);
    } catch (e) {
      log.warn("could not remove an incomplete upload", { key: object.key, ...describeError(e) });
    }
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== "OPTIONS" && !isSigned(req)) {
      res.writeHead(403, { "Content-Type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
      return;
    }
    const handled = app(req, res);
    if (req.method === "PUT") void forgetIfCut(req, res, handled);
  });
  return {
    endpoint: `http://127.0.0.1:${await listenOnLoopback(server, options.port)}`,
    close: () => closeServer(server),
  };
}
