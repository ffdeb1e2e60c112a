// `npm run bench`: latency of the handlers against the local servers, as ratios to a baseline measured in the
// same run (one raw DynamoDB GetItem), because these machines are noisy; and each Lambda archive's size.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startBackends } from "../local/backends";
// The archives are built by running the program under the infra tests' Pulumi mocks: no other way exists here.
import { buildFunctions, layOut } from "../tests/lambda/archive";
import { BenchClient, benchConfig, bytesOf, medianMs, zippedSize } from "./support";

process.env["FILESHARE_LOG_LEVEL"] = "silent";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

async function main(): Promise<void> {
  const backends = await startBackends({ config: benchConfig() });
  const api = new BenchClient(backends);
  const n = 200;
  try {
    const { id } = await api.share(bytesOf(1024));
    const baseline = await medianMs(n, () =>
      backends.deps.db.send(new GetCommand({ TableName: backends.deps.config.tableName, Key: { id } })),
    );
    const rows: [string, number][] = [
      ["GET /files/{id}", await medianMs(n, () => api.request("GET", `/files/${id}`))],
      ["POST /uploads", await medianMs(n, () => api.createUpload())],
      ["POST /files/{id}/download", await medianMs(n, () => api.request("POST", `/files/${id}/download`))],
      ["share 1 MiB (create + PUT + confirm)", await medianMs(20, () => api.share(bytesOf(1024 * 1024)))],
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
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
