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
import { createEncryptedTopic } from "./encryptedTopic";
import { EVENTBRIDGE_TOPIC_KEY_ACTIONS } from "./iam";
import { accountOf } from "./uploadEvents";

/** The `source` of a stack's audit events. */
export function auditSource(stack: string): string {
  return `fileshare.${stack}`;
}

/** A subscription's resource name: stable when the list is reordered (a hash of the endpoint, not its index). */
const subscriptionName = (name: string, endpoint: string) =>
  `${name}-audit-sub-${createHash("sha256").update(endpoint).digest("hex").slice(0, 8)}`;

export interface AuditEventsArgs {
  settings: Pick<Settings, "auditNotifications" | "auditNotificationEmails" | "auditNotificationUrls">;
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
      this.rule = new aws.cloudwatch.EventRule(
        `${name}-audit-forward`,
        {
          eventBusName: this.bus.name,
          description: "Forwards every audit event of the stack to its audit topic",
          eventPattern: JSON.stringify({ source: [this.source], "detail-type": Object.values(AUDIT_DETAIL_TYPES) }),
        },
        { parent: this },
      );
      const { key, topic, policy } = createEncryptedTopic(
        {
          account: this.bus.arn.apply(accountOf),
          topicName: `${name}-${args.stack}-audit`,
          keyDescription: `Encrypts the ${name}-${args.stack} audit topic`,
          publisher: {
            service: "events.amazonaws.com",
            keyActions: EVENTBRIDGE_TOPIC_KEY_ACTIONS,
            // No key condition: SNS documents that EventBridge's publishing to an encrypted topic fails with
            // aws:SourceAccount/aws:SourceArn in the key policy (docs/deploy.md). The topic policy's condition
            // still limits who may publish to the one forwarding rule.
            topicCondition: { ArnEquals: { "aws:SourceArn": this.rule.arn } },
          },
          names: { key: `${name}-audit-key`, topic: `${name}-audit-topic`, policy: `${name}-audit-topic-policy` },
          sids: {
            keyAdmin: "AccountAdministersKey",
            keyPublish: "EventBridgePublishesEncrypted",
            topicPublish: "ForwardingRulePublishes",
          },
          topicResourceAsList: true,
        },
        this,
      );
      this.key = key;
      this.topic = topic;
      new aws.cloudwatch.EventTarget(
        `${name}-audit-target`,
        { rule: this.rule.name, eventBusName: this.bus.name, arn: topic.arn },
        { parent: this, dependsOn: [policy, key] },
      );
      const subscribers = [
        ...args.settings.auditNotificationEmails.map((endpoint) => ({ protocol: "email", endpoint })),
        ...args.settings.auditNotificationUrls.map((endpoint) => ({ protocol: "https", endpoint })),
      ];
      for (const { protocol, endpoint } of subscribers) {
        new aws.sns.TopicSubscription(
          subscriptionName(name, `${protocol}:${endpoint}`),
          { topic: topic.arn, protocol, endpoint },
          { parent: this },
        );
      }
    }
    this.registerOutputs({ busArn: this.bus.arn });
  }
}
