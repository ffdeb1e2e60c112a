// Structured request logs: one "request finished" line per API request, with the request id, the route
// template (never the path), method, status, latency in ms and the caller's fingerprint (the signed-in `sub`, else
// the source IP). Through the local stack with sign-in on, real servers; the handlers' lines are the ones Lambda
// writes (handleApiEvent), the gateway writes the same fields for what it answers itself.
import { captureStdout } from "../support/stdout";
import assert from "node:assert/strict";
import { LocalServer } from "../../local/server";
import { localSubFor } from "../../local/oidc";
import { call, startSignedInStack, tokenFor } from "../auth/support";

describe("Request logs: one structured line per request, caller by fingerprint (local stack, sign-in on)", function () {
  this.timeout(60_000);
  let server: LocalServer;
  let token: string;

  before(async () => {
    server = await startSignedInStack();
    token = await tokenFor(server, "bob@example.com");
  });
  after(async () => server?.close());

  it("logs requestId, route template, method, status, latencyMs and caller for each request, and no id, token or URL", async () => {
    const fp = server.backends.deps.fingerprint;
    const { result, text } = await captureStdout(async () => {
      const statuses: number[] = [];
      statuses.push((await call(server, "GET", "/config")).status);
      const created = await call(server, "POST", "/uploads", {
        token,
        body: { fileName: "a.txt", contentType: "text/plain", size: 3 },
      });
      statuses.push(created.status);
      statuses.push((await call(server, "GET", `/files/${created.json.id}`, { token })).status);
      statuses.push(
        (await call(server, "DELETE", `/files/${created.json.id}`, { headers: { "x-delete-token": "nope" } })).status,
      );
      statuses.push((await call(server, "GET", "/no/such/route")).status);
      statuses.push(
        (await call(server, "POST", "/uploads", { body: { fileName: "a.txt", contentType: "text/plain", size: 3 } }))
          .status,
      );
      return {
        statuses,
        id: created.json.id as string,
        deleteToken: created.json.deleteToken as string,
        uploadUrl: created.json.uploadUrl as string,
      };
    });
    assert.deepEqual(result.statuses, [200, 201, 200, 403, 404, 401]);
    const lines = text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l["message"] === "request finished");
    const user = fp(localSubFor("bob@example.com"));
    const ip = fp("127.0.0.1");
    assert.deepEqual(
      lines.map((l) => [l["method"], l["route"], l["status"], l["caller"], l["callerType"]]),
      [
        ["GET", "/config", 200, ip, "ip"],
        ["POST", "/uploads", 201, user, "user"],
        // An optional-auth route: the handler verified the token, so the line names the user.
        ["GET", "/files/{id}", 200, user, "user"],
        ["DELETE", "/files/{id}", 403, ip, "ip"],
        // Answered by the gateway itself (no route; the authorizer's 401): the same fields, route null when none.
        ["GET", null, 404, ip, "ip"],
        ["POST", "/uploads", 401, ip, "ip"],
      ],
      "exactly one line per request, in order",
    );
    for (const line of lines) {
      assert.equal(line["level"], "info");
      assert.match(String(line["requestId"]), /^[0-9a-f-]{36}$/, "a request id");
      assert.equal(typeof line["latencyMs"], "number");
      assert.ok((line["latencyMs"] as number) >= 0);
      assert.match(String(line["caller"]), /^[A-Za-z0-9_-]{12}$/, "a fingerprint, not an address or a sub");
      assert.equal(line["path"], undefined, "never the path");
    }
    assert.equal(new Set(lines.map((l) => l["requestId"])).size, lines.length, "one id per request");
    for (const secret of [result.id, result.deleteToken, token]) {
      assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… appears in clear`);
    }
    // The request lines name nobody in clear (the audit events, also logged locally, name a share's owner).
    const requestText = JSON.stringify(lines);
    assert.ok(!requestText.includes("127.0.0.1"), "the address in clear");
    assert.ok(!requestText.includes(localSubFor("bob@example.com")), "the sub in clear");
    assert.doesNotMatch(text, /X-Amz-Signature|https?:\/\//, "no URL in the logs");
  });
});
