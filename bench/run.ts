// `npm run bench`: one bounded run, ratios only, each against a baseline measured in the same run because these
// machines are noisy. Prints one table and writes bench/results.json (ignored by git). One file per benchmark:
//   coldStart.ts   fresh Node per run: a function's laid-out code + the SDK layer, then its first call
//   sizes.ts       each archive and the layer, zipped and unzipped, vs default packing
//   latency.ts     handlers in-process vs the bare SDK calls they make (p50, p99)
//   throughput.ts  POST /uploads and GET /files/{id} at concurrency 32 through npm start vs bare dynalite
//   startup.ts     `npm start` to its first and its "running" line, vs the same program through ts-node
//   peers.ts       the CLI's upload and download vs `aws s3 cp` and `rclone copyto` into the same local S3
//   encryption.ts  the CLI's upload --encrypt and decrypting download vs the same file in clear
//   page.ts        the page in Chromium uploading 512 MiB in parts, encrypted vs plain, and vs `fileshare upload`
//   pageDownload.ts the share view saving a 2 GiB encrypted file in Chromium vs plain: time and peak memory
// FILESHARE_BENCH_ONLY=<name>[,<name>] runs only those (e.g. peers); report.ts prints and saves the rows.
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RuntimeConfig } from "../config/runtime";
import { handleApiEvent, RouteHandler } from "../handlers/http";
import { keyNameFor } from "../handlers/ids";
import { startBackends } from "../local/backends";
import { coldStarts } from "./coldStart";
import { latency } from "./latency";
import { benchPage } from "./page";
import { benchPageDownload } from "./pageDownload";
import { benchPeers } from "./peers";
import { benchEncryption } from "./encryption";
import { report, Row } from "./report";
import { sizes } from "./sizes";
import { benchStartup } from "./startup";
import { throughput } from "./throughput";
import * as s from "./support";

process.env["FILESHARE_LOG_LEVEL"] = "silent";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

/** The local servers' config here (sizes and limits do not matter). */
const CONFIG: RuntimeConfig = s.benchConfig();
const ONLY = (process.env["FILESHARE_BENCH_ONLY"] ?? "").split(",").filter(Boolean);
const runs = (name: string) => ONLY.length === 0 || ONLY.includes(name);

/** The in-process benchmarks (cold start, sizes, latency) share one set of local servers and one share. */
async function inProcess(): Promise<Row[]> {
  const rows: Row[] = [];
  const built = await s.buildProgram();
  const root = await mkdtemp(join(tmpdir(), "fileshare-bench-"));
  try {
    const backends = await startBackends({ config: CONFIG });
    try {
      const { route, event } = s.apiEvent("POST", "/uploads", s.UPLOAD);
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
      if (runs("coldStart") || runs("sizes")) rows.push(...(await coldStarts(built, root, backends, fileId)));
      if (runs("sizes")) rows.push(...(await sizes(built, root)));
      if (runs("latency")) rows.push(...(await latency(backends, fileId)));
    } finally {
      await backends.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Row[] = [];
  if (runs("coldStart") || runs("sizes") || runs("latency")) rows.push(...(await inProcess()));
  if (runs("throughput")) rows.push(...(await throughput()));
  if (runs("startup")) rows.push(...(await benchStartup()));
  if (runs("peers")) rows.push(...(await benchPeers()));
  if (runs("encryption")) rows.push(...(await benchEncryption()));
  if (runs("page")) rows.push(...(await benchPage()));
  if (runs("pageDownload")) rows.push(...(await benchPageDownload()));
  await report(rows, started);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
