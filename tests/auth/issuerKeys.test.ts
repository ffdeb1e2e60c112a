// The local issuer's signing key, cookie keys and port live in npm start's data folder (mode 0600), so restarting
// `npm start` signs nobody out: a token from before the restart still works after it.
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { ISSUER_STATE_FILE } from "../../local/issuerState";
import { call, tokenFor } from "./support";

describe("local issuer: keys kept across npm start restarts (.local-data)", function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-issuer-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const start = async (dataDir: string) =>
    startLocal({ port: 0, dataDir, settings: await loadSettings({ FILESHARE_AUTH: "cognito" }) });

  it("creates the key file on first start, readable by its owner only (0600)", async () => {
    const server = await start(dir);
    try {
      const mode = (await stat(join(dir, ISSUER_STATE_FILE))).mode & 0o777;
      assert.equal(mode.toString(8), "600");
    } finally {
      await server.close();
    }
  });

  it("accepts a token issued before a restart after it: same key, same issuer URL", async () => {
    const first = await start(dir);
    let token: string;
    let issuer: string;
    try {
      token = await tokenFor(first, "alice@example.com");
      issuer = first.issuer!.issuer;
      assert.equal((await call(first, "GET", "/files", { token })).status, 200);
    } finally {
      await first.close();
    }
    const second = await start(dir);
    try {
      assert.equal(second.issuer!.issuer, issuer, "the issuer URL (its port) changed across the restart");
      const reply = await call(second, "GET", "/files", { token });
      assert.equal(reply.status, 200, `the old token was refused after the restart: ${JSON.stringify(reply.json)}`);
    } finally {
      await second.close();
    }
  });

  it("refuses the token at another data folder's issuer (its own key), so the key really comes from the folder", async () => {
    const first = await start(dir);
    let token: string;
    try {
      token = await tokenFor(first, "alice@example.com");
    } finally {
      await first.close();
    }
    const other = await mkdtemp(join(tmpdir(), "fileshare-issuer-other-"));
    const second = await start(other);
    try {
      assert.equal((await call(second, "GET", "/files", { token })).status, 401);
    } finally {
      await second.close();
      await rm(other, { recursive: true, force: true });
    }
  });

  it("stops with a clear message when the key file is not the issuer's", async () => {
    await writeFile(join(dir, ISSUER_STATE_FILE), "{not json", { mode: 0o600 });
    await assert.rejects(start(dir), /oidc-issuer\.json is not the local issuer's key file; delete it/);
  });
});
