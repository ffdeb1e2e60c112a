// Counts, in an instrumented local run, the AWS calls each flow of a share makes, and holds them to the table
// declared by hand in scripts/capacity/flows.ts (which the capacity calculator prices). A new call on the hot
// path fails this test until the table is changed on purpose. Real parts: dynalite and the patched s3rver over
// HTTP, the handlers as Lambda runs them (API Gateway proxy events), the real EventBridge client against a
// recorder. Stand-in: a token verifier that accepts one test token (what sign-in costs is Cognito's, not ours).
import assert from "node:assert/strict";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { APIGatewayProxyResult } from "aws-lambda";
import { eventBridgeSink } from "../../handlers/auditEventBridge";
import { runCleanup } from "../../handlers/cleanup";
import { createS3Client } from "../../handlers/clients";
import { handleApiEvent } from "../../handlers/http";
import { createLogger } from "../../handlers/log";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { ROUTES } from "../../handlers/api";
import { matchPath } from "../../handlers/matchPath";
import { Backends, startBackends } from "../../local/backends";
import { proxyEvent } from "../../local/events";
import { FLOWS, STEPS, StepCalls, StepName, total } from "../../scripts/capacity/flows";
import { EventBridgeRecorder } from "../support/eventBridgeRecorder";
import { bytesOf, testConfig } from "../support/harness";
import { instrumentDynamo, Meter, S3Counter } from "./measure";

const MIB = 1024 * 1024;
const TOKEN = "test.signed-in.token";
const log = createLogger({ test: "capacity" });

/** Drops zero entries, so that `{}` and `{ x: 0 }` compare equal. */
function normal(step: StepCalls): StepCalls {
  const clean = (bag: Record<string, number>) => Object.fromEntries(Object.entries(bag).filter(([, v]) => v !== 0));
  return {
    ...step,
    lambda: clean(step.lambda),
    dynamodb: clean(step.dynamodb),
    indexWru: clean(step.indexWru),
    s3: clean(step.s3),
  };
}

describe("capacity: the AWS calls of each flow, measured against the declared table", () => {
  let backends: Backends;
  const meter = new Meter();
  const recorder = new EventBridgeRecorder();
  let s3Counter: S3Counter;
  /** What each flow measured, step by step (printed with CAPACITY_REPORT=1 for docs/capacity.md). */
  const measured: Record<string, { steps: StepName[]; calls: StepCalls }[]> = {};

  before(async () => {
    backends = await startBackends({
      config: testConfig({
        maxFileSizeBytes: 100 * MIB,
        multipartThresholdBytes: 5 * MIB,
        multipartPartSizeBytes: 5 * MIB,
      }),
      onObjectCreated: (event) =>
        meter.invoke("objectCreated", () => handleObjectCreated(event, { awsRequestId: "s3" }, backends.deps)),
    });
    const deps = backends.deps;
    s3Counter = new S3Counter(backends.sdkEnvironment["AWS_ENDPOINT_URL_S3"]!, meter);
    const s3Endpoint = await s3Counter.start();
    deps.s3 = createS3Client({
      region: "us-east-1",
      credentials: backends.credentials,
      endpoint: s3Endpoint,
      forcePathStyle: true,
    });
    deps.db = await instrumentDynamo(
      deps,
      backends.sdkEnvironment["AWS_ENDPOINT_URL_DYNAMODB"]!,
      backends.credentials,
      meter,
    );
    const busEndpoint = await recorder.start();
    const client = new EventBridgeClient({
      region: "us-east-1",
      credentials: backends.credentials,
      endpoint: busEndpoint,
    });
    const sink = eventBridgeSink(client, "fileshare-test-audit", "fileshare.test");
    deps.audit = {
      send: async (event) => {
        meter.current.putEvents++;
        await sink.send(event);
      },
    };
    deps.verifyToken = async (token) => {
      if (token !== TOKEN) throw new Error("not the test token");
      return { sub: "owner-1", email: "owner@example.com", email_verified: "true" };
    };
  });
  after(async () => {
    await backends?.close();
    await s3Counter?.close();
    await recorder.close();
    if (process.env["CAPACITY_REPORT"]) {
      process.stdout.write(JSON.stringify({ measured, durationsMs: meter.durations }, null, 1) + "\n");
    }
  });

  /** One API request through the route's handler as its Lambda function runs it, counted and timed. */
  async function call(
    method: string,
    path: string,
    options: { body?: unknown; signedIn?: boolean; claims?: boolean; deleteToken?: string } = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<APIGatewayProxyResult & { json: any }> {
    const route = ROUTES.find((r) => r.method === method && matchPath(r.path, path) !== undefined)!;
    meter.current.api++;
    const event = proxyEvent({
      method,
      path,
      resource: route.path,
      pathParameters: matchPath(route.path, path) ?? {},
      headers: {
        host: "api.test",
        "x-forwarded-proto": "https",
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(options.signedIn ? { authorization: `Bearer ${TOKEN}` } : {}),
        ...(options.deleteToken ? { "x-delete-token": options.deleteToken } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (options.claims) {
      // What API Gateway's Cognito authorizer hands a route that requires sign-in.
      event.requestContext.authorizer = { claims: { sub: "owner-1", email: "owner@example.com" } };
    }
    const result = await meter.invoke(route.name, () =>
      handleApiEvent(route.handler, event, { awsRequestId: "capacity" }, backends.deps),
    );
    return { ...result, json: result.body ? JSON.parse(result.body) : {} };
  }

  /** Runs `action` and records what it cost, as the sum of the declared steps it stands for. */
  async function step(flow: string, steps: StepName[], action: () => Promise<void>): Promise<void> {
    meter.take();
    await action();
    await backends.idle();
    (measured[flow] ??= []).push({ steps, calls: normal(meter.take()) });
  }

  /** Holds every measured step of the flow to the declared table, and the flow to its declared steps. */
  function assertFlow(flow: string): void {
    const got = measured[flow]!;
    assert.deepEqual(
      got.map((m) => ({ steps: m.steps.join(" + "), calls: m.calls })),
      got.map((m) => ({ steps: m.steps.join(" + "), calls: normal(total(m.steps.map((s) => STEPS[s]))) })),
      `${flow}: a step made other calls than scripts/capacity/flows.ts declares`,
    );
    if (FLOWS[flow] !== undefined)
      assert.deepEqual(
        got.flatMap((m) => m.steps),
        FLOWS[flow],
      );
  }

  const put = async (url: string, headers: Record<string, string>, body: Buffer) => {
    const answer = await fetch(url, { method: "PUT", headers, body: new Uint8Array(body) });
    assert.equal(answer.status, 200, await answer.text());
  };
  const get = async (url: string) => {
    const answer = await fetch(url);
    assert.equal(answer.status, 200);
    await answer.arrayBuffer();
  };
  const downloads = async (flow: string, id: string) => {
    for (let i = 0; i < 3; i++) {
      await step(flow, ["download"], async () => {
        const d = await call("POST", `/files/${id}/download`);
        assert.equal(d.statusCode, 200, d.body);
        await get(d.json.downloadUrl);
      });
    }
  };

  it("single PUT: create, PUT, confirm, view, 3 downloads, delete", async () => {
    const flow = "single PUT: create, PUT, confirm, view, 3 downloads, delete";
    const bytes = bytesOf(11);
    let created: Awaited<ReturnType<typeof call>> | undefined;
    await step(flow, ["create"], async () => {
      created = await call("POST", "/uploads", {
        body: { fileName: "a.pdf", contentType: "application/pdf", size: bytes.length },
      });
      assert.equal(created.statusCode, 201, created.body);
    });
    const { id, uploadUrl, headers, deleteToken } = created!.json;
    await step(flow, ["put", "confirm"], () => put(uploadUrl, headers, bytes));
    await step(flow, ["view"], async () => assert.equal((await call("GET", `/files/${id}`)).statusCode, 200));
    await downloads(flow, id);
    await step(flow, ["delete"], async () => {
      const d = await call("DELETE", `/files/${id}`, { deleteToken });
      assert.equal(d.statusCode, 204, d.body);
    });
    assertFlow(flow);
  });

  it("multipart of 10 parts: create, sign, 10 parts, complete, confirm, view, 3 downloads, delete", async () => {
    const flow = "multipart (10 parts): create, sign, 10 parts, complete, confirm, view, 3 downloads, delete";
    const size = 10 * 5 * MIB;
    let created: Awaited<ReturnType<typeof call>> | undefined;
    await step(flow, ["createMultipart"], async () => {
      created = await call("POST", "/uploads", {
        body: { fileName: "big.bin", contentType: "application/octet-stream", size },
      });
      assert.equal(created.statusCode, 201, created.body);
    });
    const { id, deleteToken } = created!.json;
    const partNumbers = Array.from({ length: 10 }, (_, i) => i + 1);
    let signed: { partNumber: number; url: string; headers: Record<string, string> }[] = [];
    await step(flow, ["signParts"], async () => {
      const s = await call("POST", `/uploads/${id}/parts`, {
        body: { parts: partNumbers.map((partNumber) => ({ partNumber })) },
        deleteToken,
      });
      assert.equal(s.statusCode, 200, s.body);
      signed = s.json.parts;
    });
    const part = bytesOf(5 * MIB);
    const etags: string[] = [];
    await step(flow, ["uploadParts"], async () => {
      for (const p of signed) {
        const answer = await fetch(p.url, { method: "PUT", headers: p.headers, body: new Uint8Array(part) });
        assert.equal(answer.status, 200);
        etags.push(answer.headers.get("etag")!);
      }
    });
    await step(flow, ["complete", "confirmMultipart"], async () => {
      const c = await call("POST", `/uploads/${id}/complete`, {
        body: { parts: partNumbers.map((partNumber, i) => ({ partNumber, etag: etags[i] })) },
        deleteToken,
      });
      assert.equal(c.statusCode, 200, c.body);
    });
    await step(flow, ["view"], async () => assert.equal((await call("GET", `/files/${id}`)).statusCode, 200));
    await downloads(flow, id);
    await step(flow, ["delete"], async () => {
      const d = await call("DELETE", `/files/${id}`, { deleteToken });
      assert.equal(d.statusCode, 204, d.body);
    });
    assertFlow(flow);
  });

  it("expiry: create, PUT, confirm, then one clean-up run removes it", async () => {
    const flow = "expiry: create, PUT, confirm, then removed by a clean-up run";
    const bytes = bytesOf(11);
    let created: Awaited<ReturnType<typeof call>> | undefined;
    await step(flow, ["create"], async () => {
      created = await call("POST", "/uploads", {
        body: { fileName: "a.pdf", contentType: "application/pdf", size: bytes.length },
      });
      assert.equal(created.statusCode, 201, created.body);
    });
    const { uploadUrl, headers } = created!.json;
    await step(flow, ["put", "confirm"], () => put(uploadUrl, headers, bytes));
    const lifetime = backends.deps.config.defaultShareTtlSeconds;
    const later = { ...backends.deps, now: () => new Date(Date.now() + (lifetime + 1) * 1000) };
    await step(flow, ["cleanupIdle", "expire"], async () => {
      const report = await meter.invoke("cleanup", () => runCleanup(later, { limit: 100, log }));
      assert.deepEqual(
        report.removed.map((r) => r.reason),
        ["expired"],
      );
    });
    assertFlow(flow);
  });

  it("an idle clean-up run (nothing due, nothing stored) reads every shard once and lists the bucket once", async () => {
    await step("idle clean-up run", ["cleanupIdle"], async () => {
      const report = await meter.invoke("cleanup", () => runCleanup(backends.deps, { limit: 100, log }));
      assert.equal(report.removed.length, 0);
    });
    assertFlow("idle clean-up run");
  });

  it("signed in: create, PUT, confirm, download, list", async () => {
    const flow = "signed in: create, PUT, confirm, download, list";
    const bytes = bytesOf(11);
    let created: Awaited<ReturnType<typeof call>> | undefined;
    await step(flow, ["createSignedIn"], async () => {
      created = await call("POST", "/uploads", {
        body: { fileName: "mine.pdf", contentType: "application/pdf", size: bytes.length },
        signedIn: true,
      });
      assert.equal(created.statusCode, 201, created.body);
    });
    const { id, uploadUrl, headers } = created!.json;
    await step(flow, ["put", "confirmSignedIn"], () => put(uploadUrl, headers, bytes));
    await step(flow, ["downloadOwned"], async () => {
      const d = await call("POST", `/files/${id}/download`);
      assert.equal(d.statusCode, 200, d.body);
      await get(d.json.downloadUrl);
    });
    await step(flow, ["list"], async () => {
      const listed = await call("GET", "/files", { claims: true });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.equal(listed.json.files[0]?.id, id);
    });
    assertFlow(flow);
  });
});
