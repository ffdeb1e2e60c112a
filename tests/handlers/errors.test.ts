import assert from "node:assert/strict";
import { createDocumentClient, createS3Client } from "../../handlers/clients";
import { handleApiEvent } from "../../handlers/http";
import { ROUTES } from "../../handlers/api";
import { proxyEvent } from "../../local/events";
import { captureLogs, testConfig, useBackends } from "../support/harness";

// Every error row of docs/api.md, through the same adapter Lambda runs, against real local servers.
describe("API errors (docs/api.md error rows, real S3 and DynamoDB servers)", () => {
  const env = useBackends(testConfig({ maxFileSizeBytes: 1000 }));
  before(env.start);
  after(env.stop);

  const invalidBodies: [string, unknown, RegExp][] = [
    ["a body that is not JSON", "{not json", /not valid JSON/],
    ["an empty body", "", /empty/],
    ["a JSON array", "[]", /JSON object/],
    ["no fileName", { contentType: "text/plain", size: 1 }, /fileName is required/],
    ["a fileName that is blank after trimming", { fileName: "   ", contentType: "text/plain", size: 1 }, /1 to 255/],
    ["a fileName of 256 characters", { fileName: "x".repeat(256), contentType: "text/plain", size: 1 }, /1 to 255/],
    ["a fileName with a control character", { fileName: "a\nb.txt", contentType: "text/plain", size: 1 }, /control/],
    ["no contentType", { fileName: "a", size: 1 }, /contentType is required/],
    ["a contentType that is not a MIME type", { fileName: "a", contentType: "pdf", size: 1 }, /not a valid MIME type/],
    ["no size", { fileName: "a", contentType: "text/plain" }, /size must be/],
    ["a size of 0", { fileName: "a", contentType: "text/plain", size: 0 }, /size must be/],
    ["a fractional size", { fileName: "a", contentType: "text/plain", size: 1.5 }, /size must be/],
    ["a size given as a string", { fileName: "a", contentType: "text/plain", size: "10" }, /size must be/],
    [
      "a sha256 that is not a base64 digest",
      { fileName: "a", contentType: "text/plain", size: 1, sha256: "abc" },
      /sha256/,
    ],
    [
      "expiresInSeconds above the maximum",
      { fileName: "a", contentType: "text/plain", size: 1, expiresInSeconds: 86401 },
      /expiresInSeconds must be an integer from 60 to 86400/,
    ],
    [
      "expiresInSeconds below the minimum",
      { fileName: "a", contentType: "text/plain", size: 1, expiresInSeconds: 5 },
      /expiresInSeconds/,
    ],
    [
      "maxDownloads of 0",
      { fileName: "a", contentType: "text/plain", size: 1, maxDownloads: 0 },
      /maxDownloads must be an integer from 1 to 100/,
    ],
    [
      "maxDownloads above the limit",
      { fileName: "a", contentType: "text/plain", size: 1, maxDownloads: 101 },
      /maxDownloads/,
    ],
    [
      "maxDownloads of null",
      { fileName: "a", contentType: "text/plain", size: 1, maxDownloads: null },
      /omit it for the stack default/,
    ],
    [
      "maxDownloads as a string",
      { fileName: "a", contentType: "text/plain", size: 1, maxDownloads: "5" },
      /maxDownloads/,
    ],
    [
      "expiresInSeconds as a string",
      { fileName: "a", contentType: "text/plain", size: 1, expiresInSeconds: "60" },
      /expiresInSeconds/,
    ],
    ["a fileName that is a number", { fileName: 42, contentType: "text/plain", size: 1 }, /fileName is required/],
    ["a contentType that is a number", { fileName: "a", contentType: 42, size: 1 }, /contentType is required/],
    ["a sha256 that is a number", { fileName: "a", contentType: "text/plain", size: 1, sha256: 42 }, /sha256/],
    ["a JSON null body", "null", /JSON object/],
    [
      "a fileName with a right-to-left override",
      { fileName: "invoice\u202efdp.exe", contentType: "text/plain", size: 1 },
      /invisible/,
    ],
    ["a fileName of only a zero-width space", { fileName: "\u200b", contentType: "text/plain", size: 1 }, /invisible/],
    ["a fileName with a line separator", { fileName: "a\u2028b", contentType: "text/plain", size: 1 }, /invisible/],
    [
      "a fileName with broken UTF-16",
      { fileName: "a\ud800b.txt", contentType: "text/plain", size: 1 },
      /broken Unicode/,
    ],
    [
      "a contentType with a line break in a parameter",
      { fileName: "a", contentType: 'text/plain; a="x\r\nX-Evil: 1"', size: 1 },
      /not a valid MIME type/,
    ],
    [
      "a contentType with non-ASCII text",
      { fileName: "a", contentType: 'text/plain; a="\u00e9"', size: 1 },
      /not a valid MIME type/,
    ],
  ];
  for (const [what, body, message] of invalidBodies) {
    it(`answers 400 InvalidRequest to ${what}, saying what to fix`, async () => {
      const reply = await env.api().request("POST", "/uploads", { body });
      assert.equal(reply.status, 400);
      assert.deepEqual(Object.keys(reply.json), ["error"]);
      assert.equal(reply.json.error.code, "InvalidRequest");
      assert.match(reply.json.error.message, message);
    });
  }

  it("keeps error bodies small whatever the size of the bad value", async () => {
    const reply = await env
      .api()
      .createUpload({ maxDownloads: "9".repeat(1_000_000), contentType: "x".repeat(100_000) });
    assert.equal(reply.status, 400);
    assert.ok(reply.body.length < 400, `${reply.body.length} bytes`);
  });

  it("answers 413 TooLarge to a size above the stack's maximum, naming the limit", async () => {
    const reply = await env.api().createUpload({ size: 1001 });
    assert.equal(reply.status, 413);
    assert.equal(reply.json.error.code, "TooLarge");
    assert.match(reply.json.error.message, /1000 bytes/);
  });

  it("accepts a body API Gateway delivered base64-encoded", async () => {
    const api = env.api();
    const route = ROUTES.find((r) => r.name === "createUpload")!;
    const body = Buffer.from(JSON.stringify({ fileName: "a", contentType: "text/plain", size: 1 })).toString("base64");
    const event = {
      ...proxyEvent({
        method: "POST",
        path: "/uploads",
        resource: "/uploads",
        pathParameters: {},
        headers: { host: "h", "content-type": "application/json" },
        body,
      }),
      isBase64Encoded: true,
    };
    const result = await handleApiEvent(route.handler, event, { awsRequestId: "r" }, api.deps);
    assert.equal(result.statusCode, 201);
  });

  it("echoes an allowed Origin on successes and errors alike, and no other origin", async () => {
    const api = env.api();
    const ok = await api.createUpload({}, { origin: "https://app.example.com" });
    assert.equal(ok.headers["access-control-allow-origin"], "https://app.example.com");
    assert.equal(ok.headers["vary"], "Origin");
    const error = await api.request("GET", "/files/AAAAAAAAAAAAAAAAAAAAAA", {
      headers: { origin: "https://app.example.com" },
    });
    assert.equal(error.status, 404);
    assert.equal(error.headers["access-control-allow-origin"], "https://app.example.com");
    const evil = await api.createUpload({}, { origin: "https://evil.example" });
    assert.equal(evil.headers["access-control-allow-origin"], undefined);
  });

  it("writes one structured JSON log line per request with the request id", async () => {
    const api = env.api();
    const { entries } = await captureLogs(() => api.request("GET", "/files/AAAAAAAAAAAAAAAAAAAAAA"));
    const entry = entries.find((e) => e.message === "request finished");
    assert.ok(entry, "a request line");
    assert.match(entry.requestId, /^req-/);
    assert.equal(entry.status, 404);
    assert.equal(entry.route, "/files/{id}", "the route template");
    assert.equal(entry.path, undefined, "never the path: it holds the share id");
    assert.equal(typeof entry.latencyMs, "number");
  });
});

describe("Failures of a dependency (DynamoDB and S3 unreachable)", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("answers 503 Unavailable with a body that leaks no internals, and logs the cause", async () => {
    const healthy = env.api();
    const dead = "http://127.0.0.1:9"; // the discard port: nothing listens there
    const options = { region: "us-east-1", credentials: healthy.backends.credentials, endpoint: dead, maxAttempts: 1 };
    const broken = healthy.with({
      db: createDocumentClient(options),
      s3: createS3Client({ ...options, forcePathStyle: true }),
    });
    const origin = { origin: "https://app.example.com" };
    const { result: replies, entries } = await captureLogs(async () => [
      await broken.createUpload({}, origin),
      await broken.request("GET", "/files/AAAAAAAAAAAAAAAAAAAAAA", { headers: origin }),
      await broken.request("POST", "/files/AAAAAAAAAAAAAAAAAAAAAA/download", { headers: origin }),
      await broken.request("DELETE", "/files/AAAAAAAAAAAAAAAAAAAAAA", {
        headers: { ...origin, "x-delete-token": "t" },
      }),
    ]);
    const failures = entries.filter((e) => e.level === "error");
    assert.equal(failures.length, 4, "the cause is logged for each request");
    assert.ok(failures.every((e) => e.message === "request failed" && /ECONNREFUSED/.test(e.errorMessage)));
    for (const reply of replies) {
      assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
      assert.equal(reply.status, 503);
      assert.deepEqual(reply.json, {
        error: {
          code: "Unavailable",
          message: "The service is busy or a dependency is unavailable. Please retry shortly.",
        },
      });
    }
  });

  it("answers 500 InternalError with a fixed message when a handler has a bug", async () => {
    const api = env.api();
    const event = proxyEvent({ method: "GET", path: "/x", resource: "/x", pathParameters: {}, headers: {} });
    const result = await handleApiEvent(
      async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'secret-table-name')");
      },
      event,
      { awsRequestId: "r" },
      api.deps,
    );
    assert.equal(result.statusCode, 500);
    assert.deepEqual(JSON.parse(result.body), {
      error: { code: "InternalError", message: "Something went wrong on our side. Please retry." },
    });
  });
});
