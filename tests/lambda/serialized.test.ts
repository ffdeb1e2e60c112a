import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyResult } from "aws-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { fromEnvironment } from "../../config/runtime";
import type { CleanupReport } from "../../handlers/cleanup";
import { headObject } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { pageResponse } from "../../handlers/page";
import { API_DOCUMENT_JSON, ROUTES } from "../../handlers/api";
import { matchPath } from "../../handlers/matchPath";
import { Backends, startBackends } from "../../local/backends";
import { proxyEvent } from "../../local/events";
import { bytesOf } from "../support/harness";
import { EventBridgeRecorder } from "../support/eventBridgeRecorder";
import { leaks, wholeFlow } from "../support/flow";
import {
  buildFunctions,
  BuiltFunction,
  BuiltLayer,
  LambdaProcess,
  layOut,
  layOutLayer,
  requiredNames,
  unresolved,
} from "./archive";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

/** Exit code of `node -e code` run in `dir` with an environment of NODE_PATH (the layer) only. */
function nodeExit(dir: string, nodePath: string, code: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", code], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", NODE_PATH: nodePath },
      stdio: "ignore",
    });
    child.on("close", resolve);
  });
}

// The code Lambda would run: each CallbackFunction's archive as Pulumi serialized it under mocks (dev config),
// laid out alone outside the project next to the SDK layer the program built (on NODE_PATH, as Lambda's
// /opt/nodejs/node_modules), and executed by plain Node against local S3 and DynamoDB servers.
// Not proven here: the Lambda service itself (its runtime, IAM enforcement, the real S3 event delivery).
describe("The serialized Lambda code, run from its archive and the SDK layer alone in fresh Node processes", function () {
  this.timeout(120_000);
  let functions: BuiltFunction[];
  let layer: BuiltLayer;
  let layerModules: string;
  let root: string;
  let backends: Backends;
  const lambdas: Record<string, LambdaProcess> = {};
  // Where the functions' EventBridge client sends (AWS_ENDPOINT_URL_EVENTBRIDGE): it records the audit events.
  const eventBridge = new EventBridgeRecorder();

  before(async function () {
    // Serializing seven functions under mocks in a child process takes ~35 s on a loaded 2-core machine.
    this.timeout(300_000);
    ({ functions, layer } = await buildFunctions("dev"));
    root = await mkdtemp(join(tmpdir(), "fileshare-lambda-"));
    layerModules = await layOutLayer(layer.files, join(root, "opt"));
    const first = functions[0]!;
    backends = await startBackends({
      config: fromEnvironment(first.environment),
      onObjectCreated: (event) => lambdas["objectCreated"]!.invoke(event),
    });
    const eventBridgeEndpoint = await eventBridge.start();
    for (const fn of functions) {
      const dir = join(root, fn.name);
      await layOut(fn, dir);
      lambdas[fn.name] = new LambdaProcess(
        dir,
        { ...fn.environment, ...backends.sdkEnvironment, AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeEndpoint },
        layerModules,
      );
    }
  });

  after(async () => {
    for (const lambda of Object.values(lambdas)) lambda.stop();
    await eventBridge.close();
    await backends?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Invokes a route's serialized function with the proxy event API Gateway would send. */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const route = ROUTES.find((r) => r.method === method && matchPath(r.path, path))!;
    const event = proxyEvent({
      method,
      path,
      resource: route.path,
      pathParameters: matchPath(route.path, path)!,
      headers: {
        host: "abc.execute-api.eu-west-1.amazonaws.com",
        "x-forwarded-proto": "https",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      stage: "dev",
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const result = (await lambdas[route.name]!.invoke(event)) as APIGatewayProxyResult;
    return {
      status: result.statusCode,
      headers: result.headers ?? {},
      body: result.body,
      json: result.body ? safeJson(result.body) : undefined,
    };
  }

  it("has one function per route plus the S3 handler and the clean-up", () => {
    assert.deepEqual(
      functions.map((f) => f.name).sort(),
      [...ROUTES.map((r) => r.name), "objectCreated", "cleanup"].sort(),
    );
  });

  it("packs only runtime dependencies: no @pulumi, no tooling, no test servers", () => {
    for (const fn of functions) {
      for (const folder of fn.folders) {
        assert.doesNotMatch(
          folder,
          /@pulumi|typescript|ts-node|mocha|eslint|prettier|s3rver|dynalite|playwright|patch-package|esbuild|yaml$/,
          `${fn.name}: ${folder}`,
        );
      }
    }
  });

  it("packs no SDK into any archive: the data functions attach the layer and carry jose, routes that need nothing have neither", () => {
    assert.deepEqual(
      ROUTES.filter((r) => r.needs === "none")
        .map((r) => r.name)
        .sort(),
      ["getConfig", "openapi", "page"],
    );
    for (const fn of functions) {
      const needsNothing = ROUTES.find((r) => r.name === fn.name)?.needs === "none";
      // jose (token checks) is no SDK package: the layer lacks it, so an archive whose code requires it carries it.
      const usesJose = /require\("jose[/"]/.test(fn.indexJs);
      if (needsNothing) assert.equal(usesJose, false, `${fn.name} verifies no token`);
      assert.deepEqual(fn.folders, usesJose ? ["node_modules/jose"] : [], `${fn.name}: __index.js and jose at most`);
      if (needsNothing) assert.deepEqual(fn.layers, [], `${fn.name} reads no data: no layer`);
      else assert.deepEqual(fn.layers, [layer.arn], `${fn.name} attaches the SDK layer`);
    }
  });

  it("resolves every require of every __index.js, and every SDK name it reads, from its archive and the layer alone", async () => {
    for (const fn of functions) {
      const required = requiredNames(fn.indexJs);
      if (ROUTES.find((r) => r.name === fn.name)?.needs !== "none") {
        assert.ok(required["@aws-sdk/client-s3/dist-cjs/index.js"]?.includes("S3Client"), fn.name);
        // Every data function builds its audit sink at cold start (handlers/clients.ts): the layer must carry it.
        assert.deepEqual(
          required["@aws-sdk/client-eventbridge/dist-cjs/index.js"],
          ["EventBridgeClient", "PutEventsCommand"],
          fn.name,
        );
      } else {
        assert.ok(!Object.keys(required).some((m) => m.startsWith("@aws-sdk/")), `${fn.name} requires no SDK`);
      }
      assert.deepEqual(await unresolved(join(root, fn.name), layerModules, required), [], fn.name);
    }
  });

  it("reports a name the layer lacks as missing (it would be undefined in Lambda, not an error)", async () => {
    const modules = await layOutLayer(
      {
        ...layer.files,
        "nodejs/node_modules/@aws-sdk/s3-request-presigner/dist-cjs/index.js": "module.exports = {};",
      },
      join(root, "opt-lacking"),
    );
    const createUpload = functions.find((f) => f.name === "createUpload")!;
    assert.deepEqual(await unresolved(join(root, "createUpload"), modules, requiredNames(createUpload.indexJs)), [
      "@aws-sdk/s3-request-presigner/dist-cjs/index.js: getSignedUrl",
    ]);
  });

  it("captures no deploy-time values in the code: bucket and table names come from the environment", () => {
    const config = fromEnvironment(functions[0]!.environment);
    for (const fn of functions) {
      assert.ok(!fn.indexJs.includes(config.bucketName), `${fn.name} has the bucket name in its code`);
      assert.ok(!fn.indexJs.includes(config.tableName), `${fn.name} has the table name in its code`);
      assert.doesNotMatch(fn.indexJs, /S3RVER|AWS_SECRET|aws_secret_access_key/i);
    }
  });

  it("resolves the SDK from the layer and nothing of the project's from the laid-out folder", async () => {
    const dir = join(root, "createUpload");
    assert.equal(await nodeExit(dir, layerModules, "require('@aws-sdk/client-s3')"), 0);
    assert.notEqual(await nodeExit(dir, "", "require('@aws-sdk/client-s3')"), 0, "without the layer: no SDK");
    assert.notEqual(await nodeExit(dir, layerModules, "require('@smithy/core')"), 0, "only the stubs resolve");
    assert.notEqual(await nodeExit(dir, layerModules, "require('esbuild')"), 0);
    assert.notEqual(await nodeExit(dir, layerModules, "require('typescript')"), 0);
    assert.notEqual(await nodeExit(dir, layerModules, "require('@pulumi/pulumi')"), 0);
  });

  it("shares a file end to end: upload URL, PUT to S3, S3 event confirms, metadata, download, delete", async () => {
    const bytes = bytesOf(4096);
    const created = await call("POST", "/uploads", {
      fileName: "naïve.bin",
      contentType: "application/octet-stream",
      size: bytes.length,
      maxDownloads: 2,
    });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json.shareUrl, `https://abc.execute-api.eu-west-1.amazonaws.com/dev/files/${created.json.id}`);

    const put = await fetch(created.json.uploadUrl, {
      method: "PUT",
      headers: created.json.headers,
      body: new Uint8Array(bytes),
    });
    assert.equal(put.status, 200);
    await backends.idle(); // the serialized objectCreated function has handled the S3 event

    const meta = await call("GET", `/files/${created.json.id}`);
    assert.equal(meta.status, 200);
    assert.equal(meta.json.status, "available");
    assert.equal(meta.json.downloadsRemaining, 2);

    const download = await call("POST", `/files/${created.json.id}/download`);
    assert.equal(download.status, 200);
    assert.equal(download.json.downloadsRemaining, 1);
    const got = await fetch(download.json.downloadUrl);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    assert.match(got.headers.get("content-disposition") ?? "", /filename\*=UTF-8''na%C3%AFve\.bin/);

    const wrong = await call("DELETE", `/files/${created.json.id}`, undefined, { "x-delete-token": "nope" });
    assert.equal(wrong.status, 403);
    const deleted = await call("DELETE", `/files/${created.json.id}`, undefined, {
      "x-delete-token": created.json.deleteToken,
    });
    assert.equal(deleted.status, 204);
    assert.equal((await call("GET", `/files/${created.json.id}`)).status, 404);

    // The audit events went out through the layer's EventBridge client, to the bus and source in the environment.
    const config = functions.find((f) => f.name === "createUpload")!.environment;
    const mine = eventBridge
      .entries()
      .filter((e) => JSON.parse(e.Detail).file === backends.deps.fingerprint(keyNameFor(created.json.id)));
    assert.deepEqual(
      mine.map((e) => [e.EventBusName, e.Source, e.DetailType]),
      [
        [config["FILESHARE_AUDIT_BUS_NAME"], "fileshare.dev", "Share Created"],
        [config["FILESHARE_AUDIT_BUS_NAME"], "fileshare.dev", "Share Confirmed"],
        [config["FILESHARE_AUDIT_BUS_NAME"], "fileshare.dev", "Share Downloaded"],
        [config["FILESHARE_AUDIT_BUS_NAME"], "fileshare.dev", "Share Deleted"],
      ],
    );
    assert.equal(config["FILESHARE_AUDIT_BUS_NAME"], "fileshare-dev-audit");
    assert.ok(!JSON.stringify(mine).includes(created.json.id), "no id in the events");
  });

  it("maps errors to docs/api.md bodies inside the serialized code (the error helpers survive serialization)", async () => {
    const bad = await call("POST", "/uploads", { fileName: "a", contentType: "nope", size: 1 });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "InvalidRequest");
    assert.match(bad.json.error.message, /not a valid MIME type/);
  });

  it("logs a whole flow and every error path in the serialized functions with no id, token or URL signature", async () => {
    const before = Object.fromEntries(Object.entries(lambdas).map(([n, l]) => [n, l.logs.length]));
    const secrets = await wholeFlow({ call, idle: () => backends.idle() });
    const text = Object.entries(lambdas)
      .flatMap(([n, l]) => l.logs.slice(before[n]))
      .join("\n");
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    assert.ok(lines.length >= 25, `the flow is logged (${lines.length} lines)`);
    assert.deepEqual(leaks(text, secrets), [], "secrets found in the serialized functions' logs");
    assert.match(text, /"route":"\/files\/\{id\}\/download"/, "request lines carry the route template");
    // The same fields as the local gateway's lines (tests/local/requestLogs.test.ts), in Lambda's own code.
    const finished = lines.map((l) => JSON.parse(l)).filter((e) => e.message === "request finished");
    assert.ok(finished.length >= 20, `${finished.length} request lines`);
    for (const e of finished) {
      assert.deepEqual(Object.keys(e).sort(), [
        "caller",
        "callerType",
        "latencyMs",
        "level",
        "message",
        "method",
        "requestId",
        "route",
        "status",
        "time",
      ]);
    }
    console.log(`      serialized log scan: ${lines.length} lines, 0 secrets found`);
  });

  it("serves the web page from the page function, with the page text inside the code", async () => {
    const page = await call("GET", "/");
    assert.equal(page.status, 200);
    assert.match(String(page.headers["Content-Type"]), /text\/html/);
    const config = fromEnvironment(functions[0]!.environment);
    const bucketOrigin = new URL(backends.sdkEnvironment["AWS_ENDPOINT_URL_S3"]!).origin;
    assert.equal(page.body, pageResponse({ config, bucketOrigin }).body, "the same page the project serves locally");
    // The dev stack signs in: the page also fetches tokens from the sign-in domain's token endpoint, and only there.
    assert.ok(config.authTokenEndpoint !== "", "the dev stack signs in (Pulumi.dev.yaml)");
    const tokenOrigin = new URL(config.authTokenEndpoint).origin;
    assert.ok(
      String(page.headers["Content-Security-Policy"]).includes(`connect-src 'self' ${bucketOrigin} ${tokenOrigin};`),
      "the CSP allows the API, exactly the S3 endpoint the function's pre-signed URLs point at, and the token endpoint",
    );
    assert.match(page.body, new RegExp(`"maxShareTtlSeconds":${config.maxShareTtlSeconds}[,}]`), "the stack's limits");
  });

  it("serves the OpenAPI document from the openapi function: the route table's document, with the stage's base URL", async () => {
    const served = await call("GET", "/openapi.json");
    assert.equal(served.status, 200);
    const { servers, ...document } = served.json;
    assert.deepEqual(servers, [{ url: "https://abc.execute-api.eu-west-1.amazonaws.com/dev/" }]);
    assert.deepEqual(document, JSON.parse(API_DOCUMENT_JSON));
  });

  it("runs the clean-up from its archive: a due share's object and record are removed, and it says so by fingerprint", async () => {
    const deps = backends.deps;
    const id = deps.random(16);
    const key = fileKeyFor(id);
    const past = Math.floor(Date.now() / 1000) - 5;
    // A share that expired 5 s ago, written as createUpload and the S3 event would have left it (the real clock
    // runs in the child process, so the share is made due rather than the clock moved).
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: {
          id: keyNameFor(id),
          fileKey: key,
          fileName: "a.bin",
          contentType: "application/octet-stream",
          size: 3,
          status: "available",
          createdAt: new Date(past * 1000 - 60_000).toISOString(),
          expiresAt: new Date(past * 1000).toISOString(),
          expiresAtEpoch: past,
          downloads: 0,
          deleteTokenHash: "00",
          sweepShard: "live",
          sweepAtEpoch: past,
        },
      }),
    );
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.config.bucketName, Key: key, Body: bytesOf(3) }));
    await backends.idle();
    assert.ok(await headObject(deps, key), "the object is there before the run");
    const report = (await lambdas["cleanup"]!.invoke({ "detail-type": "Scheduled Event" })) as CleanupReport;
    assert.deepEqual(
      report.removed.filter((r) => r.file === deps.fingerprint(keyNameFor(id))).map((r) => r.reason),
      ["expired"],
    );
    assert.equal(report.failed, 0);
    assert.equal(await getRecord(deps, keyNameFor(id)), undefined);
    assert.equal(await headObject(deps, key), undefined);
    assert.ok(!lambdas["cleanup"]!.logs.some((l) => l.includes(id)), "the id never appears in the logs in clear");
    const removed = eventBridge.entries().filter((e) => JSON.parse(e.Detail).file === deps.fingerprint(keyNameFor(id)));
    assert.deepEqual(
      removed.map((e) => [e.DetailType, JSON.parse(e.Detail).reason]),
      [["Share Removed", "expired"]],
      "the clean-up function sent the share.removed event",
    );
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
