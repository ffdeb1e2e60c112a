// The `fileshare` command on a stack with sign-in, as a child process against `npm start`'s stack (local
// gateway, S3, DynamoDB and OIDC issuer): login through the loopback callback (the issuer's sign-in page driven
// as a browser would), list with paging, password shares up and down, FILESHARE_TOKEN, logout.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listShares } from "../../cli/list";
import { LocalServer } from "../../local/server";
import { followSignIn } from "../../local/signIn";
import { refreshStatus, startSignedInStack, tokenFor } from "../auth/support";
import { waitFor } from "../support/wait";
import { Run, startCli } from "./process";

const PASSWORD = "correct horse battery";

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

describe("fileshare CLI with sign-in: login, list, passwords, logout (child processes)", function () {
  this.timeout(180_000);
  let server: LocalServer;
  let dir: string;
  let port: number;
  let api: string;

  before(async () => {
    port = await freePort();
    server = await startSignedInStack({ FILESHARE_AUTH_CALLBACK_URLS: `http://localhost:${port}/callback` });
    api = server.apiUrl;
    dir = await mkdtemp(join(tmpdir(), "fileshare-cli-auth-"));
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (args: string[], env: Record<string, string> = {}) =>
    startCli(args, {
      FILESHARE_CONFIG_DIR: join(dir, "config"),
      FILESHARE_API: api,
      FILESHARE_TOKEN: "",
      FILESHARE_PASSWORD: "",
      ...env,
    });
  const run = (args: string[], env?: Record<string, string>) => start(args, env).done;
  const linkOf = (r: Run) => /^link: (\S+)$/m.exec(r.stdout)?.[1] as string;

  async function upload(name: string, bytes: Buffer, args: string[] = [], env: Record<string, string> = {}) {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const up = await run(["upload", path, ...args], env);
    assert.equal(up.code, 0, up.stderr);
    await server.backends.idle();
    return linkOf(up);
  }

  it("refuses list before login with exit 7 and one line that says to log in", async () => {
    const r = await run(["list"]);
    assert.equal(r.code, 7);
    assert.equal(r.stderr, "fileshare: Not signed in: run `fileshare login` (or set FILESHARE_TOKEN).\n");
  });

  it("logs in through the loopback callback (code + PKCE) and keeps the tokens in a 0600 file", async () => {
    const login = start(["login", "--no-browser", "--port", String(port)]);
    let printed = "";
    login.child.stderr?.on("data", (c) => (printed += c));
    const address = await waitFor(() => /^(http\S+\/auth\?\S+)$/m.exec(printed)?.[1], {
      what: "the sign-in address",
    });
    const url = new URL(address);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(url.searchParams.get("redirect_uri"), `http://localhost:${port}/callback`);
    // The person signs in in a browser; the issuer then sends the browser back to the CLI's listener.
    const back = await followSignIn(address, `http://localhost:${port}/callback`, "alice@example.com");
    const page = await fetch(back);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Signed in to fileshare/);
    const done = await login.done;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, "signed in as alice@example.com\n");
    const file = join(dir, "config", "tokens.json");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, "utf8"));
    assert.ok(saved[api].idToken && saved[api].refreshToken, "ID and refresh tokens kept for this API");
  });

  it("uploads with the saved sign-in (this stack requires it) and lists the shares, newest first", async () => {
    const first = await upload("one.txt", randomBytes(100));
    const second = await upload("two.txt", randomBytes(200));
    const r = await run(["list"]);
    assert.equal(r.code, 0, r.stderr);
    // One block per share, newest first, a blank line between them (cli/shareText.ts).
    const blocks = r.stdout.split("\n\n");
    assert.equal(blocks.length, 2, r.stdout);
    assert.match(blocks[0] as string, /^name: +two\.txt\nsize: +200 bytes\n/);
    assert.match(blocks[0] as string, new RegExp(`^link: +${second}$`, "m"));
    assert.match(blocks[1] as string, /^name: +one\.txt\n/);
    assert.match(blocks[1] as string, new RegExp(`^link: +${first}$`, "m"));
    assert.match(blocks[1] as string, /^sha256: +[0-9a-f]{64}$/m);
    const one = await run(["list", "--limit", "1", "--json"]);
    assert.deepEqual(
      JSON.parse(one.stdout).map((s: { shareUrl: string }) => s.shareUrl),
      [second],
    );
  });

  it("follows the API's cursor page by page", async () => {
    const token = await tokenFor(server, "paging@example.com");
    const auth = { Authorization: `Bearer ${token}` };
    for (const n of [1, 2, 3]) await upload(`page${n}.txt`, randomBytes(10), [], { FILESHARE_TOKEN: token });
    const all = await listShares(api, auth, undefined, 1);
    assert.deepEqual(
      all.map((s) => s.fileName),
      ["page3.txt", "page2.txt", "page1.txt"],
    );
    const r = await run(["list", "--json"], { FILESHARE_TOKEN: token });
    assert.equal(JSON.parse(r.stdout).length, 3, "FILESHARE_TOKEN signs the child process in");
  });

  it("shares with a password from FILESHARE_PASSWORD; a download needs it, a wrong one writes nothing", async () => {
    const bytes = randomBytes(5000);
    const link = await upload("secret.bin", bytes, ["--password"], { FILESHARE_PASSWORD: PASSWORD });
    const out = join(dir, "secret-copy.bin");

    const noTerminal = await run(["download", link, "-o", out]);
    assert.equal(noTerminal.code, 2);
    assert.match(noTerminal.stderr, /^fileshare: No terminal to ask for the password: set FILESHARE_PASSWORD/);

    const wrong = await run(["download", link, "-o", out], { FILESHARE_PASSWORD: "not the password" });
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(wrong.stderr, /\(403 WrongPassword\)/);
    await assert.rejects(stat(out), "no file written for a wrong password");

    const right = await run(["download", link, "-o", out], { FILESHARE_PASSWORD: PASSWORD });
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /SHA-256 verified/);
    assert.ok((await readFile(out)).equals(bytes));
  });

  it("logs out: the tokens are forgotten and revoked, and list asks for sign-in again", async () => {
    const before = JSON.parse(await readFile(join(dir, "config", "tokens.json"), "utf8"))[api] as {
      refreshToken: string;
    };
    const out = await run(["logout"]);
    assert.equal(out.stdout, "signed out\n");
    assert.equal(out.stderr, "", "the revocation was not confirmed");
    const saved = JSON.parse(await readFile(join(dir, "config", "tokens.json"), "utf8"));
    assert.equal(saved[api], undefined);
    // A copy of the tokens file taken before logout signs nobody in: the refresh token was revoked.
    assert.deepEqual(await refreshStatus(server, before.refreshToken), { status: 400, error: "invalid_grant" });
    assert.equal((await run(["list"])).code, 7);
    assert.equal((await run(["logout"])).stdout, "not signed in\n");
  });
});
