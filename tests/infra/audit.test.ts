// The audit events' bus and the optional forwarding to SNS (infra/audit.ts), as resource inputs under Pulumi mocks.
// Not proven here: that EventBridge matches the rule and SNS delivers (AWS behaviour), nor that KMS accepts the key
// policy; tests/local/audit.test.ts proves the PutEvents request the handlers send.
import assert from "node:assert/strict";
import { parseSettings, SettingsError } from "../../config/parse";
import { FileShare } from "../../infra/fileshare";
import { ACCOUNT_ID, buildStack, MockedRun, policyDocuments, stackConfigText, STACKS, buildProgram } from "./mocks";

const REGION = "eu-west-1";
/** The key's administration actions (infra/iam.ts KEY_ADMIN_ACTIONS, the one list for the alarm and audit keys),
 *  written out here rather than imported: an action added to or dropped from the policy must show up in this list. */
const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
];
const DETAIL_TYPES = [
  "Share Created",
  "Share Confirmed",
  "Share Rejected",
  "Share Downloaded",
  "Share Deleted",
  "Share Removed",
];

for (const stackName of STACKS) {
  describe(`Audit bus on ${stackName}, forwarding off by default (resource inputs under mocks)`, () => {
    it("creates the stack's own bus fileshare-<stack>-audit and no rule, topic, key or subscription for it", async () => {
      const run = await buildStack(stackName);
      const bus = run.one("aws:cloudwatch/eventBus:EventBus");
      assert.equal(bus.inputs["name"], `fileshare-${stackName}-audit`);
      assert.equal(run.config.settings.auditNotifications, false);
      assert.deepEqual(
        run.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs["eventBusName"] !== undefined),
        [],
        "no rule on the audit bus",
      );
      assert.deepEqual(
        run.ofType("aws:sns/topic:Topic").filter((t) => t.name.includes("audit")),
        [],
      );
      assert.deepEqual(
        run.ofType("aws:kms/key:Key").filter((k) => k.name.includes("audit")),
        [],
      );
      assert.deepEqual(
        run.ofType("aws:sns/topicSubscription:TopicSubscription").filter((s) => s.name.includes("audit")),
        [],
      );
    });
  });
}

describe("Audit forwarding on (prod config plus auditNotifications, two emails and an HTTPS endpoint; under mocks)", () => {
  let run: MockedRun<FileShare>;
  const busArn = `arn:aws:events:${REGION}:${ACCOUNT_ID}:event-bus/fileshare-prod-audit`;
  const one = (type: string, name: string) => {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `one ${type} ${name}`);
    return found[0]!;
  };
  before(async function () {
    this.timeout(300_000);
    run = await buildProgram("prod", {
      ...stackConfigText("prod"),
      "fileshare:auditNotifications": "true",
      "fileshare:auditNotificationEmails": JSON.stringify(["ops@example.com", "audit@example.com"]),
      "fileshare:auditNotificationUrls": JSON.stringify(["https://hooks.example.com/fileshare"]),
    });
  });

  it("forwards exactly the stack's audit events (source fileshare.prod, the six detail-types) from the audit bus", () => {
    const rule = one("aws:cloudwatch/eventRule:EventRule", "fileshare-audit-forward");
    assert.equal(rule.inputs["eventBusName"], "fileshare-prod-audit");
    assert.deepEqual(JSON.parse(rule.inputs["eventPattern"]), {
      source: ["fileshare.prod"],
      "detail-type": DETAIL_TYPES,
    });
    const target = one("aws:cloudwatch/eventTarget:EventTarget", "fileshare-audit-target");
    const topic = one("aws:sns/topic:Topic", "fileshare-audit-topic");
    assert.equal(target.inputs["rule"], rule.outputs["name"]);
    assert.equal(target.inputs["eventBusName"], "fileshare-prod-audit");
    assert.equal(target.inputs["arn"], topic.outputs["arn"]);
    assert.ok(target.dependencies.includes(one("aws:sns/topicPolicy:TopicPolicy", "fileshare-audit-topic-policy").urn));
  });

  it("encrypts the topic with its own rotating customer-managed key", () => {
    const key = one("aws:kms/key:Key", "fileshare-audit-key");
    const topic = one("aws:sns/topic:Topic", "fileshare-audit-topic");
    assert.equal(topic.inputs["kmsMasterKeyId"], key.outputs["arn"]);
    assert.equal(topic.inputs["name"], "fileshare-prod-audit");
    assert.equal(key.inputs["enableKeyRotation"], true);
  });

  it("lets only events.amazonaws.com, for the forwarding rule, publish to the topic, and nothing else", () => {
    const topic = one("aws:sns/topic:Topic", "fileshare-audit-topic");
    const rule = one("aws:cloudwatch/eventRule:EventRule", "fileshare-audit-forward");
    const policy = one("aws:sns/topicPolicy:TopicPolicy", "fileshare-audit-topic-policy");
    assert.equal(policy.inputs["arn"], topic.outputs["arn"]);
    assert.deepEqual(JSON.parse(policy.inputs["policy"]).Statement, [
      {
        Sid: "ForwardingRulePublishes",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["sns:Publish"],
        Resource: [topic.outputs["arn"]],
        Condition: { ArnEquals: { "aws:SourceArn": rule.outputs["arn"] } },
      },
    ]);
  });

  it("keys the topic with a policy of named actions: the account administers, EventBridge encrypts (no source condition, which SNS does not support there)", () => {
    const statements = JSON.parse(one("aws:kms/key:Key", "fileshare-audit-key").inputs["policy"]).Statement;
    assert.deepEqual(statements, [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
        Action: KEY_ADMIN_ACTIONS,
        Resource: "*",
      },
      {
        Sid: "EventBridgePublishesEncrypted",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
      },
    ]);
    // No Condition on EventBridge's statement: SNS does not support aws:SourceAccount/SourceArn there.
    for (const s of statements) for (const a of s.Action) assert.doesNotMatch(a, /\*/);
    const admin = (statements[0]?.Action ?? []) as string[];
    assert.ok(!admin.some((a) => /Decrypt|Encrypt|GenerateDataKey|ReEncrypt/.test(a)), "no data use");
  });

  it('has "*" resources in the key policy only (where it means "this key"), nowhere else in the program', () => {
    const starred = run.resources.flatMap((r) =>
      policyDocuments(r.inputs).flatMap((d) =>
        d.Statement.filter((s) => [s.Resource].flat().includes("*")).map(() => r.type),
      ),
    );
    assert.deepEqual([...new Set(starred)], ["aws:kms/key:Key"]);
  });

  it("subscribes each configured email and HTTPS endpoint to the topic, and no other", () => {
    const topic = one("aws:sns/topic:Topic", "fileshare-audit-topic");
    const subs = run.resources
      .filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription")
      .map((s) => [s.inputs["topic"], s.inputs["protocol"], s.inputs["endpoint"]])
      // prod's alarm topic has the deployer's alarmEmail (tests/infra/mocks.ts DEPLOYER_VALUES).
      .filter(([t]) => t !== one("aws:sns/topic:Topic", "fileshare-alarms").outputs["arn"]);
    const arn = topic.outputs["arn"];
    assert.deepEqual(subs.sort(), [
      [arn, "email", "audit@example.com"],
      [arn, "email", "ops@example.com"],
      [arn, "https", "https://hooks.example.com/fileshare"],
    ]);
  });

  it("still grants PutEvents on exactly the audit bus to the six functions that change shares", () => {
    const senders = run.resources
      .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")
      .filter((p) => p.inputs["policy"].includes("events:PutEvents"))
      .map((p) => {
        const statement = JSON.parse(p.inputs["policy"]).Statement.find(
          (s: { Sid: string }) => s.Sid === "SendAuditEvents",
        );
        assert.deepEqual(statement.Resource, [busArn], p.name);
        return p.name;
      });
    assert.deepEqual(senders.sort(), [
      "fileshare-cleanup-policy",
      "fileshare-createShare-policy",
      "fileshare-createUpload-policy",
      "fileshare-deleteFile-policy",
      "fileshare-downloadFile-policy",
      "fileshare-objectCreated-policy",
    ]);
  });
});

describe("Audit settings (config validation)", () => {
  it("refuses subscribers without auditNotifications, naming the key to turn on", () => {
    assert.throws(
      () => parseSettings({ auditNotificationEmails: ["ops@example.com"] }),
      (e: unknown) =>
        e instanceof SettingsError &&
        /auditNotificationEmails needs fileshare:auditNotifications: true/.test(e.message),
    );
    assert.throws(
      () => parseSettings({ auditNotificationUrls: ["https://x.example/hook"] }),
      /auditNotificationUrls needs fileshare:auditNotifications: true/,
    );
  });

  it("refuses a subscriber that is not an email or an https URL, and a local webhook that is not http(s)", () => {
    assert.throws(
      () => parseSettings({ auditNotifications: true, auditNotificationEmails: ["not-an-email"] }),
      /auditNotificationEmails: .*not-an-email.* not an email address/,
    );
    assert.throws(
      () => parseSettings({ auditNotifications: true, auditNotificationUrls: ["http://x.example/hook"] }),
      /auditNotificationUrls: .* not an https URL/,
    );
    assert.throws(() => parseSettings({ auditWebhookUrl: "ftp://x" }), /auditWebhookUrl: .* must be empty or an http/);
    assert.equal(
      parseSettings({ auditWebhookUrl: "http://127.0.0.1:9999/hook" }).auditWebhookUrl,
      "http://127.0.0.1:9999/hook",
    );
  });
});
