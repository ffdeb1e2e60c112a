// Instruments a local stack to count what one step of a flow costs on AWS: DynamoDB calls with their capacity
// units (the table's as dynalite reports them, each index's computed from the items before and after the write,
// as DynamoDB charges them), S3 requests by type (a counting proxy in front of the local S3, so the clients' own
// pre-signed requests are counted too), Lambda invocations and their duration, EventBridge PutEvents calls.
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { createServer, request as httpRequest, Server } from "node:http";
import { AddressInfo } from "node:net";
import type { LocalCredentials } from "../../local/access";
import { TABLE_KEY } from "../../config/table";
import type { Deps } from "../../handlers/deps";
import { emptyStep, type StepCalls } from "../../scripts/capacity/flows";

type Item = Record<string, AttributeValue>;

/** The size DynamoDB gives an attribute value, in bytes (Developer Guide, "Item sizes and formats"). */
function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, "utf8");
  if (value.N !== undefined) {
    const digits = value.N.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + Buffer.byteLength(s, "utf8"), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + k.length + valueSize(v), 0);
  return 0;
}

/** An item's size: attribute names plus values. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name, "utf8") + valueSize(value), 0);
}

/** What DynamoDB adds to every index entry (Developer Guide, GSI storage considerations). */
const INDEX_ENTRY_OVERHEAD = 100;

interface IndexSpec {
  name: string;
  keys: string[];
  projection: "ALL" | "KEYS_ONLY" | "INCLUDE";
  include: string[];
}

/** The item's entry in the index, or undefined when the item lacks a key attribute of it (a sparse index). */
function indexEntry(item: Item | undefined, index: IndexSpec): Item | undefined {
  if (item === undefined || index.keys.some((k) => item[k] === undefined)) return undefined;
  if (index.projection === "ALL") return item;
  const names = [TABLE_KEY, ...index.keys, ...(index.projection === "INCLUDE" ? index.include : [])];
  return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]!]));
}

const units = (entry: Item) => Math.ceil((itemSize(entry) + INDEX_ENTRY_OVERHEAD) / 1024);
const same = (a: Item, b: Item) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** The write units one table write costs an index (Developer Guide, "Provisioned throughput considerations for
 *  Global Secondary Indexes"): a put or a delete of an entry 1 write each, a changed index key a delete plus a
 *  put, a changed projected attribute 1 write, no entry before or after nothing. Each rounded up to 1 KB. */
export function indexWriteUnits(before: Item | undefined, after: Item | undefined, index: IndexSpec): number {
  const old = indexEntry(before, index);
  const next = indexEntry(after, index);
  if (old === undefined) return next === undefined ? 0 : units(next);
  if (next === undefined) return units(old);
  const keyChanged = index.keys.some((k) => JSON.stringify(old[k]) !== JSON.stringify(next[k]));
  if (keyChanged) return units(old) + units(next);
  return same(old, next) ? 0 : units(next);
}

/** One step's measurement in progress. */
export class Meter {
  current: StepCalls = emptyStep();
  /** Lambda durations by function, ms (reported, never asserted: they depend on the machine). */
  readonly durations: Record<string, number[]> = {};

  /** Starts a new step and returns the previous one. */
  take(): StepCalls {
    const done = this.current;
    this.current = emptyStep();
    return done;
  }

  add(bag: Record<string, number>, key: string, n = 1): void {
    bag[key] = (bag[key] ?? 0) + n;
  }

  /** Runs one Lambda invocation of `fn`, counted and timed. */
  async invoke<T>(fn: string, run: () => Promise<T>): Promise<T> {
    this.add(this.current.lambda, fn);
    const start = process.hrtime.bigint();
    try {
      return await run();
    } finally {
      (this.durations[fn] ??= []).push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
}

const DOCUMENT_OPS: Record<string, string> = {
  GetCommand: "GetItem",
  PutCommand: "PutItem",
  UpdateCommand: "UpdateItem",
  DeleteCommand: "DeleteItem",
  QueryCommand: "Query",
  ScanCommand: "Scan",
};

/** Wraps the handlers' DynamoDB client so that every call is counted with its capacity units. `raw` is a client
 *  of its own (uncounted) that reads the item before and after each write. */
export async function instrumentDynamo(
  deps: Deps,
  endpoint: string,
  credentials: LocalCredentials,
  meter: Meter,
): Promise<Deps["db"]> {
  const raw = new DynamoDBClient({ region: "us-east-1", credentials, endpoint });
  const { Table } = await raw.send(new DescribeTableCommand({ TableName: deps.config.tableName }));
  const indexes: IndexSpec[] = (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
    name: i.IndexName!,
    keys: (i.KeySchema ?? []).map((k) => k.AttributeName!),
    projection: i.Projection!.ProjectionType as IndexSpec["projection"],
    include: i.Projection?.NonKeyAttributes ?? [],
  }));
  const read = async (key: string): Promise<Item | undefined> =>
    (
      await raw.send(
        new GetItemCommand({
          TableName: deps.config.tableName,
          Key: { [TABLE_KEY]: { S: key } },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const inner = deps.db;
  const db = Object.create(inner) as Deps["db"];
  db.send = (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const op = DOCUMENT_OPS[command.constructor.name];
    if (op === undefined) throw new Error(`instrumentDynamo: ${command.constructor.name} is not counted yet`);
    const m = meter.current;
    meter.add(m.dynamodb, op);
    command.input["ReturnConsumedCapacity"] = "TOTAL";
    const isWrite = op === "PutItem" || op === "UpdateItem" || op === "DeleteItem";
    const key = isWrite
      ? String(
          (command.input["Key"] as Record<string, unknown> | undefined)?.[TABLE_KEY] ??
            (command.input["Item"] as Record<string, unknown>)[TABLE_KEY],
        )
      : "";
    const before = isWrite ? await read(key) : undefined;
    let out: { ConsumedCapacity?: { CapacityUnits?: number } };
    try {
      out = (await inner.send(command as never)) as typeof out;
    } catch (e) {
      // A failed condition is charged too: at least 1 write unit (the item's size when it exists).
      if (isWrite) {
        m.wru += before === undefined ? 1 : Math.ceil(itemSize(before) / 1024);
        meter.add(m.dynamodb, `${op} (condition failed)`);
      }
      throw e;
    }
    const capacity = out.ConsumedCapacity?.CapacityUnits ?? 0;
    if (!isWrite) {
      // A read that finds nothing is charged too: half a unit (eventually consistent) or one (strongly).
      m.rru += Math.max(capacity, command.input["ConsistentRead"] === true ? 1 : 0.5);
      return out;
    }
    m.wru += capacity;
    const after = await read(key);
    for (const index of indexes) {
      const n = indexWriteUnits(before, after, index);
      if (n > 0) meter.add(m.indexWru, index.name, n);
    }
    return out;
  }) as Deps["db"]["send"];
  return db;
}

/** The S3 request type (as S3's pricing and CloudTrail name it) of an HTTP request. */
export function s3RequestType(method: string, url: string): string {
  const q = new URL(url, "http://s3").searchParams;
  const path = new URL(url, "http://s3").pathname.split("/").filter((s) => s !== "");
  const onObject = path.length > 1;
  switch (method) {
    case "PUT":
      return q.has("partNumber") ? "UploadPart" : "PutObject";
    case "POST":
      if (q.has("uploads")) return "CreateMultipartUpload";
      if (q.has("uploadId")) return "CompleteMultipartUpload";
      if (q.has("delete")) return "DeleteObjects";
      return "PostObject";
    case "GET":
      if (q.has("versions")) return "ListObjectVersions";
      if (q.has("uploads")) return "ListMultipartUploads";
      if (q.has("uploadId")) return "ListParts";
      if (!onObject) return "ListObjectsV2";
      return "GetObject";
    case "HEAD":
      return onObject ? "HeadObject" : "HeadBucket";
    case "DELETE":
      return q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return method;
  }
}

/** A proxy in front of the local S3 that counts each request by type; clients are pointed at it. */
export class S3Counter {
  private readonly server: Server;
  constructor(target: string, meter: Meter) {
    const to = new URL(target);
    this.server = createServer((req, res) => {
      meter.add(meter.current.s3, s3RequestType(req.method ?? "", req.url ?? "/"));
      // Host kept as the client sent it: the signature covers it. A connection per request (agent: false): a
      // pooled one the server has just closed as idle fails the PUT it carries ("fetch failed" on a loaded machine).
      const upstream = httpRequest(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
