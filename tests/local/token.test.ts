// `npm run token` finds the running `npm start` by itself, on whatever port it listens (its data folder records
// the URL), and says which --url to pass when it cannot.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalProcess, REPO_ROOT, startLocalProcess } from "./server";

/** `npm run -s token -- ...` with `env`; resolves with its exit code and output (async: a spawnSync would hang the in-process servers). */
function token(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const clean = { ...process.env };
    delete clean.PORT;
    delete clean.FILESHARE_URL;
    execFile(
      "npm",
      ["run", "-s", "token", "--", ...args],
      { cwd: REPO_ROOT, env: { ...clean, ...env } },
      (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("local mode: npm run token", function () {
  this.timeout(90000);
  let dataDir: string;
  let local: LocalProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "fileshare-token-test-"));
  });
  after(async () => {
    await local?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("without a running npm start, fails in one line that says to start it or which --url to pass", async () => {
    const none = await token(["alice@example.com"], { FILESHARE_DATA_DIR: dataDir });
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /^token: no npm start runs on the data folder .* --url http:\/\/127\.0\.0\.1:3000\//);
    assert.equal(none.stderr.trim().split("\n").length, 1, none.stderr);
    const wrong = await token(["--url", "http://127.0.0.1:9/", "alice@example.com"], {});
    assert.match(wrong.stderr, /^token: nothing answers at http:\/\/127\.0\.0\.1:9\/: pass the URL npm start printed/);
  });

  it("finds npm start on a port other than 3000 through its data folder and prints an ID token for the email", async () => {
    local = await startLocalProcess({ env: { FILESHARE_DATA_DIR: dataDir } });
    assert.notEqual(new URL(local.url).port, "3000");
    const signed = await token(["alice@example.com"], { FILESHARE_DATA_DIR: dataDir });
    assert.equal(signed.code, 0, signed.stderr);
    const [, payload] = signed.stdout.trim().split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as { email?: string };
    assert.equal(claims.email, "alice@example.com");
    // The token works on the API of that server: GET /files lists the caller's (no) shares.
    const mine = await fetch(new URL("files", local.url), {
      headers: { authorization: `Bearer ${signed.stdout.trim()}` },
    });
    assert.equal(mine.status, 200, await mine.text());
  });
});
