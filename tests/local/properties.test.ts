// Property-based tests (fast-check) over every route through the local gateway, with the real handlers and real
// S3 and DynamoDB servers: generated methods, paths, ids, headers and bodies. Never a 5xx, never a crash, always
// the docs/api.md error shape with nosniff, and a refused request changes nothing stored. Seeded and bounded: a
// failure prints its seed and path; replay with FC_SEED=<seed> (and FC_PATH=<path>).
import assert from "node:assert/strict";
import { request } from "node:http";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import { Api, bytesOf, testConfig } from "../support/harness";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Uint8Array) {
  return new Promise<Answer>((resolve, reject) => {
    // One connection per request (agent: false): a pooled socket would carry one case's leftovers into the next.
    const req = request(
      { host: "127.0.0.1", port, method, path, agent: false, headers: { ...headers, Host: `127.0.0.1:${port}` } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

const SEED = Number(process.env["FC_SEED"] ?? 20261127);
const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_%./~";

describe("Property-based: generated requests on every route through the local gateway (fast-check, real servers)", function () {
  this.timeout(60_000);
  let backends: Backends;
  let gateway: Gateway;
  let port: number;
  let share: { id: string; deleteToken: string };

  before(async () => {
    backends = await startBackends({ config: testConfig() });
    gateway = createGateway({ deps: () => backends.deps });
    port = await gateway.listen(0);
    share = await new Api(backends).share(bytesOf(11));
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
  });

  const snapshot = async () =>
    JSON.stringify(
      ((await backends.deps.db.send(new ScanCommand({ TableName: backends.deps.config.tableName }))).Items ?? []).sort(
        (a, b) => String(a["id"]).localeCompare(String(b["id"])),
      ),
    );

  it("never answers 5xx, always the error shape with nosniff, and a refused request changes nothing", async () => {
    const id = fc.oneof(
      fc.constant("{existing}"),
      fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 0, maxLength: 30 }),
    );
    const path = fc.oneof(
      fc.constant("/"),
      fc.constant("/uploads"),
      fc.constant("/shares"),
      id.map((i) => `/files/${i}`),
      id.map((i) => `/files/${i}/download`),
      fc.tuple(id, fc.constantFrom("", "/", "//", "?x=1", "/nope")).map(([i, s]) => `/files/${i}${s}`),
    );
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string()),
    );
    const uploadBody = fc.record(
      {
        fileName: field,
        contentType: fc.oneof(field, fc.constantFrom("text/plain", "*/*", "text/*", "application/pdf; q=1")),
        size: fc.oneof(field, fc.integer({ min: -5, max: 2 * 1024 * 1024 })),
        sha256: field,
        expiresInSeconds: field,
        maxDownloads: field,
      },
      { requiredKeys: [] },
    );
    // POST /shares: files (relative paths, repeated and clashing names among them) and the share's options.
    const shareBody = fc.record(
      {
        files: fc.oneof(
          field,
          fc.array(
            fc.oneof(
              uploadBody,
              fc.record({
                fileName: fc.constantFrom("a", "A", "a/b", "../x", "/x", "a\\b", "a//b", "photos/1.jpg"),
                contentType: fc.constant("text/plain"),
                size: fc.integer({ min: -1, max: 2 * 1024 * 1024 }),
              }),
            ),
            { maxLength: 5 },
          ),
        ),
        title: field,
        maxDownloads: field,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.constant(undefined),
      uploadBody.map((b) => new TextEncoder().encode(JSON.stringify(b))),
      shareBody.map((b) => new TextEncoder().encode(JSON.stringify(b))),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc.uint8Array({ maxLength: 64 }),
    );
    const requestArb = fc.record({
      method: fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"),
      path,
      contentType: fc.option(
        fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-8", "x/y"),
      ),
      token: fc.option(
        fc.oneof(
          fc.constant("{token}"),
          fc.string({ maxLength: 50 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
        ),
      ),
      origin: fc.option(fc.constantFrom("https://app.example.com", "https://evil.example", "null")),
      accept: fc.option(fc.constantFrom("text/html", "application/json", "*/*")),
      body,
    });

    let runs = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        runs++;
        const p = r.path.replace("{existing}", share.id);
        const headers: Record<string, string> = {};
        if (r.contentType !== null) headers["Content-Type"] = r.contentType;
        if (r.token !== null) headers["X-Delete-Token"] = r.token === "{token}" ? "not-the-token" : r.token;
        if (r.origin !== null) headers["Origin"] = r.origin;
        if (r.accept !== null) headers["Accept"] = r.accept;
        const before = await snapshot();
        // A HEAD carries no body (Node would send its bytes as the next request on the connection).
        const answer = await send(port, r.method, p, headers, r.method === "HEAD" ? undefined : r.body);
        await backends.idle();
        assert.ok(answer.status < 500, `${r.method} ${p}: ${answer.status} ${answer.body}`);
        assert.equal(
          answer.headers["x-content-type-options"] ?? (answer.status === 204 ? "nosniff" : undefined),
          "nosniff",
        );
        if (answer.status >= 400) {
          if (r.method !== "HEAD") {
            const json = JSON.parse(answer.body) as { error: { code: string; message: string } };
            assert.deepEqual(Object.keys(json), ["error"]);
            assert.match(json.error.code, /^[A-Z][A-Za-z]+$/);
            assert.ok(json.error.message.length > 0);
          }
          assert.equal(await snapshot(), before, `${r.method} ${p} was refused but changed the table`);
        }
      }),
      {
        seed: SEED,
        path: process.env["FC_PATH"],
        numRuns: 300,
        interruptAfterTimeLimit: 6000,
        markInterruptAsFailure: false,
      },
    );
    assert.ok(runs >= 20, `enough generated cases ran (${runs})`);
    console.log(`      fast-check: ${runs} generated requests, seed ${SEED}`);
  });
});
