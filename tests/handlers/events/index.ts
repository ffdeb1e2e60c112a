// S3 events as AWS sends them, kept as JSON (the documented ObjectCreated:Put example of the S3 user guide,
// "Event message structure"), with only the bucket and the key replaced.
import type { S3Event } from "aws-lambda";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const PUT = readFileSync(join(__dirname, "s3-object-created-put.json"), "utf8");

/**
 * S3's ObjectCreated:Put event for `key` in `bucket`. `key` is given as it appears in the event: S3 URL-encodes
 * keys form-style (a space becomes "+") but leaves "/" as it is, so "uploads/<id>" arrives unchanged.
 */
export function objectCreatedPut(bucket: string, key: string): S3Event {
  const event = JSON.parse(PUT) as S3Event;
  for (const record of event.Records) {
    record.s3.bucket.name = bucket;
    record.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
    record.s3.object.key = key;
  }
  return event;
}
