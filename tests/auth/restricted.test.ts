// Restricted shares against the local servers: passwords (right, wrong, limited, never consuming a download,
// counted atomically under concurrency) and recipients (401 without sign-in, 403 if not listed).
import assert from "node:assert/strict";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { LocalServer } from "../../local/server";
import { PASSWORD_ATTEMPT_LIMIT, PASSWORD_WINDOW_SECONDS } from "../../handlers/passwords";
import { call, ORIGIN, share, startSignedInStack, tokenFor } from "./support";
import { keyNameFor } from "../../handlers/ids";

const PASSWORD = "correct horse battery";

describe("restricted shares, locally: passwords and recipients", function () {
  this.timeout(120000);
  let server: LocalServer;
  let alice: string;
  let bob: string;
  let carol: string;
  const realNow = () => new Date();

  before(async () => {
    server = await startSignedInStack();
    alice = await tokenFor(server, "alice@example.com");
    bob = await tokenFor(server, "bob@example.com");
    carol = await tokenFor(server, "carol@example.com");
  });
  afterEach(() => {
    server.backends.deps.now = realNow;
  });
  after(async () => server?.close());

  const record = async (id: string) =>
    (
      await server.backends.deps.db.send(
        new GetCommand({
          TableName: server.backends.deps.config.tableName,
          Key: { id: keyNameFor(id) },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it("stores a password share's password only as a salted scrypt hash", async () => {
    const { id } = await share(server, alice, { password: PASSWORD });
    const item = await record(id);
    assert.match(item?.passwordHash, /^scrypt\$\d+\$\d+\$\d+\$[\w-]{22}\$[\w-]{43}$/);
    assert.ok(!JSON.stringify(item).includes(PASSWORD));
    const again = await share(server, alice, { password: PASSWORD });
    assert.notEqual((await record(again.id))?.passwordHash, item?.passwordHash, "a fresh salt per share");
  });

  it("refuses a password under 8 or over 128 characters, and recipients that are not emails, with 400", async () => {
    for (const fields of [
      { password: "short" },
      { password: "x".repeat(129) },
      { recipients: ["not an email"] },
      { recipients: [] },
    ]) {
      const reply = await call(server, "POST", "/uploads", {
        token: alice,
        body: { fileName: "a.txt", contentType: "text/plain", size: 1, ...fields },
      });
      assert.equal(reply.status, 400, JSON.stringify(fields));
      assert.equal(reply.json.error.code, "InvalidRequest");
    }
  });

  it("hides a password share's name and type until the password is given (unlock), consuming nothing", async () => {
    const { id } = await share(server, alice, { password: PASSWORD, fileName: "secret-plan.txt" });
    const meta = await call(server, "GET", `/files/${id}`);
    assert.equal(meta.status, 200);
    assert.equal(meta.json.passwordRequired, true);
    assert.equal(meta.json.fileName, undefined);
    assert.equal(meta.json.contentType, undefined);
    const wrong = await call(server, "POST", `/files/${id}/unlock`, { body: { password: "wrong password" } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.code, "WrongPassword");
    assert.equal(wrong.headers.get("access-control-allow-origin"), ORIGIN);
    const right = await call(server, "POST", `/files/${id}/unlock`, { body: { password: PASSWORD } });
    assert.equal(right.status, 200);
    assert.equal(right.json.fileName, "secret-plan.txt");
    assert.equal(right.json.downloads, 0);
    assert.equal((await record(id))?.passwordAttempts, 1, "only the wrong password counted");
  });

  it("downloads a password share only with the right password; a wrong or missing one consumes nothing", async () => {
    const { id } = await share(server, alice, { password: PASSWORD, maxDownloads: 2 });
    const missing = await call(server, "POST", `/files/${id}/download`);
    assert.equal(missing.status, 400);
    const wrong = await call(server, "POST", `/files/${id}/download`, { body: { password: "not the one" } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.code, "WrongPassword");
    assert.equal((await record(id))?.downloads, 0);
    const right = await call(server, "POST", `/files/${id}/download`, { body: { password: PASSWORD } });
    assert.equal(right.status, 200);
    assert.equal(right.json.downloadsRemaining, 1);
    assert.equal(await (await fetch(right.json.downloadUrl)).text(), "hello world");
  });

  it("answers 429 TooManyAttempts with Retry-After to everyone after 10 wrong passwords, until 15 minutes pass", async () => {
    const { id } = await share(server, alice, { password: PASSWORD });
    for (let i = 0; i < PASSWORD_ATTEMPT_LIMIT; i++) {
      const reply = await call(server, "POST", `/files/${id}/download`, { body: { password: `wrong ${i}` } });
      assert.equal(reply.status, 403, `attempt ${i + 1}`);
    }
    const locked = await call(server, "POST", `/files/${id}/download`, { body: { password: PASSWORD } });
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error.code, "TooManyAttempts");
    assert.equal(locked.headers.get("access-control-allow-origin"), ORIGIN);
    const retryAfter = Number(locked.headers.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= PASSWORD_WINDOW_SECONDS, `Retry-After ${retryAfter}`);
    assert.equal((await call(server, "POST", `/files/${id}/unlock`, { body: { password: PASSWORD } })).status, 429);
    assert.equal((await record(id))?.downloads, 0);

    server.backends.deps.now = () => new Date(Date.now() + (PASSWORD_WINDOW_SECONDS + 1) * 1000);
    const later = await call(server, "POST", `/files/${id}/download`, { body: { password: PASSWORD } });
    assert.equal(later.status, 200, JSON.stringify(later.json));
  });

  it("lets no more than 10 of 20 concurrent wrong passwords be checked; the rest get 429", async () => {
    const { id } = await share(server, alice, { password: PASSWORD });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(server, "POST", `/files/${id}/unlock`, { body: { password: `guess number ${i}` } }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 403).length, PASSWORD_ATTEMPT_LIMIT, statuses.join(","));
    assert.equal(statuses.filter((s) => s === 429).length, 20 - PASSWORD_ATTEMPT_LIMIT, statuses.join(","));
    assert.equal((await record(id))?.passwordAttempts, PASSWORD_ATTEMPT_LIMIT);
  });

  it("asks for sign-in (401) without a token, refuses an unlisted user (403) and serves a listed recipient", async () => {
    const { id } = await share(server, alice, { recipients: ["Bob@Example.com"] });
    for (const [path, method] of [
      [`/files/${id}`, "GET"],
      [`/files/${id}/download`, "POST"],
    ] as const) {
      const anonymous = await call(server, method, path);
      assert.equal(anonymous.status, 401, path);
      assert.equal(anonymous.json.error.code, "Unauthorized");
      assert.equal(anonymous.headers.get("access-control-allow-origin"), ORIGIN);
      const stranger = await call(server, method, path, { token: carol });
      assert.equal(stranger.status, 403, path);
      assert.equal(stranger.json.error.code, "Forbidden");
    }
    assert.equal((await record(id))?.downloads, 0);
    assert.equal((await call(server, "GET", `/files/${id}`, { token: bob })).status, 200);
    const download = await call(server, "POST", `/files/${id}/download`, { token: bob });
    assert.equal(download.status, 200);
    assert.equal((await call(server, "GET", `/files/${id}`, { token: alice })).status, 200, "the owner too");
  });
});
