// Everything a handler depends on, passed in as arguments so tests can supply their own clock, ids and clients.
// Types only: the real ones are built in handlers/clients.ts. A helper takes the part it uses (a Pick below, its
// own Pick<Deps, ...>, or a small interface such as handlers/store/records.ts StoreDeps), so a test builds exactly that.
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RuntimeConfig } from "../config/runtime";
import type { AuditSink } from "./audit";
import type { TokenVerifier } from "./auth";

/** The dependencies of every handler that reads or writes stored data. */
export interface Deps {
  config: RuntimeConfig;
  s3: S3Client;
  db: DynamoDBDocumentClient;
  /** The current time (a clock that tests can move). */
  now: () => Date;
  /** A new random value of `bytes` bytes, base64url-encoded. */
  random: (bytes: number) => string;
  /** Checks a bearer token against the stack's issuer (handlers/auth.ts). */
  verifyToken: TokenVerifier;
  /** A keyed fingerprint of a secret value (a share's key name, a token), the only form in which one may be logged. */
  fingerprint: (value: string) => string;
  /** The origin of the stack's pre-signed S3 URLs (the page's CSP allows exactly it). */
  bucketOrigin: string;
  /** Where audit events go (handlers/audit.ts): EventBridge on AWS, the log and a webhook locally. */
  audit: AuditSink;
}

/** What the S3 helpers need: the bucket (config), its client and the clock (pre-signed URLs are signed "now"). */
export type BucketDeps = Pick<Deps, "s3" | "config" | "now">;
