// A stack without sign-in (auth none, today's behaviour): GET /config says so, recipients are refused, and the
// new settings are validated with messages that name the key.
import assert from "node:assert/strict";
import { parseSettings, SettingsError } from "../../config/parse";
import { testConfig, useBackends } from "../support/harness";

describe("a stack without sign-in (auth none)", () => {
  const env = useBackends(testConfig());
  before(env.start);
  after(env.stop);

  it("GET /config answers auth null and the stack's limits, cacheable for 300 s", async () => {
    const reply = await env.api().request("GET", "/config");
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["cache-control"], "public, max-age=300");
    assert.equal(reply.json.auth, null);
    assert.equal(reply.json.apiKeys, false);
    assert.deepEqual(reply.json.limits, {
      maxFileSizeBytes: 1024 * 1024,
      // The stack's own multipart settings (the schema's defaults here), not the largest file size.
      multipartThresholdBytes: 104857600,
      multipartPartSizeBytes: 16777216,
      // v1.2: shares of several files.
      maxFilesPerShare: 100,
      maxShareSizeBytes: 10 * 1024 ** 3,
      maxShareTtlSeconds: 86400,
      defaultShareTtlSeconds: 3600,
      defaultMaxDownloads: 0,
      maxDownloadsLimit: 100,
      allowedContentTypes: [],
    });
  });

  it("refuses recipients with 400 (there is no sign-in to check them), but takes a password", async () => {
    const api = env.api();
    const refused = await api.createUpload({ recipients: ["bob@example.com"] });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /recipients need sign-in/);
    assert.equal((await api.createUpload({ password: "a good password" })).status, 201);
  });

  it("answers a bearer token with 401, and GET /files with 401, instead of treating the caller as anonymous", async () => {
    const api = env.api();
    const reply = await api.createUpload({}, { authorization: "Bearer a.b.c" });
    assert.equal(reply.status, 401);
    assert.equal((await api.request("GET", "/files")).status, 401);
  });
});

describe("settings validation of sign-in, API keys and WAF", () => {
  const rejects = (raw: Record<string, unknown>, ...parts: string[]) =>
    assert.throws(
      () => parseSettings(raw),
      (e: unknown) => e instanceof SettingsError && parts.every((p) => e.message.includes(p)),
    );

  it("names the key and the allowed values of auth and authMfa", () => {
    rejects({ auth: "ldap" }, "fileshare:auth", "none, cognito");
    rejects({ authMfa: "sometimes" }, "fileshare:authMfa", "off, optional, required");
  });

  it("refuses callback URLs that are not https or http://localhost (Cognito refuses http://127.0.0.1) and domains that are not domains", () => {
    rejects({ authCallbackUrls: ["http://evil.example.com/cb"] }, "fileshare:authCallbackUrls");
    rejects({ authCallbackUrls: ["http://127.0.0.1:8765/callback"] }, "fileshare:authCallbackUrls", "not 127.0.0.1");
    rejects({ authCallbackUrls: ["http://[::1]:8765/callback"] }, "fileshare:authCallbackUrls");
    rejects({ authEmailDomains: ["@example.com"] }, "fileshare:authEmailDomains");
    assert.doesNotThrow(() =>
      parseSettings({ authCallbackUrls: ["http://localhost:8765/callback", "https://app.example.com/cb"] }),
    );
  });

  it("registers the CLI's callback http://localhost:8765/callback by default", () => {
    assert.deepEqual(parseSettings({}).authCallbackUrls, ["http://localhost:8765/callback"]);
  });

  it("refuses downloads that require sign-in on a stack without sign-in, and a WAF limit under 10", () => {
    rejects({ authDownloadsRequireSignIn: true }, "fileshare:authDownloadsRequireSignIn", "fileshare:auth");
    rejects({ wafRateLimit: 5 }, "fileshare:wafRateLimit", "from 10");
  });
});
