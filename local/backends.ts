// The data plane of the local mode: S3 and DynamoDB emulators on 127.0.0.1, the bucket and table created as
// the stack creates them, and S3 upload events handed to the same ObjectCreated handler Lambda runs.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Event } from "aws-lambda";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RuntimeConfig, OTHER_ENV_NAMES } from "../config/runtime";
import { AuditSink } from "../handlers/audit";
import { createTokenVerifier } from "../handlers/auth";
import { createDocumentClient, createS3Client } from "../handlers/clients";
import type { Deps } from "../handlers/deps";
import { randomBytes } from "node:crypto";
import { createLogger, describeError, fingerprint } from "../handlers/log";
import { handleObjectCreated } from "../handlers/objectCreated";
import { localAuditSink } from "./audit";
import { loadAccess, LOCAL_REGION, LocalCredentials, saveAccess } from "./access";
import { ensureFilesTable, LocalDynamo, startLocalDynamo } from "./dynamo";
import { LocalS3, startLocalS3 } from "./s3";

export interface BackendOptions {
  config: RuntimeConfig;
  /** Keeps S3 objects and table items under this folder across restarts; undefined = throwaway, in a temp folder. */
  dataDir?: string;
  /** Extra browser origins for the bucket's CORS rules (the local page's own origin). */
  extraCorsOrigins?: readonly string[];
  /** Receives S3 ObjectCreated events instead of the in-process handler (a test that runs the deployed code). */
  onObjectCreated?: (event: S3Event) => Promise<unknown>;
  /** Where audit events go; default: the log, plus a POST to `auditWebhookUrl` when one is given (local/audit.ts). */
  audit?: AuditSink;
  auditWebhookUrl?: string;
}

export interface Backends {
  s3: LocalS3;
  dynamo: LocalDynamo;
  /** The only credentials both servers accept (the data folder's, or this run's): every client takes these. */
  credentials: LocalCredentials;
  /** The handlers' dependencies, wired to the emulators. Tests may replace `now` to move the clock. */
  deps: Deps;
  /** Environment for a process that should talk to these emulators (SDK endpoints, credentials, stack config). */
  sdkEnvironment: Record<string, string>;
  /** Resolves when every S3 event received so far has been handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The log key of a data folder (what FILESHARE_LOG_KEY is on AWS): made once, random, readable by its owner
 *  only, kept with the data so fingerprints stay comparable across restarts. */
export async function localLogKey(root: string): Promise<Buffer> {
  const file = join(root, "log-key");
  const existing = await readFile(file).catch(() => undefined);
  if (existing !== undefined && existing.length >= 32) return existing;
  const key = randomBytes(32);
  await writeFile(file, key, { mode: 0o600 });
  return key;
}

export async function startBackends(options: BackendOptions): Promise<Backends> {
  const throwaway = options.dataDir === undefined;
  const root = options.dataDir ?? (await mkdtemp(join(tmpdir(), "fileshare-")));
  await mkdir(join(root, "s3"), { recursive: true });
  const pending = new Set<Promise<unknown>>();
  const log = createLogger({ component: "local-s3-events" });
  // S3 must be running before the clients that point at it exist; events wait for them.
  const wired: { deps?: Deps } = {};

  // Credentials and ports kept with the data (the S3 port is in every pre-signed URL handed out).
  const access = await loadAccess(options.dataDir);
  const { credentials } = access;
  const dynamo = await startLocalDynamo({
    credentials,
    path: throwaway ? undefined : join(root, "dynamodb"),
    port: access.dynamoPort,
  });
  const s3 = await startLocalS3({
    directory: join(root, "s3"),
    credentials,
    port: access.s3Port,
    bucketName: options.config.bucketName,
    corsOrigins: [...options.config.corsOrigins, ...(options.extraCorsOrigins ?? [])],
    onObjectCreated: (event) => {
      const deps = wired.deps;
      if (deps === undefined) return;
      const context = { awsRequestId: randomBytes(8).toString("hex") };
      const handled = options.onObjectCreated
        ? options.onObjectCreated(event)
        : handleObjectCreated(event, context, deps);
      const work = handled
        .catch((e) => log.error("ObjectCreated handler failed", describeError(e)))
        .finally(() => pending.delete(work));
      pending.add(work);
    },
  });
  if (options.dataDir !== undefined) {
    const ports = { s3Port: Number(new URL(s3.endpoint).port), dynamoPort: Number(new URL(dynamo.endpoint).port) };
    if (ports.s3Port !== access.s3Port || ports.dynamoPort !== access.dynamoPort) {
      await saveAccess(options.dataDir, { ...access, ...ports });
    }
  }
  const clientOptions = { region: LOCAL_REGION, credentials };
  const logKey = await localLogKey(root);
  const deps: Deps = {
    config: options.config,
    s3: createS3Client({ ...clientOptions, endpoint: s3.endpoint, forcePathStyle: true }),
    db: createDocumentClient({ ...clientOptions, endpoint: dynamo.endpoint }),
    now: () => new Date(),
    random: (bytes) => randomBytes(bytes).toString("base64url"),
    verifyToken: createTokenVerifier(options.config),
    fingerprint: (value) => fingerprint(logKey, value),
    bucketOrigin: new URL(s3.endpoint).origin,
    audit: options.audit ?? localAuditSink({ webhookUrl: options.auditWebhookUrl }),
  };
  wired.deps = deps;
  await ensureFilesTable(new DynamoDBClient({ ...clientOptions, endpoint: dynamo.endpoint }), options.config.tableName);

  return {
    s3,
    dynamo,
    credentials,
    deps,
    sdkEnvironment: {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      [OTHER_ENV_NAMES.logKey]: logKey.toString("base64"),
    },
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: async () => {
      await Promise.all([...pending]);
      await s3.close();
      await dynamo.close();
      if (throwaway) await rm(root, { recursive: true, force: true });
    },
  };
}
