// The log scan: a whole share's life through the local gateway, with the real handlers and real S3 and
// DynamoDB servers, every log line captured (the handlers', the gateway's, the S3 event handler's). No share id,
// delete token, S3 key or URL signature may appear in them; fingerprints stand in for the ids.
import assert from "node:assert/strict";
import { createDocumentClient } from "../../handlers/clients";
import type { Deps } from "../../handlers/deps";
import { Backends, startBackends } from "../../local/backends";
import { createGateway, Gateway } from "../../local/gateway";
import { testConfig } from "../support/harness";
import { FlowClient, leaks, wholeFlow } from "../support/flow";
import { captureStdout } from "../support/stdout";
import { keyNameFor } from "../../handlers/ids";

/** A client of a gateway on `port`. */
export function gatewayClient(port: number, backends: Backends): FlowClient {
  return {
    call: async (method, path, body, headers = {}) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await r.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: r.status, json };
    },
    idle: () => backends.idle(),
  };
}

describe("Logs hold no share id, delete token or URL signature (local gateway, real servers)", function () {
  this.timeout(60_000);
  let backends: Backends;
  let gateway: Gateway;
  let port: number;
  let deps: Deps;

  before(async () => {
    backends = await startBackends({ config: testConfig() });
    deps = backends.deps;
    gateway = createGateway({ deps: () => deps });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway?.close();
    await backends?.close();
  });

  it("logs a whole flow and every error path with fingerprints and route templates only", async () => {
    const { result: secrets, text } = await captureStdout(
      async () => {
        const client = gatewayClient(port, backends);
        const secrets = await wholeFlow(client);
        // A dependency outage on a route with an id in its path: the 503 is logged with its cause.
        deps = {
          ...backends.deps,
          db: createDocumentClient({
            region: "us-east-1",
            credentials: backends.credentials,
            endpoint: "http://127.0.0.1:9",
            maxAttempts: 1,
          }),
        };
        assert.equal((await client.call("GET", `/files/${secrets.ids[0]}`)).status, 503);
        deps = backends.deps;
        return secrets;
      },
      { stderr: true },
    );
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    assert.ok(lines.length >= 25, `the flow is logged (${lines.length} lines)`);
    assert.deepEqual(leaks(text, secrets), [], "secrets found in the logs");
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLines = entries.filter((e) => e["message"] === "request finished");
    assert.ok(requestLines.length >= 20);
    assert.ok(
      requestLines.every((e) => !("path" in e) && typeof e["route"] === "string"),
      "route templates, no paths",
    );
    assert.ok(requestLines.some((e) => e["route"] === "/files/{id}/download"));
    // The lines about one share can still be found: by the fingerprint of its key name, computed from its id.
    const fp = backends.deps.fingerprint(keyNameFor(secrets.ids[0] as string));
    assert.match(fp, /^[A-Za-z0-9_-]{12}$/);
    assert.ok(entries.filter((e) => e["file"] === fp).length >= 3, "upload created, confirmed, download, delete");
    assert.ok(
      entries.some((e) => e["message"] === "deleted an object with no record"),
      "the stray upload is logged",
    );
    assert.ok(
      entries.some((e) => e["message"] === "request failed"),
      "the outage is logged",
    );
    console.log(`      log scan: ${lines.length} lines, ${leaks(text, secrets).length} secrets found`);
  });
});
