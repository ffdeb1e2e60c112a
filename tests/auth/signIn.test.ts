// Sign-in against the local servers: the local issuer's real code + PKCE flow, the gateway checking tokens as
// API Gateway's Cognito authorizer does, GET /config, owners, GET /files paging and delete by the owner.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { LocalServer } from "../../local/server";
import { localSubFor } from "../../local/oidc";
import { call, craftToken, foreignKey, ORIGIN, share, startSignedInStack, tokenFor } from "./support";
import { keyNameFor } from "../../handlers/ids";

describe("sign-in, locally: tokens, GET /config, owners and GET /files", function () {
  this.timeout(120000);
  let server: LocalServer;
  let alice: string;
  let bob: string;

  before(async () => {
    server = await startSignedInStack();
    alice = await tokenFor(server, "alice@example.com");
    bob = await tokenFor(server, "Bob@Example.com");
  });
  after(async () => server?.close());

  it("GET /config answers the v1.1 shape with the local issuer's endpoints, cacheable for 300 s, with CORS", async () => {
    const reply = await call(server, "GET", "/config");
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("cache-control"), "public, max-age=300");
    assert.equal(reply.headers.get("access-control-allow-origin"), ORIGIN);
    assert.equal(reply.json.apiVersion, "1.2");
    assert.equal(reply.json.limits.maxFileSizeBytes, 2147483648);
    const issuer = server.issuer!;
    assert.deepEqual(reply.json.auth, {
      type: "oidc",
      issuer: issuer.issuer,
      clientId: "fileshare-local",
      authorizationEndpoint: `${issuer.issuer}/auth`,
      tokenEndpoint: `${issuer.issuer}/token`,
      logoutEndpoint: `${issuer.issuer}/logout`,
      revocationEndpoint: `${issuer.issuer}/token/revocation`,
      scopes: ["openid", "email"],
      required: { upload: true, download: false },
    });
    assert.equal(reply.json.apiKeys, false, "no API keys on this stack");
    const discovery = await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.authorization_endpoint, reply.json.auth.authorizationEndpoint);
    assert.equal(discovery.token_endpoint, reply.json.auth.tokenEndpoint);
  });

  it("signs out at a Cognito-shaped /logout: back to a registered logout_uri, 400 for an unregistered one", async () => {
    const logout = server.issuer!.logoutEndpoint;
    const query = (uri: string, client = "fileshare-local") =>
      `${logout}?${new URLSearchParams({ client_id: client, logout_uri: uri })}`;
    const ok = await fetch(query(server.apiUrl), { redirect: "manual" });
    assert.equal(ok.status, 302);
    assert.equal(ok.headers.get("location"), server.apiUrl);
    const foreign = await fetch(query("https://evil.example/"), { redirect: "manual" });
    assert.equal(foreign.status, 400, "an open redirect to an unregistered address");
    assert.equal((await fetch(query(server.apiUrl, "other-client"), { redirect: "manual" })).status, 400);
  });

  it("issues a Cognito-like ID token from the sign-in flow: sub, verified email, aud = client id, token_use id", () => {
    const claims = JSON.parse(Buffer.from(alice.split(".")[1]!, "base64url").toString("utf8"));
    assert.equal(claims.iss, server.issuer!.issuer);
    assert.equal(claims.aud, "fileshare-local");
    assert.equal(claims.token_use, "id");
    assert.equal(claims.email, "alice@example.com");
    assert.equal(claims.email_verified, true);
    assert.equal(claims.sub, localSubFor("alice@example.com"));
  });

  it("POST /uploads without a token is 401 Unauthorized with CORS where uploads require sign-in", async () => {
    const reply = await call(server, "POST", "/uploads", {
      body: { fileName: "a.txt", contentType: "text/plain", size: 1 },
    });
    assert.equal(reply.status, 401);
    assert.equal(reply.json.error.code, "Unauthorized");
    assert.equal(reply.headers.get("access-control-allow-origin"), ORIGIN);
  });

  const faults: [string, (s: LocalServer) => Promise<string> | string][] = [
    ["malformed", () => "not-a-jwt"],
    ["expired", (s) => craftToken(s, {}, { expiresIn: -5 })],
    ["signed with a key the issuer never published", (s) => craftToken(s, {}, { key: foreignKey(s) })],
    ["from another issuer", (s) => craftToken(s, { iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x" })],
    ["for another app client (audience)", (s) => craftToken(s, { aud: "another-client" })],
    [
      "an access token instead of an ID token",
      (s) => craftToken(s, { token_use: "access", aud: undefined, client_id: "fileshare-local" }),
    ],
    [
      "tampered after signing",
      async (s) => {
        const [h, , sig] = (await craftToken(s)).split(".");
        const payload = Buffer.from(JSON.stringify({ sub: "someone-else", token_use: "id" })).toString("base64url");
        return `${h}.${payload}.${sig}`;
      },
    ],
  ];
  for (const [fault, make] of faults) {
    it(`refuses a token that is ${fault} with 401 Unauthorized and CORS, on required and optional routes`, async () => {
      const token = await make(server);
      const upload = await call(server, "POST", "/uploads", {
        token,
        body: { fileName: "a.txt", contentType: "text/plain", size: 1 },
      });
      const list = await call(server, "GET", "/files", { token });
      const { id } = await share(server, alice);
      const optional = await call(server, "GET", `/files/${id}`, { token }); // checked by the handler itself
      for (const reply of [upload, list, optional]) {
        assert.equal(reply.status, 401, JSON.stringify(reply.json));
        assert.equal(reply.json.error.code, "Unauthorized");
        assert.equal(reply.headers.get("access-control-allow-origin"), ORIGIN);
      }
    });
  }

  it("GET /files without a token is 401; a good token from the craft helper is accepted (the faults are the faults)", async () => {
    assert.equal((await call(server, "GET", "/files")).status, 401);
    assert.equal((await call(server, "GET", "/files", { token: await craftToken(server) })).status, 200);
  });

  it("records the owner's sub and verified email on POST /uploads", async () => {
    const { id } = await share(server, bob);
    const item = await server.backends.deps.db.send(
      new GetCommand({ TableName: server.backends.deps.config.tableName, Key: { id: keyNameFor(id) } }),
    );
    assert.equal(item.Item?.owner, localSubFor("bob@example.com"));
    assert.equal(item.Item?.ownerEmail, "bob@example.com");
    assert.equal(item.Item?.shareId, id, "an owner's share keeps its id, for the links of GET /files");
  });

  it("lists only the caller's shares, newest first, across more than two pages, and refuses a forged or foreign cursor", async () => {
    const carol = await tokenFor(server, "carol@example.com");
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await share(server, carol, { fileName: `c${i}.txt` })).id);
    await share(server, bob);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const reply = await call(server, "GET", `/files?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { token: carol });
      assert.equal(reply.status, 200);
      assert.ok(reply.json.files.length <= 3);
      for (const f of reply.json.files) {
        assert.equal(f.shareUrl, `${server.apiUrl}files/${f.id}`);
        assert.equal(typeof f.downloadsRemaining === "number" || f.downloadsRemaining === null, true);
      }
      seen.push(...reply.json.files.map((f: { id: string }) => f.id));
      cursor = reply.json.nextCursor;
      const position = cursor === null ? "" : Buffer.from(cursor, "base64url").toString("utf8");
      for (const id of made) assert.ok(!position.includes(id), "a cursor names the share by key name, not by id");
      pages++;
    } while (cursor !== null && pages < 10);
    assert.ok(pages >= 3, `pages: ${pages}`);
    assert.deepEqual(seen, [...made].reverse(), "the caller's 7 shares, newest first, each once");

    const first = await call(server, "GET", "/files?limit=3", { token: carol });
    const foreign = await call(server, "GET", `/files?cursor=${first.json.nextCursor}`, { token: bob });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.json.error.code, "InvalidRequest");
    const forged = Buffer.from(JSON.stringify(["AAAAAAAAAAAAAAAAAAAAAA", "2026-01-01T00:00:00.000Z", "x"])).toString(
      "base64url",
    );
    for (const bad of [forged, "%%%", "bm90IGpzb24", "a".repeat(300)]) {
      const reply = await call(server, "GET", `/files?cursor=${bad}`, { token: carol });
      assert.equal(reply.status, 400, bad);
    }
    assert.equal((await call(server, "GET", "/files?limit=0", { token: carol })).status, 400);
    assert.equal((await call(server, "GET", "/files?limit=101", { token: carol })).status, 400);
  });

  it("deletes a share with the owner's bearer token, and refuses another user's (403)", async () => {
    const { id } = await share(server, alice);
    const other = await call(server, "DELETE", `/files/${id}`, { token: bob });
    assert.equal(other.status, 403);
    assert.equal(other.json.error.code, "Forbidden");
    const mine = await call(server, "DELETE", `/files/${id}`, { token: alice });
    assert.equal(mine.status, 204);
    assert.equal((await call(server, "GET", `/files/${id}`)).status, 404);
  });

  it("npm run token -- alice@example.com prints a token the running stack accepts", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("npm", ["run", "--silent", "token", "--", "alice@example.com", "--url", server.apiUrl], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      child.on("exit", (code) => (code === 0 ? resolve(text.trim()) : reject(new Error(`exit ${code}: ${err}`))));
    });
    assert.match(out, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal((await call(server, "GET", "/files", { token: out })).status, 200);
  });
});
