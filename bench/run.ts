// `npm run bench`: one bounded run (a few minutes), ratios only, each against a baseline measured in the same
// run because these machines are noisy. Prints one table and writes bench/results.json (ignored by git).
//   cold start   fresh Node per run: require of a function's laid-out code + the SDK layer, then its first call
//                against local servers; vs a bare require of the SDK clients and vs `node -e 0`
//   size         each archive and the layer, zipped and unzipped, vs default packing (no codePathOptions)
//   latency      handlers in-process vs their floor: the bare SDK calls they make (p50, p99)
//   throughput   POST /uploads and GET /files/{id} at concurrency 32 through npm start's gateway vs dynalite's
//                own write and read rates (bare, in its own process)
//   start-up     `npm start` (compiled, with a data folder) to its first line and to its "running" line, vs the
//                same program through ts-node, as npm start ran it before
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:http";
import { hostname, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { RuntimeConfig, toEnvironment, OTHER_ENV_NAMES } from "../config/runtime";
import { handleApiEvent, RouteHandler } from "../handlers/http";
import { fileKeyFor, keyNameFor } from "../handlers/ids";
import { signDownload, signUpload } from "../handlers/objects";
import { ROUTES } from "../handlers/api";
import { matchPath } from "../handlers/matchPath";
import { Backends, startBackends } from "../local/backends";
import { proxyEvent } from "../local/events";
import { benchMultipart } from "./multipart";
import { benchStartup } from "./startup";
import * as s from "./support";

process.env["FILESHARE_LOG_LEVEL"] = "silent";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const COLD_RUNS = 15;
const LATENCY_SAMPLES = 300;
const LOAD_SECONDS = 5;
const CONCURRENCY = 32;
export type Row = [section: string, what: string, measured: string, ratio: number, baseline: string, goal: string];
const rows: Row[] = [];
const ms = (v: number) => `${v.toFixed(1)} ms`;
const kb = (v: number) => `${(v / 1024).toFixed(1)} KB`;

/** An API Gateway event for `method path` on the route that serves it. */
function apiEvent(method: string, path: string, body?: unknown) {
  const route = ROUTES.find((r) => r.method === method && matchPath(r.path, path))!;
  const event = proxyEvent({
    method,
    path,
    resource: route.path,
    pathParameters: matchPath(route.path, path)!,
    headers: { host: "bench.example", "x-forwarded-proto": "https", "content-type": "application/json" },
    stage: "dev",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { route, event };
}

const UPLOAD = { fileName: "bench.bin", contentType: "application/octet-stream", size: 1024 };

// The child of one cold start: times the require of the function's code (or of the bare SDK clients), then the
// first call. Written outside the project so that nothing but the archive and NODE_PATH resolves.
const COLD_SCRIPT = `
const t0 = process.hrtime.bigint();
const since = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const [mode, target, eventJson] = process.argv.slice(2);
if (mode === "sdk") {
  require(target + "/@aws-sdk/client-s3"); require(target + "/@aws-sdk/client-dynamodb");
  process.stdout.write("\\nBENCH " + JSON.stringify({ load: since(t0) }) + "\\n");
} else {
  const { handler } = require(target + "/__index.js");
  const load = since(t0);
  const t1 = process.hrtime.bigint();
  handler(JSON.parse(eventJson), { awsRequestId: "bench" }).then((r) => {
    if (!(r.statusCode < 300)) throw new Error("first call answered " + r.statusCode + " " + r.body);
    process.stdout.write("\\nBENCH " + JSON.stringify({ load, first: since(t1) }) + "\\n");
  });
}`;

async function coldStarts(built: s.Built, root: string, backends: Backends, fileId: string): Promise<void> {
  const layerModules = join(root, "opt", "nodejs", "node_modules");
  await s.writeFiles(built.layer, join(root, "opt"));
  await writeFile(join(root, "cold.js"), COLD_SCRIPT);
  const createUpload = built.functions.find((f) => f.name === "createUpload")!;
  await s.layOutArchive(createUpload.indexJs, built.defaultFolders, join(root, "default-createUpload"));
  // The functions send audit events (handlers/audit.ts): to a local stand-in for EventBridge.
  const eventBridge = await s.startEventBridgeSink();
  const env = {
    ...toEnvironment(backends.deps.config),
    ...backends.sdkEnvironment,
    [OTHER_ENV_NAMES.auditBusName]: "fileshare-dev-audit",
    [OTHER_ENV_NAMES.auditSource]: "fileshare.dev",
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
  };
  const cases: Record<string, { args: string[]; nodePath?: string }> = {
    "node -e 0": { args: ["-e", "0"] },
    "bare SDK require": { args: ["cold.js", "sdk", join(s.ROOT, "node_modules")] },
  };
  const calls: Record<string, ReturnType<typeof apiEvent>> = {
    createUpload: apiEvent("POST", "/uploads", UPLOAD),
    getFile: apiEvent("GET", `/files/${fileId}`),
    downloadFile: apiEvent("POST", `/files/${fileId}/download`),
  };
  for (const [name, { event }] of Object.entries(calls)) {
    const fn = built.functions.find((f) => f.name === name)!;
    await s.layOutArchive(fn.indexJs, fn.folders, join(root, name));
    cases[name] = { args: ["cold.js", "fn", join(root, name), JSON.stringify(event)], nodePath: layerModules };
  }
  cases["createUpload, default packing"] = {
    args: ["cold.js", "fn", join(root, "default-createUpload"), JSON.stringify(calls["createUpload"]!.event)],
  };
  const samples: Record<string, { wall: number[]; load: number[]; first: number[] }> = {};
  try {
    for (let i = 0; i < COLD_RUNS; i++) {
      for (const [name, c] of s.shuffle(Object.entries(cases))) {
        const { stdout, wallMs } = await s.node(c.args, { cwd: root, env: { ...env, NODE_PATH: c.nodePath ?? "" } });
        // The function's own log lines come first; the child's timings are on its BENCH line.
        const line = stdout.split("\n").find((l) => l.startsWith("BENCH "));
        const out = line ? (JSON.parse(line.slice(6)) as { load: number; first?: number }) : { load: 0 };
        const sample = (samples[name] ??= { wall: [], load: [], first: [] });
        sample.wall.push(wallMs);
        sample.load.push(out.load);
        if (out.first !== undefined) sample.first.push(out.first);
      }
    }
  } finally {
    await eventBridge.close();
  }
  const bare = s.median(samples["bare SDK require"]!.load);
  const node0 = s.median(samples["node -e 0"]!.wall);
  const base = `bare SDK require ${ms(bare)}`;
  for (const name of ["createUpload", "getFile", "downloadFile", "createUpload, default packing"]) {
    const { load, first, wall } = samples[name]!;
    rows.push(["cold start", `${name}: load`, ms(s.median(load)), s.median(load) / bare, base, "≤ 0.7"]);
    rows.push([
      "cold start",
      `${name}: load + first call`,
      ms(s.median(load) + s.median(first)),
      (s.median(load) + s.median(first)) / bare,
      base,
      "",
    ]);
    rows.push([
      "cold start",
      `${name}: whole process`,
      ms(s.median(wall)),
      s.median(wall) / node0,
      `node -e 0 ${ms(node0)}`,
      "",
    ]);
  }
}

async function sizes(built: s.Built, root: string): Promise<void> {
  const baseline = await s.archiveSize(join(root, "default-createUpload"));
  const base = `default packing ${kb(baseline.zipped)} zip, ${kb(baseline.unzipped)}`;
  for (const f of built.functions) {
    await s.layOutArchive(f.indexJs, f.folders, join(root, "size", f.name));
    const size = await s.archiveSize(join(root, "size", f.name));
    rows.push(["size", `${f.name} zipped`, kb(size.zipped), size.zipped / baseline.zipped, base, "≤ 0.05"]);
    rows.push(["size", `${f.name} unzipped`, kb(size.unzipped), size.unzipped / baseline.unzipped, base, "≤ 0.05"]);
  }
  const layer = await s.archiveSize(join(root, "opt"));
  rows.push(["size", "SDK layer zipped", kb(layer.zipped), layer.zipped / baseline.zipped, base, ""]);
  rows.push(["size", "SDK layer unzipped", kb(layer.unzipped), layer.unzipped / baseline.unzipped, base, ""]);
}

/** p50 and p99 of `handler` and of `floor`, sampled alternately so that drift hits both alike. */
async function against(
  what: string,
  handler: () => Promise<unknown>,
  floor: () => Promise<unknown>,
  floorName: string,
) {
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
    rows.push(["latency", `${what} p${p}`, ms(hp), hp / fp, `${floorName} ${ms(fp)}`, goal]);
  }
}

async function latency(backends: Backends, fileId: string): Promise<void> {
  const deps = backends.deps;
  const call = async (method: string, path: string, body?: unknown) => {
    const { route, event } = apiEvent(method, path, body);
    const res = await handleApiEvent(route.handler as RouteHandler, event, { awsRequestId: "bench" }, deps);
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
  };
  const table = deps.config.tableName;
  let n = 0;
  await against(
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
    "GET /files/{id}",
    () => call("GET", `/files/${fileId}`),
    () => deps.db.send(new GetCommand({ TableName: table, Key: { id: keyNameFor(fileId) } })),
    "GetItem",
  );
}

async function throughput(): Promise<void> {
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
    rows.push([
      "throughput",
      "POST /uploads via npm start",
      rate(writes),
      writes.perSecond / dynWrites.perSecond,
      `dynalite PutItem ${rate(dynWrites)}`,
      "≥ 0.5",
    ]);
    rows.push([
      "throughput",
      "GET /files/{id} via npm start",
      rate(reads),
      reads.perSecond / dynReads.perSecond,
      `dynalite GetItem ${rate(dynReads)}`,
      "≥ 0.5",
    ]);
    raw.destroy();
  } finally {
    await dynalite.stop();
    agent.destroy();
  }
}

function table(): string {
  const lines = ["| section | measured | value | ratio | baseline (same run) | goal |", "|---|---|---|---|---|---|"];
  for (const [section, what, measured, ratio, baseline, goal] of rows) {
    lines.push(
      `| ${section} | ${what} | ${measured} | ${ratio.toFixed(ratio < 0.1 ? 3 : 2)}× | ${baseline} | ${goal} |`,
    );
  }
  return lines.join("\n");
}

/** The local servers' config here (sizes and limits do not matter). */
const CONFIG: RuntimeConfig = s.benchConfig();

async function main(): Promise<void> {
  const started = Date.now();
  const built = await s.buildProgram();
  const root = await mkdtemp(join(tmpdir(), "fileshare-bench-"));
  try {
    const backends = await startBackends({ config: CONFIG });
    try {
      const { route, event } = apiEvent("POST", "/uploads", UPLOAD);
      const created = await handleApiEvent(
        route.handler as RouteHandler,
        event,
        { awsRequestId: "bench" },
        backends.deps,
      );
      const fileId = (JSON.parse(created.body) as { id: string }).id;
      // A file ready to download: its record says available (no bytes needed for signing a GET).
      await backends.deps.db.send(
        new UpdateCommand({
          TableName: CONFIG.tableName,
          Key: { id: keyNameFor(fileId) },
          UpdateExpression: "SET #s = :a",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":a": "available" },
        }),
      );
      await coldStarts(built, root, backends, fileId);
      await sizes(built, root);
      await latency(backends, fileId);
    } finally {
      await backends.close();
    }
    await throughput();
    rows.push(...(await benchStartup()));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}, ${hostname()}`;
  const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const results = { date, machine, seconds: (Date.now() - started) / 1000, rows };
  await writeFile(join(__dirname, "results.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`fileshare bench, ${date}, ${machine}, ${results.seconds.toFixed(0)} s\n`);
  console.log(table());
  await benchMultipart(); // the CLI's multipart rows: its own servers, printed after the table
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
