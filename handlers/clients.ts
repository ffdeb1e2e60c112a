// The real dependencies: the SDK clients and the Deps built from the environment. `depsFromEnvironment` is the
// adapter's half (handlers/lambda.ts): it runs once per cold start. Nothing else in handlers/ imports this module.
import { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { randomBytes } from "node:crypto";
import { eventBridgeSinkFromEnvironment } from "./auditEventBridge";
import { createTokenVerifier } from "./auth";
import { fromEnvironment } from "../config/runtime";
import { bucketOriginOf } from "./bucketOrigin";
import type { Deps } from "./deps";
import { fingerprint, logKeyFromEnvironment } from "./log";

/** Builds the S3 client (options: only the local mode passes an endpoint and credentials). Checksums only WHEN_REQUIRED: otherwise the SDK (>= 3.729) signs a CRC32 of an
 *  empty body into every pre-signed PUT URL and real S3 rejects every real upload. */
export function createS3Client(options: S3ClientConfig = {}): S3Client {
  return new S3Client({
    ...options,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Builds the DynamoDB document client (plain JS values in and out; empty values become absent). */
export function createDocumentClient(options: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Real dependencies from the environment. Region, credentials and endpoints (AWS_ENDPOINT_URL_S3,
 *  AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE) come from the SDK's own environment handling, in Lambda and locally alike. */
export function depsFromEnvironment(env: Record<string, string | undefined> = process.env): Deps {
  const logKey = logKeyFromEnvironment(env);
  const config = fromEnvironment(env);
  return {
    config,
    verifyToken: createTokenVerifier(config),
    s3: createS3Client(),
    db: createDocumentClient(),
    now: () => new Date(),
    random: (bytes) => randomBytes(bytes).toString("base64url"),
    fingerprint: (value) => fingerprint(logKey, value),
    bucketOrigin: bucketOriginOf(config.bucketName, env),
    audit: eventBridgeSinkFromEnvironment(env),
  };
}
