// A local DynamoDB: dynalite, in-process. It has the conditional writes and ADD counters the handlers rely on;
// it lacks TTL deletion, which is why the handlers check expiry themselves as well. dynalite accepts any
// credentials, so a front in the same server checks each request's signature against the local key pair first
// and answers as DynamoDB does (400 MissingAuthenticationToken / UnrecognizedClient / InvalidSignature).
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { LocalCredentials } from "./access";
import { closeServer, listenOnStablePort } from "./listen";
import { checkSigV4, isLoopbackHost, SigV4Refusal } from "./sigv4";
import { FILES_TABLE, keyAttributes } from "../config/table";

export interface LocalDynamo {
  /** e.g. http://127.0.0.1:4567 */
  endpoint: string;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** The only key pair it accepts (local/access.ts makes one per data folder). */
  credentials: LocalCredentials;
  /** Keeps the data on disk here; otherwise it lives in memory. */
  path?: string;
  /** Listen here if free (the port it had last time), else on any free port. */
  port?: number;
}

/** dynalite's own limit on a request body. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** DynamoDB's answer to a request it cannot authenticate (JSON 1.0, as the SDK parses it). */
function refusalBody(refusal: SigV4Refusal | { reason: "host" }, now: Date): { __type: string; message: string } {
  const type = (name: string) => `com.amazon.coral.service#${name}`;
  switch (refusal.reason) {
    case "missing":
      return {
        __type: type("MissingAuthenticationTokenException"),
        message: "Request is missing Authentication Token",
      };
    case "unknown-key":
      return {
        __type: type("UnrecognizedClientException"),
        message: "The security token included in the request is invalid.",
      };
    case "expired":
      return {
        __type: type("InvalidSignatureException"),
        message: `Signature expired: ${refusal.signedAt} is now earlier or later than ${now.toISOString()} +/- 15 min.`,
      };
    case "host":
      return {
        __type: type("InvalidSignatureException"),
        message: "This server answers only to 127.0.0.1: the request named another host.",
      };
    case "mismatch":
      return {
        __type: type("InvalidSignatureException"),
        message:
          "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      };
  }
}

/** Reads a request body up to `limit` bytes; undefined if it is longer. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The authenticating front: a request dynalite sees has been signed with `credentials`. */
function authenticated(credentials: LocalCredentials, dynaliteHandler: RequestListener): RequestListener {
  return (req, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req, MAX_REQUEST_BYTES).catch(() => undefined);
      if (body === undefined) return void res.destroy();
      const now = new Date();
      const refusal = isLoopbackHost(req.headers.host)
        ? await checkSigV4(req, body, credentials, "dynamodb", now)
        : ({ reason: "host" } as const);
      if (refusal !== undefined) {
        const json = JSON.stringify(refusalBody(refusal, now));
        res.writeHead(400, {
          "Content-Type": "application/x-amz-json-1.0",
          "Content-Length": Buffer.byteLength(json),
        });
        return void res.end(json);
      }
      // dynalite reads the body from the request stream: hand it the bytes already read.
      const replay = Object.assign(Readable.from([body]), {
        method: req.method,
        url: req.url,
        headers: req.headers,
        socket: req.socket,
      });
      dynaliteHandler(replay as unknown as IncomingMessage, res);
    })();
  };
}

/** Starts dynalite on 127.0.0.1 behind its authenticating front. */
export async function startLocalDynamo(options: LocalDynamoOptions): Promise<LocalDynamo> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Same server (its close() also closes the store), with the front as its only request listener.
  const [handler] = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  server.on("request", authenticated(options.credentials, handler!));
  return {
    endpoint: `http://127.0.0.1:${await listenOnStablePort(server, options.port ?? 0)}`,
    close: () => closeServer(server),
  };
}

// The files table as config/table.ts declares it, in DynamoDB's own terms (infra/storage.ts builds the stack's
// table from the same declaration).
const ATTRIBUTES = keyAttributes(FILES_TABLE).map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
const INDEXES = FILES_TABLE.indexes.map((i) => ({
  IndexName: i.name,
  KeySchema: [
    { AttributeName: i.hashKey.name, KeyType: "HASH" as const },
    { AttributeName: i.rangeKey.name, KeyType: "RANGE" as const },
  ],
  Projection: { ProjectionType: i.projection },
}));

/** Creates the files table as the stack defines it (same key, same indexes), unless it is there already; a
 *  table kept in a data folder from before an index existed gets that index added (one per update, as on AWS). */
export async function ensureFilesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    for (const index of INDEXES) {
      if ((Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: ATTRIBUTES,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
    }
    return;
  } catch (e) {
    if (!(e instanceof Error && e.name === "ResourceNotFoundException")) throw e;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: ATTRIBUTES,
      KeySchema: [{ AttributeName: FILES_TABLE.key.name, KeyType: "HASH" }],
      GlobalSecondaryIndexes: INDEXES,
      BillingMode: FILES_TABLE.billingMode,
    }),
  );
}
