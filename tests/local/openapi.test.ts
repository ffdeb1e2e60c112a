// GET /openapi.json through the local gateway over real HTTP: the served document is valid OpenAPI 3 (checked by
// @seriousme/openapi-schema-validator against the official schema) and lists every route of the route table.
// The deployed function serves the same text: tests/lambda/serialized.test.ts.
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { randomBytes } from "node:crypto";
import { fingerprint } from "../../handlers/log";
import { ROUTES } from "../../handlers/api";
import { createGateway, Gateway } from "../../local/gateway";
import { testConfig } from "../support/harness";

describe("GET /openapi.json (local gateway, real HTTP, a real OpenAPI validator)", () => {
  let gateway: Gateway;
  let base: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let doc: any;
  let response: Response;

  before(async () => {
    // The route needs the config only ("needs": "none"): no S3 or DynamoDB behind this gateway; the log fingerprint
    // names the caller in the request line, as in every function.
    const key = randomBytes(32);
    gateway = createGateway({
      deps: () => ({
        config: testConfig(),
        bucketOrigin: "http://127.0.0.1:1",
        fingerprint: (value: string) => fingerprint(key, value),
        verifyToken: () => Promise.reject(new Error("GET /openapi.json never checks a token")),
      }),
    });
    base = `http://127.0.0.1:${await gateway.listen(0)}/`;
    response = await fetch(`${base}openapi.json`);
    doc = await response.json();
  });

  after(() => gateway?.close());

  it("answers 200 JSON that may be cached for 5 minutes", () => {
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(response.headers.get("cache-control"), "public, max-age=300");
  });

  it("is a valid OpenAPI 3.0 document", async () => {
    const result = await new Validator().validate(doc);
    assert.deepEqual(result.errors ?? [], [], "validator errors");
    assert.equal(result.valid, true);
    assert.match(doc.openapi, /^3\.0\.\d+$/);
  });

  it("is checked by a validator that does refuse a broken document (the check above can fail)", async () => {
    const broken = structuredClone(doc);
    delete broken.info;
    broken.paths["/uploads"].post.responses = { "201": {} }; // a response without its description
    assert.equal((await new Validator().validate(broken)).valid, false);
  });

  it("lists every route of the route table, by method, path and operationId, and nothing else", () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { operationId: string }>).map(
        ([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`,
      ),
    );
    assert.deepEqual(listed.sort(), ROUTES.map((r) => `${r.method} ${r.path} ${r.name}`).sort());
    assert.ok(
      ROUTES.some((r) => r.path === "/openapi.json"),
      "the document lists itself",
    );
  });

  it("gives POST /uploads its request schema and every JSON response a schema that resolves", () => {
    const upload = doc.paths["/uploads"].post;
    assert.equal(upload.requestBody.required, true);
    const ref: string = upload.requestBody.content["application/json"].schema.$ref;
    const schema = doc.components.schemas[ref.replace("#/components/schemas/", "")];
    assert.deepEqual(schema.required, ["fileName", "contentType", "size"]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, { responses: Record<string, unknown> }>)) {
        for (const [status, r] of Object.entries(op.responses)) {
          const json = (r as { content?: Record<string, { schema: { $ref: string } }> }).content?.["application/json"];
          if (json === undefined) continue;
          const name = json.schema.$ref.replace("#/components/schemas/", "");
          assert.ok(doc.components.schemas[name], `${method} ${path} ${status}: ${name} resolves`);
        }
      }
    }
  });

  it("names this server as the API's base URL", () => {
    assert.deepEqual(doc.servers, [{ url: base }]);
  });
});
