// `npm run bench`, throughput rows: POST /uploads and GET /files/{id} at concurrency 32 through npm start's
// gateway vs dynalite's own write and read rates (bare, in its own process).
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Agent } from "node:http";
import { ratioOf, Row } from "./report";
import * as s from "./support";
import { ms, UPLOAD } from "./support";

const LOAD_SECONDS = 5;
const CONCURRENCY = 32;

export async function throughput(): Promise<Row[]> {
  const rows: Row[] = [];
  const row = s.row;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const local = await s.startLocalMode();
  let created: { id: string } | undefined;
  let writes: Awaited<ReturnType<typeof s.drive>>;
  let reads: Awaited<ReturnType<typeof s.drive>>;
  try {
    const body = JSON.stringify(UPLOAD);
    const headers = { "content-type": "application/json" };
    const post = async () => {
      const res = await s.http(agent, `${local.url}uploads`, "POST", body, headers);
      if (res.status !== 201) throw new Error(`POST /uploads: ${res.status} ${res.body}`);
      created ??= JSON.parse(res.body);
    };
    await s.drive(CONCURRENCY, 1000, post); // warm up
    writes = await s.drive(CONCURRENCY, LOAD_SECONDS * 1000, post);
    const get = async () => {
      const res = await s.http(agent, `${local.url}files/${created!.id}`, "GET");
      if (res.status !== 200) throw new Error(`GET /files/{id}: ${res.status} ${res.body}`);
    };
    await s.drive(CONCURRENCY, 1000, get);
    reads = await s.drive(CONCURRENCY, LOAD_SECONDS * 1000, get);
  } finally {
    await local.stop();
  }
  const dynalite = await s.startDynalite();
  try {
    const options = {
      endpoint: dynalite.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) },
    };
    const raw = new DynamoDBClient(options);
    await raw.send(
      new CreateTableCommand({
        TableName: "bench",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    const db = DynamoDBDocumentClient.from(raw);
    let n = 0;
    const put = async () => {
      await db.send(new PutCommand({ TableName: "bench", Item: { id: `w${++n}`, status: "pending", size: 1024 } }));
    };
    await s.drive(CONCURRENCY, 1000, put);
    const dynWrites = await s.drive(CONCURRENCY, LOAD_SECONDS * 1000, put);
    const getItem = async () => {
      await db.send(new GetCommand({ TableName: "bench", Key: { id: "w1" } }));
    };
    await s.drive(CONCURRENCY, 1000, getItem);
    const dynReads = await s.drive(CONCURRENCY, LOAD_SECONDS * 1000, getItem);
    const rate = (r: { perSecond: number; p99: number }) => `${r.perSecond.toFixed(0)}/s (p99 ${ms(r.p99)})`;
    rows.push(
      row(
        "throughput",
        "POST /uploads via npm start",
        rate(writes),
        ratioOf(writes.perSecond, dynWrites.perSecond),
        `dynalite PutItem ${rate(dynWrites)}`,
        "≥ 0.5",
      ),
    );
    rows.push(
      row(
        "throughput",
        "GET /files/{id} via npm start",
        rate(reads),
        ratioOf(reads.perSecond, dynReads.perSecond),
        `dynalite GetItem ${rate(dynReads)}`,
        "≥ 0.5",
      ),
    );
    raw.destroy();
  } finally {
    await dynalite.stop();
    agent.destroy();
  }
  return rows;
}
