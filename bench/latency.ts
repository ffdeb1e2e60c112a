// `npm run bench`, latency rows: handlers in-process vs their floor, the bare SDK calls they make (p50, p99).
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { handleApiEvent, RouteHandler } from "../handlers/http";
import { fileKeyFor, keyNameFor } from "../handlers/ids";
import { signDownload, signUpload } from "../handlers/objects";
import { Backends } from "../local/backends";
import { ratioOf, Row } from "./report";
import * as s from "./support";
import { apiEvent, ms, UPLOAD } from "./support";

const LATENCY_SAMPLES = 300;

/** p50 and p99 of `handler` and of `floor`, sampled alternately so that drift hits both alike. */
async function against(
  rows: Row[],
  what: string,
  handler: () => Promise<unknown>,
  floor: () => Promise<unknown>,
  floorName: string,
) {
  const row = s.row;
  const h: number[] = [];
  const f: number[] = [];
  const time = async (fn: () => Promise<unknown>, into: number[]) => {
    const t = process.hrtime.bigint();
    await fn();
    into.push(Number(process.hrtime.bigint() - t) / 1e6);
  };
  for (let i = 0; i < 20; i++) await Promise.all([handler(), floor()]); // warm up
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    await time(handler, h);
    await time(floor, f);
  }
  for (const [p, goal] of [
    [50, "≤ 1.3"],
    [99, "≤ 2"],
  ] as const) {
    const [hp, fp] = [s.percentile(h, p), s.percentile(f, p)];
    rows.push(row("latency", `${what} p${p}`, ms(hp), ratioOf(hp, fp), `${floorName} ${ms(fp)}`, goal));
  }
}

export async function latency(backends: Backends, fileId: string): Promise<Row[]> {
  const rows: Row[] = [];
  const deps = backends.deps;
  const call = async (method: string, path: string, body?: unknown) => {
    const { route, event } = apiEvent(method, path, body);
    const res = await handleApiEvent(route.handler as RouteHandler, event, { awsRequestId: "bench" }, deps);
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
  };
  const table = deps.config.tableName;
  let n = 0;
  await against(
    rows,
    "POST /uploads",
    () => call("POST", "/uploads", UPLOAD),
    async () => {
      const id = `floor${++n}`;
      await deps.db.send(
        new PutCommand({ TableName: table, Item: { id: keyNameFor(id), status: "pending", size: 1024 } }),
      );
      await signUpload(deps, fileKeyFor(id), UPLOAD, 300);
    },
    "PutItem + presign",
  );
  await against(
    rows,
    "POST /files/{id}/download",
    () => call("POST", `/files/${fileId}/download`),
    async () => {
      await deps.db.send(
        new UpdateCommand({
          TableName: table,
          Key: { id: keyNameFor(fileId) },
          UpdateExpression: "ADD floorCount :one",
          ConditionExpression: "attribute_exists(id)",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
      await signDownload(deps, fileKeyFor(fileId), { fileName: "bench.bin", contentType: "text/plain" });
    },
    "conditional UpdateItem + presign",
  );
  await against(
    rows,
    "GET /files/{id}",
    () => call("GET", `/files/${fileId}`),
    () => deps.db.send(new GetCommand({ TableName: table, Key: { id: keyNameFor(fileId) } })),
    "GetItem",
  );
  return rows;
}
