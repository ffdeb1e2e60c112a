// fileshare:apiKeys against the local servers over HTTP: the local gateway's write-route check (the stand-in for the
// authorizer and usage plans of infra/apiKeys.ts). Also: request bodies the route's schema refuses.
import assert from "node:assert/strict";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { call, ORIGIN, share, startSignedInStack, tokenFor } from "./support";

const KEY = "local-test-key-0123456789";
const UPLOAD = { fileName: "a.txt", contentType: "text/plain", size: 5 };

describe("API keys locally (fileshare:apiKeys): write routes need x-api-key or sign-in", function () {
  this.timeout(120000);
  let server: LocalServer;
  let alice: string;

  before(async () => {
    server = await startLocal({
      port: 0,
      settings: await loadSettings({
        FILESHARE_AUTH: "cognito",
        FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "false",
        FILESHARE_API_KEYS: "true",
      }),
      apiKey: KEY,
    });
    alice = await tokenFor(server, "alice@example.com");
  });
  after(async () => server?.close());

  it("refuses a write without a key or sign-in with 403 Forbidden in the API error shape, with CORS", async () => {
    const reply = await call(server, "POST", "/uploads", { body: UPLOAD });
    assert.equal(reply.status, 403);
    assert.deepEqual(reply.json, {
      error: { code: "Forbidden", message: "Send your API key in the x-api-key header, or sign in." },
    });
    assert.equal(reply.headers.get("access-control-allow-origin"), ORIGIN);
    const deleted = await call(server, "DELETE", "/files/AAAAAAAAAAAAAAAAAAAAAA", {
      headers: { "x-delete-token": "x" },
    });
    assert.equal(deleted.status, 403);
    assert.equal(deleted.json.error.message, "Send your API key in the x-api-key header, or sign in.");
  });

  it("refuses a wrong key with 403 (as API Gateway's INVALID_API_KEY answer), with CORS", async () => {
    const reply = await call(server, "POST", "/uploads", { body: UPLOAD, headers: { "x-api-key": `${KEY}x` } });
    assert.equal(reply.status, 403);
    assert.equal(reply.json.error.code, "Forbidden");
    assert.match(reply.json.error.message, /not valid for this API/);
    assert.equal(reply.headers.get("access-control-allow-origin"), ORIGIN);
  });

  it("lets the right key through (an anonymous share), and a signed-in caller without a key (an owned share)", async () => {
    const keyed = await call(server, "POST", "/uploads", { body: UPLOAD, headers: { "x-api-key": KEY } });
    assert.equal(keyed.status, 201, JSON.stringify(keyed.json));
    const signedIn = await share(server, alice);
    const mine = await call(server, "GET", "/files", { token: alice });
    assert.deepEqual(
      mine.json.files.map((f: { id: string }) => f.id),
      [signedIn.id],
    );
    // Deleting the owned share by its owner's token: no key either.
    assert.equal((await call(server, "DELETE", `/files/${signedIn.id}`, { token: alice })).status, 204);
  });

  it("answers a bad bearer token with 401 even when a good key comes with it (a bad token never falls back to the key)", async () => {
    const reply = await call(server, "POST", "/uploads", {
      body: UPLOAD,
      token: "a.b.c",
      headers: { "x-api-key": KEY },
    });
    assert.equal(reply.status, 401);
    assert.equal(reply.json.error.code, "Unauthorized");
  });

  it("needs no key on reads and share links", async () => {
    const created = await call(server, "POST", "/uploads", { body: UPLOAD, headers: { "x-api-key": KEY } });
    const read = await call(server, "GET", `/files/${created.json.id}`);
    assert.equal(read.status, 200);
    const config = await call(server, "GET", "/config");
    assert.equal(config.status, 200);
    assert.equal(config.json.apiKeys, true, "GET /config tells clients (the page) that keys are needed");
  });

  it("takes no key on a stack with apiKeys off", async () => {
    const open = await startSignedInStack({ FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "false" });
    try {
      assert.equal(open.apiKey, undefined);
      assert.equal((await call(open, "POST", "/uploads", { body: UPLOAD })).status, 201);
    } finally {
      await open.close();
    }
  });

  it("makes a random 40-character key when none is configured, and refuses a configured key under 20 characters", async () => {
    // Keys alone (no sign-in): the key is the only way to write.
    const settings = await loadSettings({ FILESHARE_AUTH: "none", FILESHARE_API_KEYS: "true" });
    const random = await startLocal({ port: 0, settings });
    try {
      assert.match(random.apiKey!, /^[0-9a-f]{40}$/);
      const reply = await call(random, "POST", "/uploads", { body: UPLOAD, headers: { "x-api-key": random.apiKey! } });
      assert.equal(reply.status, 201);
    } finally {
      await random.close();
    }
    await assert.rejects(startLocal({ port: 0, settings, apiKey: "short" }), /at least 20 characters/);
  });
});

describe("request bodies the route's schema refuses (the handler agrees with the gateway model)", function () {
  this.timeout(120000);
  let server: LocalServer;
  before(async () => {
    server = await startSignedInStack({ FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "false" });
  });
  after(async () => server?.close());

  it("refuses an unlock body without a password with 400, also on a share that has no password", async () => {
    const { id } = await share(server, undefined);
    for (const body of [{}, { password: 12345678 }, { password: "" }]) {
      const reply = await call(server, "POST", `/files/${id}/unlock`, { body });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.json.error.code, "InvalidRequest");
    }
  });
});
