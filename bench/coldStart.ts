// `npm run bench`, cold start rows: a fresh Node per run: require of a function's laid-out code + the SDK layer,
// then its first call against local servers; vs a bare require of the SDK clients and vs `node -e 0`.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OTHER_ENV_NAMES, toEnvironment } from "../config/runtime";
import { Backends } from "../local/backends";
import { ratioOf, Row } from "./report";
import * as s from "./support";
import { apiEvent, ms, UPLOAD } from "./support";

const COLD_RUNS = 15;

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

export async function coldStarts(built: s.Built, root: string, backends: Backends, fileId: string): Promise<Row[]> {
  const rows: Row[] = [];
  const row = s.row;
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
    rows.push(row("cold start", `${name}: load`, ms(s.median(load)), ratioOf(s.median(load), bare), base, "≤ 0.7"));
    rows.push(
      row(
        "cold start",
        `${name}: load + first call`,
        ms(s.median(load) + s.median(first)),
        ratioOf(s.median(load) + s.median(first), bare),
        base,
        "",
      ),
    );
    rows.push(
      row(
        "cold start",
        `${name}: whole process`,
        ms(s.median(wall)),
        ratioOf(s.median(wall), node0),
        `node -e 0 ${ms(node0)}`,
        "",
      ),
    );
  }
  return rows;
}
