// Fault injection on every route: S3 or DynamoDB away (connection reset) or throttling, from each of the route's
// calls to that service on (mid-flow), through a proxy in front of the real local servers. The calls are counted
// on a run without faults first, so a route that gains or loses a call is still faulted at every one of them. Each request must end
// 503 Unavailable with the fixed docs/api.md body (or succeed after the SDK's own retry), leave nothing half-written,
// and the same request must succeed once the dependency is back.
import assert from "node:assert/strict";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { S3Event } from "aws-lambda";
import { createDocumentClient, createS3Client } from "../../handlers/clients";
import { unavailable } from "../../handlers/errors";
import { handleObjectCreated } from "../../handlers/objectCreated";
import { getRecord } from "../../handlers/store/records";
import { headObject } from "../../handlers/objects";
import { Backends, startBackends } from "../../local/backends";
import { Api, bytesOf, testConfig } from "../support/harness";
import { FaultKind, FaultProxy } from "../support/faults";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

type Service = "s3" | "dynamodb";
/** A route's request, run against the faulty dependencies; resolves with its HTTP status (200 for the event). */
type Run = (faulty: Api) => Promise<{ status: number; body?: string }>;
interface Case {
  route: string;
  success: number;
  prepare(api: Api): Promise<{ run: Run; check(failed: boolean): Promise<void> }>;
}

describe("Fault injection: S3 and DynamoDB away or throttling, mid-flow, on every route (real servers behind a proxy)", function () {
  this.timeout(180_000);
  let backends: Backends;
  let api: Api;
  let faulty: Api;
  const proxies = {} as Record<Service, FaultProxy>;
  /** S3 events are captured here for the objectCreated case, instead of being handled at once. */
  let captured: S3Event[] | undefined;
  const matrix: Record<string, Record<string, string>> = {};

  before(async () => {
    const holder: { backends?: Backends } = {};
    backends = await startBackends({
      config: testConfig(),
      onObjectCreated: async (event) => {
        if (captured) return void captured.push(event);
        await handleObjectCreated(event, { awsRequestId: "t" }, (holder.backends as Backends).deps);
      },
    });
    holder.backends = backends;
    api = new Api(backends);
    proxies.s3 = await FaultProxy.start(backends.s3.endpoint, "s3");
    proxies.dynamodb = await FaultProxy.start(backends.dynamo.endpoint, "dynamodb");
    const options = { region: "us-east-1", credentials: backends.credentials, maxAttempts: 2 };
    faulty = api.with({
      s3: createS3Client({ ...options, endpoint: proxies.s3.endpoint, forcePathStyle: true }),
      db: createDocumentClient({ ...options, endpoint: proxies.dynamodb.endpoint }),
    });
  });

  after(async () => {
    console.log("      fault matrix (route: fault -> outcome):");
    for (const [route, row] of Object.entries(matrix)) console.log(`        ${route}: ${JSON.stringify(row)}`);
    await proxies.s3?.close();
    await proxies.dynamodb?.close();
    await backends?.close();
  });

  const count = async () =>
    ((await backends.deps.db.send(new ScanCommand({ TableName: backends.deps.config.tableName }))).Items ?? []).length;

  const cases: Case[] = [
    {
      route: "POST /uploads",
      success: 201,
      prepare: async () => {
        const before = await count();
        return {
          run: (a) => a.createUpload(),
          check: async (failed) => assert.equal(await count(), before + (failed ? 0 : 1), "no record is half-written"),
        };
      },
    },
    {
      route: "GET /files/{id}",
      success: 200,
      prepare: async (a) => {
        const { id } = await a.share(bytesOf(11));
        return { run: (f) => f.request("GET", `/files/${id}`), check: async () => undefined };
      },
    },
    {
      route: "POST /files/{id}/download",
      success: 200,
      prepare: async (a) => {
        const { id } = await a.share(bytesOf(11), { maxDownloads: 5 });
        return {
          run: (f) => f.request("POST", `/files/${id}/download`),
          check: async (failed) =>
            assert.equal(
              (await getRecord(a.deps, keyNameFor(id)))?.downloads,
              failed ? 0 : 1,
              "a failed request uses no download",
            ),
        };
      },
    },
    {
      route: "DELETE /files/{id}",
      success: 204,
      prepare: async (a) => {
        const { id, deleteToken } = await a.share(bytesOf(11));
        return {
          run: (f) => f.request("DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } }),
          check: async (failed) => {
            const record = await getRecord(a.deps, keyNameFor(id));
            if (!failed) return assert.equal(record, undefined);
            // Either untouched, or marked deleting (gone for everyone; a retry finishes): never available without
            // its object.
            assert.ok(record, "the record stays until the object is gone");
            if (record.status === "available") assert.ok(await headObject(a.deps, fileKeyFor(id)));
            else assert.equal((await a.request("GET", `/files/${id}`)).status, 404);
          },
        };
      },
    },
    {
      route: "S3 ObjectCreated",
      success: 200,
      prepare: async (a) => {
        captured = [];
        const created = await a.createUpload({ size: 11 });
        const put = await fetch(created.json.uploadUrl, {
          method: "PUT",
          headers: created.json.headers,
          body: new Uint8Array(bytesOf(11)),
        });
        assert.equal(put.status, 200);
        const event = captured[0] as S3Event;
        captured = undefined;
        return {
          run: async (f) => {
            try {
              const outcomes = await handleObjectCreated(event, { awsRequestId: "t" }, f.deps);
              const ok = outcomes[0] === "confirmed" || outcomes[0] === "already-confirmed";
              return { status: ok ? 200 : 500, body: JSON.stringify(outcomes) };
            } catch {
              return { status: 503 }; // Lambda retries a failed event delivery
            }
          },
          check: async (failed) => {
            assert.equal(
              (await getRecord(a.deps, keyNameFor(created.json.id)))?.status,
              failed ? "pending" : "available",
            );
            assert.ok(await headObject(a.deps, created.json.fileKey), "the object is kept for the retried event");
          },
        };
      },
    },
  ];

  const faults: { name: string; service: Service; kind: FaultKind; times: number }[] = [
    { name: "S3 unreachable", service: "s3", kind: "down", times: Infinity },
    { name: "DynamoDB unreachable", service: "dynamodb", kind: "down", times: Infinity },
    { name: "DynamoDB throttling", service: "dynamodb", kind: "throttle", times: Infinity },
    { name: "DynamoDB throttles once", service: "dynamodb", kind: "throttle", times: 1 },
  ];

  /** The route's calls to each service on its success path, counted by the proxies on a run without faults. */
  async function countCalls(c: Case): Promise<Record<Service, number>> {
    const { run, check } = await c.prepare(api);
    proxies.s3.count();
    proxies.dynamodb.count();
    const reply = await run(faulty);
    assert.equal(reply.status, c.success, `the run without faults: ${reply.body}`);
    await check(false);
    return { s3: proxies.s3.seen, dynamodb: proxies.dynamodb.seen };
  }

  for (const c of cases) {
    it(`${c.route}: 503 with the docs/api.md body or retried to success, nothing half-written, works after recovery`, async () => {
      const expected = unavailable();
      const calls = await countCalls(c);
      assert.ok(calls.dynamodb > 0, "every route reads or writes its record");
      (matrix[c.route] ??= {})["calls"] = `S3 ${calls.s3}, DynamoDB ${calls.dynamodb}`;
      for (const fault of faults) {
        // From each of the route's calls to that service on; a service the route does not call cannot hurt it.
        for (let from = 0; from < Math.max(1, calls[fault.service]); from++) {
          const label = `${fault.name}${calls[fault.service] > 1 ? ` from call ${from + 1}` : ""}`;
          const { run, check } = await c.prepare(api);
          const proxy = proxies[fault.service];
          proxy.arm(fault.kind, from, fault.times);
          const reply = await run(faulty);
          proxy.heal();
          // A fault point the run never reached would pass without testing anything.
          if (calls[fault.service] > 0) assert.ok(proxy.injected > 0, `${label}: the fault was never injected`);
          else assert.equal(proxy.injected, 0, `${label}: the route called a service it did not call before`);
          const failed = reply.status !== c.success;
          if (failed) {
            assert.equal(reply.status, 503, `${label}: ${reply.body}`);
            if (c.route !== "S3 ObjectCreated") {
              assert.deepEqual(JSON.parse(reply.body ?? ""), {
                error: { code: "Unavailable", message: expected.message },
              });
            }
          } else if (calls[fault.service] > 0 && fault.times === Infinity) {
            assert.fail(`${label}: a dependency that never answers cannot give ${reply.status}`);
          }
          await check(failed);
          if (failed) {
            const again = await run(faulty);
            assert.equal(again.status, c.success, `${label}: the same request after recovery: ${again.body}`);
          }
          matrix[c.route]![label] = failed
            ? "503, then ok"
            : calls[fault.service] === 0
              ? "ok (no call)"
              : "retried, ok";
        }
      }
    });
  }
});
