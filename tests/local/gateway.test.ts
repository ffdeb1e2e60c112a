// The local gateway in this process, with the route table's real paths but a recording `invoke`, so a test sees
// the exact proxy event a route's Lambda would get. Requests go out with node:http, whose `path` is sent
// verbatim (fetch would normalise "/x/../files/id" and read "//host/..." as a host before sending).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { connect } from "node:net";
import { fingerprint, Logger } from "../../handlers/log";
import { ROUTES } from "../../handlers/api";
import type { Route } from "../../handlers/routeSpec";
import { createGateway, Gateway, GatewayDeps } from "../../local/gateway";
import { testConfig } from "../support/harness";
import { waitFor } from "../support/wait";

const ID = "AAAAAAAAAAAAAAAAAAAAAA";
const ORIGIN = "https://app.example.com";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request; `path` and `rawHeaders` ([name, value, name, value, ...]) go on the wire exactly as given. */
function send(port: number, method: string, path: string, rawHeaders: string[] = []): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = ["Host", `127.0.0.1:${port}`, ...rawHeaders];
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("local gateway: routing and the proxy event", () => {
  let gateway: Gateway;
  let port: number;
  let events: APIGatewayProxyEvent[];
  let invoke: (event: APIGatewayProxyEvent, route: Route) => Promise<APIGatewayProxyResult>;
  let logged: { level: string; message: string }[];
  // What the gateway reads itself; the stub `invoke` below stands in for every handler, so no data clients.
  const LOG_KEY = randomBytes(32);
  const deps: GatewayDeps = {
    config: testConfig(),
    bucketOrigin: "http://127.0.0.1:1",
    fingerprint: (value) => fingerprint(LOG_KEY, value),
    verifyToken: () => Promise.reject(new Error("no route of this gateway requires sign-in")),
  };

  const record = (level: string) => (message: string) => void logged.push({ level, message });
  const log: Logger = { info: record("info"), warn: record("warn"), error: record("error") };

  before(async () => {
    gateway = createGateway({ deps: () => deps, log, invoke: (route, event) => invoke(event, route) });
    port = await gateway.listen(0);
  });

  after(() => gateway.close());

  beforeEach(() => {
    events = [];
    logged = [];
    invoke = async (event) => {
      events.push(event);
      return { statusCode: 200, headers: { "Content-Type": "application/json" }, body: "{}" };
    };
  });

  it("routes the path exactly as sent: '//host/...' is not a host and '..' is not resolved", async () => {
    const hostLike = await send(port, "GET", `//evil.example/files/${ID}`);
    assert.equal(hostLike.status, 404);
    assert.match(hostLike.body, /There is no \/\/evil\.example\/files\//);
    const dotted = await send(port, "GET", `/x/../files/${ID}`);
    assert.equal(dotted.status, 404);
    assert.equal(events.length, 0, "no route ran");

    const plain = await send(port, "GET", `/files/${ID}?a=1`);
    assert.equal(plain.status, 200);
    assert.equal(events[0]?.path, `/files/${ID}`);
    assert.deepEqual(events[0]?.pathParameters, { id: ID });
  });

  it("routes one trailing slash to the resource without it (as API Gateway REST does), keeping event.path as sent", async () => {
    const res = await send(port, "GET", `/files/${ID}/`);
    assert.equal(res.status, 200);
    assert.equal(events[0]?.resource, "/files/{id}");
    assert.equal(events[0]?.path, `/files/${ID}/`);
    assert.deepEqual(events[0]?.pathParameters, { id: ID });
    assert.equal((await send(port, "POST", `/files/${ID}/download/`)).status, 200);
    assert.equal(events[1]?.resource, "/files/{id}/download");
    assert.equal((await send(port, "GET", `/files/${ID}//`)).status, 404, "only one slash is forgiven");
    assert.equal((await send(port, "GET", "/")).status, 200);
  });

  it("passes repeated headers and query keys as API Gateway REST does: every value in multiValue*, the last in the single-value maps", async () => {
    await send(port, "GET", `/files/${ID}?tag=a&tag=b&one=1`, [
      "X-Thing",
      "first",
      "X-Thing",
      "second",
      "Accept",
      "text/plain",
      "Accept",
      "application/json",
    ]);
    const event = events[0] as APIGatewayProxyEvent;
    assert.deepEqual(event.multiValueHeaders["x-thing"], ["first", "second"]);
    assert.equal(event.headers["x-thing"], "second");
    assert.deepEqual(event.multiValueHeaders["accept"], ["text/plain", "application/json"]);
    assert.equal(event.headers["accept"], "application/json");
    assert.deepEqual(event.multiValueQueryStringParameters, { tag: ["a", "b"], one: ["1"] });
    assert.deepEqual(event.queryStringParameters, { tag: "b", one: "1" });
    // What API Gateway itself sets.
    assert.deepEqual(event.multiValueHeaders["host"], [`127.0.0.1:${port}`]);
    assert.equal(event.headers["x-forwarded-proto"], "http");
  });

  it("answers its own failure 500 in the docs/api.md shape with CORS headers and Cache-Control, and logs an error", async () => {
    invoke = async () => {
      throw new Error("a bug in the gateway's path");
    };
    const res = await send(port, "GET", `/files/${ID}`, ["Origin", ORIGIN]);
    assert.equal(res.status, 500);
    assert.equal(JSON.parse(res.body).error.code, "InternalError");
    assert.equal(res.headers["access-control-allow-origin"], ORIGIN);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    // The error, then the request's one "request finished" line (the gateway answered it itself).
    assert.deepEqual(
      logged.map((l) => [l.level, l.message]),
      [
        ["error", "gateway failed"],
        ["info", "request finished"],
      ],
    );
  });

  it("logs a client that hangs up mid-request as a warning, not as a gateway failure", async () => {
    let requestsSeen = 0;
    gateway.server.once("request", () => requestsSeen++);
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `POST /uploads HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"fileN`,
    );
    // Hang up only once the gateway has the request (its headers parsed, its body still coming).
    await waitFor(() => requestsSeen > 0, { what: "the gateway to receive the request" });
    socket.destroy();
    await waitFor(() => logged.length > 0, { what: "the hang-up to be logged" });
    assert.deepEqual(logged, [
      { level: "warn", message: "client closed the connection before the request was complete" },
    ]);
    assert.equal(events.length, 0);
  });

  it("gives a client 30 s for a request and 10 s for its headers by default (docs/local.md's numbers)", () => {
    assert.equal(gateway.server.requestTimeout, 30_000);
    assert.equal(gateway.server.headersTimeout, 10_000);
  });

  it("cuts off a client that trickles its headers or its body in, with 408, and serves a prompt one", async () => {
    const strict = createGateway({
      deps: () => deps,
      log,
      invoke: (route, event) => invoke(event, route),
      timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 },
    });
    const strictPort = await strict.listen(0);
    try {
      /** Sends `text` and keeps the socket open; resolves with all the server sent once it closes. */
      const stall = (text: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(strictPort, "127.0.0.1", () => socket.write(text));
          let got = "";
          socket.on("data", (d: Buffer) => (got += d.toString("latin1")));
          socket.on("close", () => resolve(got));
          socket.on("error", reject);
        });
      const host = `Host: 127.0.0.1:${strictPort}\r\n`;
      const started = Date.now();
      const [headers, body] = await Promise.all([
        stall(`GET /files/${ID} HTTP/1.1\r\n${host}X-Slow: `),
        stall(`POST /uploads HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"fileN`),
      ]);
      assert.match(headers, /^HTTP\/1\.1 408 /, "a client still sending headers after headersMs gets 408");
      assert.match(body, /^HTTP\/1\.1 408 /, "a client still sending its body after requestMs gets 408");
      assert.ok(Date.now() - started < 5000, "both were cut off within the limits, not at Node's defaults");
      assert.equal((await send(strictPort, "GET", `/files/${ID}`)).status, 200, "a prompt client is served");
    } finally {
      await strict.close();
    }
  });

  it("runs each route of the table for its own method and path, and answers with what that route returned", async () => {
    // Each answer names the route that produced it, so a request handed to the wrong route (or answered by the
    // gateway itself) shows.
    invoke = async (event, route) => {
      events.push(event);
      return { statusCode: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(route) };
    };
    for (const route of ROUTES) {
      const path = route.path.replace("{id}", ID);
      const label = `${route.method} ${path}`;
      events = [];
      const answer = await send(port, route.method, path);
      assert.equal(answer.status, 200, label);
      assert.deepEqual(JSON.parse(answer.body), JSON.parse(JSON.stringify(route)), `${label} ran its own route`);
      assert.equal(events.length, 1, `${label}: one invocation`);
      assert.equal(events[0]?.httpMethod, route.method, label);
      assert.equal(events[0]?.resource, route.path, label);
    }
  });
});
