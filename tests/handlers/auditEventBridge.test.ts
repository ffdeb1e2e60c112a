// The AWS audit sink (handlers/auditEventBridge.ts): the real EventBridge SDK client, pointed at a local server that
// records each PutEvents request (tests/support/eventBridgeRecorder.ts), behind the real route handlers and real
// S3/DynamoDB servers. Proven: the request's shape and that audit never fails a user's request. Not proven: what
// EventBridge itself does with the event (no AWS here).
import assert from "node:assert/strict";
import { AuditSink } from "../../handlers/audit";
import { createEventBridgeClient, EVENTBRIDGE_MAX_ATTEMPTS, eventBridgeSink } from "../../handlers/auditEventBridge";
import { EventBridgeRecorder } from "../support/eventBridgeRecorder";
import { bytesOf, captureLogs, useBackends } from "../support/harness";
import { keyNameFor } from "../../handlers/ids";

const BUS = "fileshare-test-audit";
const SOURCE = "fileshare.test";
const credentials = { accessKeyId: "AKIDAUDITTEST", secretAccessKey: "audit-test-secret" };

describe("EventBridge audit sink: the real SDK client against a recording endpoint (real S3/DynamoDB servers)", function () {
  this.timeout(60_000);
  const env = useBackends();
  const recorder = new EventBridgeRecorder();
  let sink: AuditSink;

  before(async () => {
    await env.start();
    const endpoint = await recorder.start();
    sink = eventBridgeSink(createEventBridgeClient({ region: "eu-west-1", endpoint, credentials }), BUS, SOURCE);
  });
  after(async () => {
    await recorder.close();
    await env.stop();
  });
  beforeEach(() => {
    recorder.mode = "accept";
    recorder.calls.length = 0;
  });

  it("sends one signed PutEvents per download: EventBusName, Source, DetailType and the event as Detail JSON", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(300), { maxDownloads: 2 });
    const reply = await api.with({ audit: sink }).request("POST", `/files/${id}/download`);
    assert.equal(reply.status, 200);
    assert.equal(recorder.calls.length, 1, "one request");
    const [call] = recorder.calls;
    assert.equal(call?.method, "POST");
    assert.equal(call?.path, "/");
    assert.equal(call?.headers["x-amz-target"], "AWSEvents.PutEvents");
    assert.equal(call?.headers["content-type"], "application/x-amz-json-1.1");
    assert.match(
      String(call?.headers["authorization"]),
      /^AWS4-HMAC-SHA256 Credential=AKIDAUDITTEST\/\d{8}\/eu-west-1\/events\/aws4_request, SignedHeaders=[^,]*x-amz-target/,
      "SigV4 for the events service, the target signed",
    );
    const entries = recorder.entries();
    assert.equal(entries.length, 1);
    const entry = entries[0]!;
    assert.deepEqual(Object.keys(entry).sort(), ["Detail", "DetailType", "EventBusName", "Source", "Time"]);
    assert.equal(entry.EventBusName, BUS);
    assert.equal(entry.Source, SOURCE);
    assert.equal(entry.DetailType, "Share Downloaded");
    const detail = JSON.parse(entry.Detail);
    assert.equal(detail.type, "share.downloaded");
    assert.equal(detail.file, api.deps.fingerprint(keyNameFor(id)));
    assert.equal(detail.downloadsLeft, 1);
    assert.equal(detail.size, 300);
    assert.equal(detail.callerType, "ip");
    assert.equal(entry.Time, Date.parse(detail.time) / 1000, "the event's own time, in epoch seconds");
    assert.ok(!call!.body.includes(id), "no share id in the request");
    assert.doesNotMatch(call!.body, /https?:\/\/|X-Amz-Signature/, "no URL in the event");
  });

  it("sends the created and deleted events of a share with their detail-types, never the delete token", async () => {
    const api = env.api().with({ audit: sink });
    const created = await api.createUpload({ size: 5 });
    assert.equal(created.status, 201);
    const deleted = await api.request("DELETE", `/files/${created.json.id}`, {
      headers: { "x-delete-token": created.json.deleteToken },
    });
    assert.equal(deleted.status, 204);
    assert.deepEqual(
      recorder.entries().map((e) => [e.DetailType, JSON.parse(e.Detail).type, JSON.parse(e.Detail).file]),
      [
        ["Share Created", "share.created", api.deps.fingerprint(keyNameFor(created.json.id))],
        ["Share Deleted", "share.deleted", api.deps.fingerprint(keyNameFor(created.json.id))],
      ],
    );
    const sent = recorder.calls.map((c) => c.body).join("\n");
    assert.ok(!sent.includes(created.json.deleteToken) && !sent.includes(created.json.id));
  });

  for (const [mode, expected] of [
    ["refuse-entry", /EventBridge refused the event: ThrottlingException Rate exceeded/],
    ["fail", /recorder says no|InternalException/],
  ] as const) {
    it(`still answers the user when EventBridge ${mode === "fail" ? "fails (500)" : "refuses the entry (FailedEntryCount 1)"}, and logs a warning with the fingerprint`, async () => {
      recorder.mode = mode;
      const api = env.api().with({ audit: sink });
      const { result, entries } = await captureLogs(() => api.createUpload({ size: 5 }));
      assert.equal(result.status, 201, "the share is created whatever EventBridge said");
      const warning = entries.find((e) => e.message === "audit event not sent");
      assert.ok(warning, "a warning");
      assert.equal(warning.level, "warn");
      assert.equal(warning.file, api.deps.fingerprint(keyNameFor(result.json.id)));
      assert.equal(warning.audit.type, "share.created", "the whole event is kept in the log");
      assert.match(warning.errorMessage, expected);
      assert.ok(!JSON.stringify(entries).includes(result.json.id), "no id in clear");
      // A 500 is retried, within the sink's bound; a refused entry is an answer, not retried by the SDK.
      assert.equal(recorder.calls.length, mode === "fail" ? EVENTBRIDGE_MAX_ATTEMPTS : 1);
    });
  }

  it("still answers the user when nothing listens at the EventBridge endpoint", async () => {
    const dead = eventBridgeSink(
      createEventBridgeClient({ region: "eu-west-1", endpoint: "http://127.0.0.1:9", credentials }),
      BUS,
      SOURCE,
    );
    const api = env.api();
    const { id } = await api.share(bytesOf(10));
    const { result, entries } = await captureLogs(() =>
      api.with({ audit: dead }).request("POST", `/files/${id}/download`),
    );
    assert.equal(result.status, 200);
    assert.ok(result.json.downloadUrl, "the download URL was handed out");
    assert.ok(
      entries.some((e) => e.message === "audit event not sent" && e.file === api.deps.fingerprint(keyNameFor(id))),
    );
  });
});
