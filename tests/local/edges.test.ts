// The local gateway's edges, over raw sockets (so requests go on the wire exactly as written): Node's own
// refusals, two Host headers, HEAD /, the gateway's own errors, JSON only as application/json, strict UTF-8.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import { MAX_BODY_BYTES } from "../../local/transport";
import { testConfig } from "../support/harness";

const ORIGIN = "https://app.example.com";

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `request` (a Buffer or text) to the port and reads the whole answer until the server closes. */
function raw(port: number, request: string | Buffer): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const at = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, at).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: text.slice(at + 4) });
    });
  });
}

function assertErrorShape(r: Raw, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.body}`);
  assert.equal(r.headers["x-content-type-options"], "nosniff", `${what}: nosniff`);
  assert.match(r.headers["content-type"] ?? "", /^application\/json/, what);
  const json = JSON.parse(r.body) as { error: { code: string; message: string } };
  assert.equal(typeof json.error.code, "string", what);
  assert.ok(json.error.message.length > 0, what);
}

describe("local gateway edges (raw HTTP, real handlers and servers)", () => {
  let backends: Backends;
  let gateway: Gateway;
  let port: number;
  let host: string;

  before(async () => {
    backends = await startBackends({ config: testConfig() });
    gateway = createGateway({ deps: () => backends.deps });
    port = await gateway.listen(0);
    host = `127.0.0.1:${port}`;
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
  });

  const count = async () =>
    ((await backends.deps.db.send(new ScanCommand({ TableName: backends.deps.config.tableName }))).Items ?? []).length;

  const post = (type: string | undefined, body: string | Buffer) =>
    Buffer.concat([
      Buffer.from(
        `POST /uploads HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${ORIGIN}\r\n${type ? `Content-Type: ${type}\r\n` : ""}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      ),
      Buffer.isBuffer(body) ? body : Buffer.from(body),
    ]);

  it("answers Node's own refusals in the docs/api.md shape with nosniff: bad request line 400, huge header 431, CL+TE 400", async () => {
    assertErrorShape(await raw(port, "NOT A REQUEST\r\n\r\n"), 400, "bad request line");
    assertErrorShape(
      await raw(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
      431,
      "oversized header",
    );
    assertErrorShape(
      await raw(
        port,
        `POST /uploads HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ),
      400,
      "Content-Length with Transfer-Encoding",
    );
  });

  it("refuses two Host headers with 400, in the docs/api.md shape with CORS for an allowed Origin", async () => {
    const r = await raw(
      port,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nHost: ${host}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`,
    );
    assertErrorShape(r, 400, "two Host headers");
    assert.equal(r.headers["access-control-allow-origin"], ORIGIN);
  });

  it("answers HEAD / and its own 404 and 413 with nosniff, and CORS only for an allowed Origin", async () => {
    const head = await raw(port, `HEAD / HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`);
    assert.equal(head.status, 404);
    assert.equal(head.headers["x-content-type-options"], "nosniff");
    assert.equal(head.body, "", "HEAD has no body");
    const missing = await raw(
      port,
      `GET /nope HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`,
    );
    assertErrorShape(missing, 404, "unknown path");
    assert.equal(missing.headers["access-control-allow-origin"], ORIGIN);
    const foreign = await raw(
      port,
      `GET /nope HTTP/1.1\r\nHost: ${host}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(foreign.headers["access-control-allow-origin"], undefined);
    const big = await raw(port, post("application/json", "x".repeat(MAX_BODY_BYTES + 1)));
    assertErrorShape(big, 413, "too large");
    assert.equal(big.headers["access-control-allow-origin"], ORIGIN);
  });

  it("refuses a JSON body sent as another type (415), so a cross-site form cannot create shares, and stores nothing", async () => {
    const before = await count();
    const body = JSON.stringify({ fileName: "a.txt", contentType: "text/plain", size: 1 });
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
    ]) {
      const r = await raw(port, post(type, body));
      assertErrorShape(r, 415, String(type));
      assert.equal(JSON.parse(r.body).error.code, "UnsupportedMediaType");
    }
    assert.equal((await raw(port, post("application/json; charset=utf-8", body))).status, 201);
    assert.equal(await count(), before + 1);
  });

  it("refuses a contentType that is a range (*/*, text/*) with 400", async () => {
    for (const contentType of ["*/*", "text/*", "*/plain"]) {
      const r = await raw(port, post("application/json", JSON.stringify({ fileName: "a", contentType, size: 1 })));
      assertErrorShape(r, 400, contentType);
      assert.match(JSON.parse(r.body).error.message, /concrete type/);
    }
  });

  it("refuses a body that is not UTF-8 (400) instead of storing U+FFFD, and stores nothing", async () => {
    const before = await count();
    const body = Buffer.concat([
      Buffer.from('{"fileName":"a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.txt","contentType":"text/plain","size":1}'),
    ]);
    const r = await raw(port, post("application/json", body));
    assertErrorShape(r, 400, "invalid UTF-8");
    assert.match(JSON.parse(r.body).error.message, /UTF-8/);
    assert.equal(await count(), before);
  });
});
