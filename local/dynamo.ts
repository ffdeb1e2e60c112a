// A local DynamoDB: dynalite, in-process. It has the conditional writes and ADD counters the handlers rely on;
// it lacks TTL deletion, which is why the handlers check expiry themselves as well. dynalite accepts any
// credentials, so a front in the same server checks each request's signature against the local key pair first
// and answers as DynamoDB does (400 MissingAuthenticationToken / UnrecognizedClient / InvalidSignature).
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
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

type Client = Pick<DynamoDBClient, "send">;

async function describe(client: Client, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (e instanceof Error && e.name === "ResourceNotFoundException") return undefined;
    throw e;
  }
}

async function createTable(client: Client, tableName: string, withIndexes: boolean): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: withIndexes
        ? ATTRIBUTES
        : ATTRIBUTES.filter((a) => a.AttributeName === FILES_TABLE.key.name),
      KeySchema: [{ AttributeName: FILES_TABLE.key.name, KeyType: "HASH" }],
      GlobalSecondaryIndexes: withIndexes ? INDEXES : undefined,
      BillingMode: FILES_TABLE.billingMode,
    }),
  );
}

/** Copies every item of `from` into `to` (puts are idempotent, so a copy cut short can simply run again). */
async function copyItems(client: Client, from: string, to: string): Promise<void> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: from, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [to]: requests } }));
        requests = (UnprocessedItems?.[to] ?? []) as typeof requests;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Creates the files table as the stack defines it (same key, same indexes), unless it is there already.
 *  A table kept in a data folder from before an index existed must gain that index, and dynalite takes
 *  UpdateTable's index Create only to ignore it (AWS builds the index). So the table is rebuilt the way dynalite
 *  can: its items copied aside, the table made anew, the items copied back. The copy aside stays until the table is
 *  whole again, so a start that dies part-way resumes at the next one instead of losing records. */
export async function ensureFilesTable(client: Client, tableName: string): Promise<void> {
  const asideName = `${tableName}.upgrading`;
  let table = await describe(client, tableName);
  let aside = await describe(client, asideName);
  const lacksAnIndex = (t: TableDescription) =>
    INDEXES.some((index) => !(t.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName));
  if (table && lacksAnIndex(table)) {
    // Any copy aside from an earlier attempt may be partial while the old table still stands: start it again.
    if (aside) await client.send(new DeleteTableCommand({ TableName: asideName }));
    await createTable(client, asideName, false);
    await copyItems(client, tableName, asideName);
    aside = await describe(client, asideName);
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    table = undefined;
  }
  if (!table) await createTable(client, tableName, true);
  if (aside) {
    await copyItems(client, asideName, tableName);
    await client.send(new DeleteTableCommand({ TableName: asideName }));
  }
}
