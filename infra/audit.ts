// The audit events' bus (handlers/audit.ts): a stack-owned EventBridge bus that the emitting functions may
// PutEvents to (infra/iam.ts grants exactly that bus), and, with fileshare:auditNotifications, a rule that
// forwards every audit event to a KMS-encrypted SNS topic with optional email and HTTPS subscribers.
// Why a bus of our own and not the account's default bus: the IAM grant names one bus ARN (on the default bus a
// function could write any event any other rule in the account listens for), rules on the default bus written
// by other teams or tools never see share activity, and deleting the stack deletes the bus with its rules.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { Settings } from "../config/schema";
import { AUDIT_DETAIL_TYPES } from "../handlers/audit";
import { KEY_ADMIN_ACTIONS } from "./iam";
import { accountOf } from "./uploadEvents";

/** The `source` of a stack's audit events. */
export function auditSource(stack: string): string {
  return `fileshare.${stack}`;
}

/** What EventBridge needs to publish to a topic encrypted with the key (SNS encrypts with a data key). */
export const KEY_PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

/** The key policy of the audit topic's key. In a key policy, Resource "*" means "this key" (the only form a key
 *  policy's resource takes; the key's ARN does not exist before the key). */
export function auditKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: [...KEY_ADMIN_ACTIONS],
        Resource: "*",
      },
      {
        Sid: "EventBridgePublishesEncrypted",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: [...KEY_PUBLISH_ACTIONS],
        Resource: "*",
        // No aws:SourceAccount/aws:SourceArn here: SNS documents that EventBridge's publishing to an encrypted
        // topic fails with them in the key policy (docs/deploy.md). The topic policy's aws:SourceArn still
        // limits who may publish to the one forwarding rule.
      },
    ],
  });
}

/** The topic policy: only EventBridge, and only for the forwarding rule, may publish. */
export function auditTopicPolicy(topicArn: string, ruleArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ForwardingRulePublishes",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["sns:Publish"],
        Resource: [topicArn],
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      },
    ],
  });
}

/** A subscription's resource name: stable when the list is reordered (a hash of the endpoint, not its index). */
const subscriptionName = (name: string, endpoint: string) =>
  `${name}-audit-sub-${createHash("sha256").update(endpoint).digest("hex").slice(0, 8)}`;

export interface AuditEventsArgs {
  settings: Settings;
  stack: string;
}

/** The stack's audit bus, and the optional forwarding to SNS. */
export class AuditEvents extends pulumi.ComponentResource {
  public readonly bus: aws.cloudwatch.EventBus;
  /** The `source` every audit event carries: fileshare.<stack>. */
  public readonly source: string;
  /** The forwarding rule, topic and key (auditNotifications only). */
  public readonly rule?: aws.cloudwatch.EventRule;
  public readonly topic?: aws.sns.Topic;
  public readonly key?: aws.kms.Key;

  constructor(name: string, args: AuditEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:audit:AuditEvents", name, {}, opts);
    this.source = auditSource(args.stack);
    this.bus = new aws.cloudwatch.EventBus(
      `${name}-audit-bus`,
      { name: `${name}-${args.stack}-audit`, description: "Audit events of fileshare shares (handlers/audit.ts)" },
      { parent: this },
    );
    if (args.settings.auditNotifications) {
      const accountId = this.bus.arn.apply(accountOf);
      this.key = new aws.kms.Key(
        `${name}-audit-key`,
        {
          description: `Encrypts the ${name}-${args.stack} audit topic`,
          enableKeyRotation: true,
          deletionWindowInDays: 7,
          policy: accountId.apply(auditKeyPolicy),
        },
        { parent: this },
      );
      this.topic = new aws.sns.Topic(
        `${name}-audit-topic`,
        { name: `${name}-${args.stack}-audit`, kmsMasterKeyId: this.key.arn },
        { parent: this },
      );
      this.rule = new aws.cloudwatch.EventRule(
        `${name}-audit-forward`,
        {
          eventBusName: this.bus.name,
          description: "Forwards every audit event of the stack to its audit topic",
          eventPattern: JSON.stringify({ source: [this.source], "detail-type": Object.values(AUDIT_DETAIL_TYPES) }),
        },
        { parent: this },
      );
      const topicPolicy = new aws.sns.TopicPolicy(
        `${name}-audit-topic-policy`,
        {
          arn: this.topic.arn,
          policy: pulumi.all([this.topic.arn, this.rule.arn]).apply(([t, r]) => auditTopicPolicy(t, r)),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-audit-target`,
        { rule: this.rule.name, eventBusName: this.bus.name, arn: this.topic.arn },
        { parent: this, dependsOn: [topicPolicy, this.key] },
      );
      const subscribers = [
        ...args.settings.auditNotificationEmails.map((endpoint) => ({ protocol: "email", endpoint })),
        ...args.settings.auditNotificationUrls.map((endpoint) => ({ protocol: "https", endpoint })),
      ];
      for (const { protocol, endpoint } of subscribers) {
        new aws.sns.TopicSubscription(
          subscriptionName(name, `${protocol}:${endpoint}`),
          { topic: this.topic.arn, protocol, endpoint },
          { parent: this },
        );
      }
    }
    this.registerOutputs({ busArn: this.bus.arn });
  }
}
