// `npm run bench`: latency of the handlers against the local servers, as ratios to a baseline measured in the
// same run (one raw DynamoDB GetItem), because these machines are noisy; and each Lambda archive's size.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { startBackends } from "../local/backends";
import { Api, bytesOf, testConfig } from "../tests/support/harness";
import { buildFunctions, layOut } from "../tests/lambda/archive";
import { benchMultipart } from "./multipart";

process.env["FILESHARE_LOG_LEVEL"] = "silent";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await fn(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(n / 2)]!; // median, ms
}

/** Size of a folder as a zip archive would be: every file deflated, plus zip's per-file headers. */
function zippedSize(dir: string): { zipped: number; unzipped: number } {
  let zipped = 22;
  let unzipped = 0;
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else {
        const data = readFileSync(path);
        unzipped += data.length;
        zipped += deflateRawSync(data).length + 30 + 46 + 2 * (prefix.length + name.length);
      }
    }
  };
  walk(dir, "");
  return { zipped, unzipped };
}

async function main(): Promise<void> {
  const backends = await startBackends({ config: testConfig({ maxFileSizeBytes: 8 * 1024 * 1024 }) });
  const api = new Api(backends);
  const n = 200;
  try {
    const { id } = await api.share(bytesOf(1024));
    const baseline = await timeEach(n, () =>
      backends.deps.db.send(new GetCommand({ TableName: backends.deps.config.tableName, Key: { id } })),
    );
    const rows: [string, number][] = [
      ["GET /files/{id}", await timeEach(n, () => api.request("GET", `/files/${id}`))],
      ["POST /uploads", await timeEach(n, () => api.createUpload())],
      ["POST /files/{id}/download", await timeEach(n, () => api.request("POST", `/files/${id}/download`))],
      ["share 1 MiB (create + PUT + confirm)", await timeEach(20, () => api.share(bytesOf(1024 * 1024)))],
    ];
    console.log(`baseline: one DynamoDB GetItem on dynalite, median ${baseline.toFixed(2)} ms over ${n}`);
    console.log("| operation | median ms | ratio to baseline |\n|---|---|---|");
    for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(2)} | ${(ms / baseline).toFixed(1)}x |`);
  } finally {
    await backends.close();
  }

  const root = await mkdtemp(join(tmpdir(), "fileshare-bench-"));
  try {
    console.log("\n| Lambda function | archive zipped | unzipped |\n|---|---|---|");
    for (const fn of await buildFunctions("dev")) {
      await layOut(fn, join(root, fn.name));
      const { zipped, unzipped } = zippedSize(join(root, fn.name));
      const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MB`;
      console.log(`| ${fn.name} | ${mb(zipped)} | ${mb(unzipped)} |`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  await benchMultipart();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
