// The local gateway's proxy events (local/events.ts) against events API Gateway REST really sent, kept as JSON
// under tests/local/events/ (as Powertools keeps its tests' events): the example event of API Gateway's developer
// guide ("Input format of a Lambda function for proxy integration": POST /testStage/hello/world?name=me through
// ANY /{proxy+}), and that page's requestContext of a call with IAM authorization. Shows that the handlers get
// locally what they would get on AWS; not proven here: fields API Gateway sends only for features this project
// does not use (stage variables, client certificates), which the local events set to null.
import type { APIGatewayProxyEvent } from "aws-lambda";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { proxyEvent } from "../../local/events";

const captured = (name: string) => JSON.parse(readFileSync(join(__dirname, "events", name), "utf8"));
const DOCS_EXAMPLE = captured("rest-proxy-docs-example.json") as APIGatewayProxyEvent;
const IAM_CONTEXT = captured("rest-proxy-iam-request-context.json") as Record<string, unknown>;

const MAPS = new Set([
  "headers",
  "multiValueHeaders",
  "queryStringParameters",
  "multiValueQueryStringParameters",
  "pathParameters",
  "stageVariables",
]);

/** "null", "array" or typeof: what a field holds, whatever its value. */
const kind = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/** Every field of `real` (nested objects included) is in `local`, holding the same kind of value, or null where
 *  the real one was null (unset). Returns the differences, "path: real kind, local kind". */
function shapeDifferences(real: Record<string, unknown>, local: Record<string, unknown>, at = ""): string[] {
  return Object.entries(real).flatMap(([key, value]) => {
    const path = `${at}${key}`;
    if (!(key in local)) return [`${path}: missing locally`];
    const mine = local[key];
    // Headers, query and path parameters are maps of the request's own names, not fields.
    if (kind(value) === "object" && kind(mine) === "object" && !MAPS.has(path)) {
      return shapeDifferences(value as Record<string, unknown>, mine as Record<string, unknown>, `${path}.`);
    }
    if (kind(value) === kind(mine) || kind(value) === "null" || kind(mine) === "null") return [];
    return [`${path}: ${kind(value)} on AWS, ${kind(mine)} locally`];
  });
}

/** The docs example's request, as the local gateway hands it to proxyEvent (header names in lower case). */
function localDocsExample(): APIGatewayProxyEvent {
  const headers = Object.fromEntries(
    Object.entries(DOCS_EXAMPLE.multiValueHeaders).map(([name, values]) => [name.toLowerCase(), values ?? []]),
  );
  return proxyEvent({
    method: "POST",
    path: "/hello/world",
    resource: "/{proxy+}",
    pathParameters: { proxy: "hello/world" },
    headers,
    query: { name: "me", multivalueName: ["you", "me"] },
    body: DOCS_EXAMPLE.body as string,
    sourceIp: "192.168.196.186",
    stage: "testStage",
  });
}

describe("local proxy events have the shape of API Gateway REST's (captured events from AWS's documentation)", () => {
  it("has every field of the documented example event, each holding the same kind of value", () => {
    const local = localDocsExample();
    assert.deepEqual(shapeDifferences(DOCS_EXAMPLE as never, local as never), []);
    assert.deepEqual(Object.keys(local).sort(), Object.keys(DOCS_EXAMPLE).sort(), "no field AWS does not send");
  });

  it("has every field of the documented requestContext of an authorized call", () => {
    const local = localDocsExample();
    assert.deepEqual(shapeDifferences(IAM_CONTEXT, local.requestContext as never, "requestContext."), []);
  });

  it("carries the request as API Gateway does: the last of repeated query keys, all of them in the multi-value map, the path without its stage", () => {
    const local = localDocsExample();
    for (const field of [
      "resource",
      "path",
      "httpMethod",
      "queryStringParameters",
      "multiValueQueryStringParameters",
      "pathParameters",
      "body",
      "isBase64Encoded",
    ] as const) {
      assert.deepEqual(local[field], DOCS_EXAMPLE[field], field);
    }
    assert.equal(local.requestContext.resourcePath, DOCS_EXAMPLE.requestContext.resourcePath);
    assert.equal(local.requestContext.httpMethod, DOCS_EXAMPLE.requestContext.httpMethod);
    assert.equal(local.requestContext.stage, DOCS_EXAMPLE.requestContext.stage);
    const clf = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;
    assert.match(IAM_CONTEXT["requestTime"] as string, clf);
    assert.match(local.requestContext.requestTime as string, clf);
    const [day, month, rest] = (local.requestContext.requestTime as string).split("/") as [string, string, string];
    const parsed = new Date(`${day} ${month} ${rest.replace(":", " ")}`);
    assert.equal(Math.floor(parsed.getTime() / 1000), Math.floor(local.requestContext.requestTimeEpoch / 1000));
    assert.equal(local.requestContext.identity.sourceIp, DOCS_EXAMPLE.requestContext.identity.sourceIp);
    assert.equal(local.requestContext.identity.userAgent, DOCS_EXAMPLE.requestContext.identity.userAgent);
    // Header values as sent (API Gateway keeps the names' case; the local gateway hands them in lower case, and
    // the handlers read headers case-insensitively).
    const lower = (h: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(lower(local.headers), lower(DOCS_EXAMPLE.headers));
    assert.deepEqual(lower(local.multiValueHeaders), lower(DOCS_EXAMPLE.multiValueHeaders));
  });
});
