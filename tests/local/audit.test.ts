// Audit events in the local mode (`npm start`'s stack in this process, sign-in on, real S3 and DynamoDB servers):
// every state change of a share is one event, written to the log as a JSON line and POSTed to the webhook that
// FILESHARE_AUDIT_WEBHOOK_URL names (a real HTTP server here). Fingerprints only: no id, token or URL in them.
import { captureStdout } from "../support/stdout";
import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { AuditEvent } from "../../handlers/audit";
import { runCleanup } from "../../handlers/cleanup";
import { createLogger } from "../../handlers/log";
import { localSubFor } from "../../local/oidc";
import { LocalServer } from "../../local/server";
import { call, startSignedInStack, tokenFor } from "../auth/support";
import { leaks, Secrets } from "../support/flow";
import { waitFor } from "../support/wait";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

/** A webhook receiver: records every POST body; answers `status`. */
class Receiver {
  readonly bodies: Record<string, unknown>[] = [];
  status = 204;
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.bodies.push({
        method: req.method,
        contentType: req.headers["content-type"],
        ...JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      res.writeHead(this.status).end();
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
  details(): AuditEvent[] {
    return this.bodies.map((b) => b["detail"] as AuditEvent);
  }
}

const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("Audit events in the local mode: the log and the webhook (real servers, sign-in on)", function () {
  this.timeout(120_000);
  const receiver = new Receiver();
  let server: LocalServer;
  let token: string;
  const email = "alice@example.com";

  before(async () => {
    const hook = await receiver.start();
    // The timer at its slowest: this test runs the clean-up itself, with a moved clock.
    server = await startSignedInStack({ FILESHARE_AUDIT_WEBHOOK_URL: hook, FILESHARE_CLEANUP_INTERVAL_SECONDS: "900" });
    token = await tokenFor(server, email);
  });
  after(async () => {
    await server?.close();
    await receiver.close();
  });

  it("emits one event per state change (created, confirmed, downloaded, deleted, rejected, removed) with fingerprints, owner and caller", async () => {
    const deps = server.backends.deps;
    const secrets: Secrets = { ids: [], deleteTokens: [], signatures: [] };
    const bytes = Buffer.from("hello, audit");
    const create = async (fields: Record<string, unknown> = {}) => {
      const r = await call(server, "POST", "/uploads", {
        token,
        body: { fileName: "a.txt", contentType: "text/plain", size: bytes.length, maxDownloads: 3, ...fields },
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      secrets.ids.push(r.json.id);
      secrets.deleteTokens.push(r.json.deleteToken);
      secrets.signatures.push(new URL(r.json.uploadUrl).searchParams.get("X-Amz-Signature") ?? "");
      return r.json as { id: string; deleteToken: string; uploadUrl: string; headers: Record<string, string> };
    };
    const upload = async (created: { uploadUrl: string; headers: Record<string, string> }) => {
      const put = await fetch(created.uploadUrl, { method: "PUT", headers: created.headers, body: bytes });
      assert.equal(put.status, 200);
      await server.backends.idle();
    };

    const { result: shares, text } = await captureStdout(async () => {
      // a: created, confirmed, downloaded (anonymously), deleted by its token.
      const a = await create();
      await upload(a);
      const download = await call(server, "POST", `/files/${a.id}/download`);
      assert.equal(download.status, 200);
      secrets.signatures.push(new URL(download.json.downloadUrl).searchParams.get("X-Amz-Signature") ?? "");
      const del = await call(server, "DELETE", `/files/${a.id}`, { headers: { "x-delete-token": a.deleteToken } });
      assert.equal(del.status, 204);
      // b: an upload that is not what was declared (written past the URL): rejected, the share stays pending.
      const b = await create();
      await deps.s3.send(
        new PutObjectCommand({ Bucket: deps.config.bucketName, Key: fileKeyFor(b.id), Body: "wrong size" }),
      );
      await server.backends.idle();
      // c: expires; the clean-up, 20 minutes later, removes it (and b, whose upload never arrived).
      const c = await create({ expiresInSeconds: 60 });
      await upload(c);
      const later = { ...deps, now: () => new Date(Date.now() + 1200_000) };
      const report = await runCleanup(later, { limit: 100, log: createLogger({ component: "test-cleanup" }) });
      assert.equal(report.failed, 0);
      return { a, b, c };
    });

    // A share by the fingerprint of its key name; a caller by the fingerprint of its sub or address.
    const fp = (id: string) => deps.fingerprint(keyNameFor(id));
    const events = await waitFor(() => (receiver.bodies.length >= 10 ? receiver.details() : undefined), {
      what: "ten webhook deliveries",
    });
    const sub = localSubFor(email);
    assert.deepEqual(
      events.map((e) => [e.type, e.file]),
      [
        ["share.created", fp(shares.a.id)],
        ["share.confirmed", fp(shares.a.id)],
        ["share.downloaded", fp(shares.a.id)],
        ["share.deleted", fp(shares.a.id)],
        ["share.created", fp(shares.b.id)],
        ["share.rejected", fp(shares.b.id)],
        ["share.created", fp(shares.c.id)],
        ["share.confirmed", fp(shares.c.id)],
        // The clean-up takes due shares oldest sweep time first: c (expired at +60 s) before b (+15 min).
        ["share.removed", fp(shares.c.id)],
        ["share.removed", fp(shares.b.id)],
      ],
    );
    const [created, confirmed, downloaded, deleted, , rejected, , , removedC, removedB] = events as [
      AuditEvent,
      ...AuditEvent[],
    ];
    for (const e of events) {
      assert.equal(e.version, 1);
      assert.ok(!Number.isNaN(Date.parse(e.time)), "an ISO time");
      assert.deepEqual(e.owner, { sub, email }, `${e.type}: the owner is the signed-in creator`);
      assert.match(e.file, /^[A-Za-z0-9_-]{12}$/);
    }
    assert.deepEqual(
      { ...created, time: undefined, requestId: undefined },
      {
        version: 1,
        type: "share.created",
        time: undefined,
        requestId: undefined,
        file: fp(shares.a.id),
        owner: { sub, email },
        caller: deps.fingerprint(sub),
        callerType: "user",
        size: bytes.length,
        contentType: "text/plain",
        downloadsLeft: 3,
        expiresAt: created?.expiresAt,
        multipart: false,
      },
    );
    assert.match(String(created?.requestId), /^[0-9a-f-]{36}$/, "the request it happened in");
    assert.equal(confirmed?.downloadsLeft, 3);
    assert.equal(downloaded?.downloadsLeft, 2, "downloads left after this download");
    assert.deepEqual(
      [downloaded?.caller, downloaded?.callerType],
      [deps.fingerprint("127.0.0.1"), "ip"],
      "anonymous: by address",
    );
    assert.deepEqual(
      [deleted?.caller, deleted?.callerType],
      [deps.fingerprint("127.0.0.1"), "ip"],
      "deleted by token, not sign-in",
    );
    assert.equal(rejected?.reason, "mismatch");
    assert.deepEqual([removedC?.reason, removedB?.reason], ["expired", "upload-never-arrived"]);

    // The webhook gets them as EventBridge hands events to a rule's target.
    for (const body of receiver.bodies.slice(0, 10)) {
      assert.equal(body["method"], "POST");
      assert.equal(body["contentType"], "application/json");
      assert.equal(body["source"], "fileshare.local");
    }
    assert.deepEqual(
      receiver.bodies.slice(0, 10).map((b) => b["detail-type"]),
      [
        "Share Created",
        "Share Confirmed",
        "Share Downloaded",
        "Share Deleted",
        "Share Created",
        "Share Rejected",
        "Share Created",
        "Share Confirmed",
        "Share Removed",
        "Share Removed",
      ],
    );
    // The log holds the same events, as JSON lines.
    const logged = jsonLines(text)
      .filter((l) => l["message"] === "audit event")
      .map((l) => l["audit"]);
    assert.deepEqual(logged, events);

    // No id, delete token, bearer token or URL anywhere in what was emitted.
    const emitted = JSON.stringify(receiver.bodies) + text;
    assert.deepEqual(leaks(emitted, secrets), [], "secrets in the audit events or the logs");
    assert.ok(!emitted.includes(token), "the bearer token");
    assert.doesNotMatch(JSON.stringify(events), /https?:\/\/|uploads\//, "no URL or S3 key in an event");
  });

  it("keeps serving when the webhook fails: the request succeeds and a warning names the share by fingerprint", async () => {
    receiver.status = 500;
    const before = receiver.bodies.length;
    const { result, text } = await captureStdout(() =>
      call(server, "POST", "/uploads", {
        token,
        body: { fileName: "b.txt", contentType: "text/plain", size: 3 },
      }),
    );
    receiver.status = 204;
    assert.equal(result.status, 201, "the share was created whatever the webhook said");
    assert.equal(receiver.bodies.length, before + 1, "the webhook was tried");
    const warning = jsonLines(text).find((l) => l["message"] === "audit event not sent");
    assert.ok(warning, "a warning");
    assert.equal(warning["level"], "warn");
    assert.equal(warning["file"], server.backends.deps.fingerprint(keyNameFor(result.json.id)));
    assert.equal(warning["errorMessage"], "the audit webhook answered 500");
    assert.ok(!text.includes(result.json.id) && !text.includes(result.json.deleteToken), "no id or token in clear");
  });
});
