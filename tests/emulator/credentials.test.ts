// The local S3 and DynamoDB accept only the key pair made for them (per data folder, or per run), never a
// constant, and refuse anything else with the service's own authentication error; neither answers a request
// that names another host (a page whose name was rebound to 127.0.0.1).
import { ListTablesCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { request } from "node:http";
import { newLocalCredentials } from "../../local/access";
import { LocalDynamo, startLocalDynamo } from "../../local/dynamo";
import { createS3Client } from "../../handlers/clients";
import { BUCKET, errorCode, refusal, startTestS3, TestS3 } from "./s3";

/** s3rver's built-in key pair before our patch: public, so it must open nothing. */
const S3RVER = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A raw HTTP request (fetch may not set Host): status and body. */
function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("emulator: local S3 credentials", () => {
  let s3: TestS3;
  let other: TestS3;
  before(async () => {
    s3 = await startTestS3();
    other = await startTestS3();
  });
  after(async () => {
    await s3.close();
    await other.close();
  });

  const clientWith = (credentials: { accessKeyId: string; secretAccessKey: string }, endpoint = s3.local.endpoint) =>
    createS3Client({ region: "us-east-1", credentials, endpoint, forcePathStyle: true, maxAttempts: 1 });

  it("emulator: S3 accepts its own key pair and refuses S3RVER/S3RVER (403 InvalidAccessKeyId), its key id with another secret (403 SignatureDoesNotMatch) and another server's key pair", async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "creds/own", Body: "x" }));
    const list = new ListObjectsV2Command({ Bucket: BUCKET });
    assert.deepEqual(await refusal(clientWith(S3RVER).send(list)), { name: "InvalidAccessKeyId", status: 403 });
    const wrongSecret = { ...s3.credentials, secretAccessKey: newLocalCredentials().secretAccessKey };
    assert.deepEqual(await refusal(clientWith(wrongSecret).send(list)), { name: "SignatureDoesNotMatch", status: 403 });
    assert.deepEqual(await refusal(clientWith(other.credentials).send(list)), {
      name: "InvalidAccessKeyId",
      status: 403,
    });
    const put = new PutObjectCommand({ Bucket: BUCKET, Key: "creds/forged", Body: "x" });
    assert.deepEqual(await refusal(clientWith(S3RVER).send(put)), { name: "InvalidAccessKeyId", status: 403 });
  });

  it("emulator: S3 answers no request naming another host, signed or not", async () => {
    const { port } = new URL(s3.local.endpoint);
    const unsigned = await send(`${s3.local.endpoint}/${BUCKET}/creds/own`, {
      headers: { Host: `rebound.example:${port}` },
    });
    assert.equal(unsigned.status, 403);
    assert.equal(errorCode(unsigned.body), "AccessDenied");
    const preflight = await send(`${s3.local.endpoint}/${BUCKET}/creds/own`, {
      method: "OPTIONS",
      headers: {
        Host: `rebound.example:${port}`,
        Origin: "https://app.example.com",
        "Access-Control-Request-Method": "GET",
      },
    });
    assert.equal(preflight.status, 403);
    // The same server still answers its own name.
    await s3.client.send(new HeadBucketCommand({ Bucket: BUCKET }));
  });
});

describe("emulator: local DynamoDB credentials", () => {
  const credentials = newLocalCredentials();
  let dynamo: LocalDynamo;
  before(async () => {
    dynamo = await startLocalDynamo({ credentials });
  });
  after(() => dynamo.close());

  const clientWith = (creds: { accessKeyId: string; secretAccessKey: string }) =>
    new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: creds, maxAttempts: 1 });

  it("emulator: DynamoDB accepts its own key pair and refuses any other (400 UnrecognizedClientException), a wrong secret (400 InvalidSignatureException) and an unsigned request (400 MissingAuthenticationTokenException)", async () => {
    assert.ok(Array.isArray((await clientWith(credentials).send(new ListTablesCommand({}))).TableNames));
    const list = new ListTablesCommand({});
    assert.deepEqual(await refusal(clientWith(S3RVER).send(list)), {
      name: "UnrecognizedClientException",
      status: 400,
    });
    assert.deepEqual(await refusal(clientWith(newLocalCredentials()).send(list)), {
      name: "UnrecognizedClientException",
      status: 400,
    });
    const wrongSecret = { ...credentials, secretAccessKey: newLocalCredentials().secretAccessKey };
    assert.deepEqual(await refusal(clientWith(wrongSecret).send(list)), {
      name: "InvalidSignatureException",
      status: 400,
    });
    const unsigned = await send(dynamo.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables" },
      body: "{}",
    });
    assert.equal(unsigned.status, 400);
    assert.match(JSON.parse(unsigned.body).__type, /#MissingAuthenticationTokenException$/);
  });

  it("emulator: DynamoDB refuses a signed request whose body, target or host was changed after signing (400 InvalidSignatureException)", async () => {
    const captured: { headers?: Record<string, string>; body?: string } = {};
    const client = clientWith(credentials);
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { headers: Record<string, string>; body: string };
        captured.headers = { ...req.headers };
        captured.body = req.body;
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "capture" },
    );
    await client.send(new ListTablesCommand({ Limit: 5 }));
    // Node sets Content-Length for the body actually sent.
    const headers = { ...captured.headers };
    delete headers["content-length"];
    const replay = (changes: Partial<{ headers: Record<string, string>; body: string }>) =>
      send(dynamo.endpoint, {
        method: "POST",
        headers: { ...headers, ...changes.headers },
        body: changes.body ?? captured.body,
      });
    assert.equal((await replay({})).status, 200, "the captured request itself is accepted");
    const { port } = new URL(dynamo.endpoint);
    for (const [what, changed] of [
      ["body", { body: JSON.stringify({ Limit: 100 }) }],
      ["target", { headers: { "x-amz-target": "DynamoDB_20120810.DescribeLimits" } }],
      ["host", { headers: { host: `localhost:${port}` } }],
    ] as const) {
      const answer = await replay(changed);
      assert.equal(answer.status, 400, `${what} changed: ${answer.body}`);
      assert.match(JSON.parse(answer.body).__type, /#InvalidSignatureException$/, what);
    }
    const rebound = await replay({ headers: { host: `rebound.example:${port}` } });
    assert.equal(rebound.status, 400);
    assert.match(JSON.parse(rebound.body).message, /answers only to 127\.0\.0\.1/);
  });
});
