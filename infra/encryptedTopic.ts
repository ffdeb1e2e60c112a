// An SNS topic encrypted with a KMS key of its own, and the policies that let exactly one AWS service publish to it:
// the alarms' topic (CloudWatch, infra/alarmTopic.ts) and the audit topic (EventBridge, infra/audit.ts). A key of
// its own because a service cannot publish to a topic under the AWS-managed aws/sns key, whose policy nobody can
// change. The key policy lets the account administer the key (never decrypt) and the publisher use it; the topic
// policy replaces SNS's default (anyone in the account may publish) with the one publisher.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KEY_ADMIN_ACTIONS, TOPIC_PUBLISH_ACTIONS } from "./iam";

/** The one AWS service that publishes to the topic, and what limits it. */
export interface TopicPublisher {
  /** Its service principal, e.g. "cloudwatch.amazonaws.com". */
  service: string;
  /** What it needs on the key to publish encrypted messages (infra/iam.ts). */
  keyActions: readonly string[];
  /** The key statement's condition (none where the service documents that a condition breaks publishing). */
  keyCondition?: pulumi.Input<Record<string, unknown>>;
  /** The topic statement's condition: which of the service's resources may publish. */
  topicCondition: pulumi.Input<Record<string, unknown>>;
}

export interface EncryptedTopicArgs {
  account: pulumi.Input<string>;
  /** The topic's AWS name. */
  topicName: pulumi.Input<string>;
  keyDescription: pulumi.Input<string>;
  publisher: TopicPublisher;
  /** The resources' names. */
  names: { key: string; topic: string; policy: string };
  /** The statement ids of the key policy (the account's, the publisher's) and of the topic policy. */
  sids: { keyAdmin: string; keyPublish: string; topicPublish: string };
  /** The topic policy names its topic as a one-element list rather than a string (the same grant to IAM). */
  topicResourceAsList?: boolean;
}

/** The key, the topic and the topic policy, under `parent`. */
export function createEncryptedTopic(
  args: EncryptedTopicArgs,
  parent: pulumi.Resource,
): { key: aws.kms.Key; topic: aws.sns.Topic; policy: aws.sns.TopicPolicy } {
  const { publisher, sids } = args;
  // In a key policy "*" as the resource means "this key"; the key's own ARN does not exist yet.
  const keyPolicy = pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sids.keyAdmin,
        Effect: "Allow",
        Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.account}:root` },
        Action: [...KEY_ADMIN_ACTIONS],
        Resource: "*",
      },
      {
        Sid: sids.keyPublish,
        Effect: "Allow",
        Principal: { Service: publisher.service },
        Action: [...publisher.keyActions],
        Resource: "*",
        ...(publisher.keyCondition === undefined ? {} : { Condition: publisher.keyCondition }),
      },
    ],
  });
  const key = new aws.kms.Key(
    args.names.key,
    {
      description: args.keyDescription,
      enableKeyRotation: true,
      // Only notifications in flight are encrypted with it: nothing to recover after a destroy.
      deletionWindowInDays: 7,
      policy: keyPolicy,
    },
    { parent },
  );
  const topic = new aws.sns.Topic(args.names.topic, { name: args.topicName, kmsMasterKeyId: key.arn }, { parent });
  const policy = new aws.sns.TopicPolicy(
    args.names.policy,
    {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: sids.topicPublish,
            Effect: "Allow",
            Principal: { Service: publisher.service },
            Action: [...TOPIC_PUBLISH_ACTIONS],
            Resource: args.topicResourceAsList ? [topic.arn] : topic.arn,
            Condition: publisher.topicCondition,
          },
        ],
      }),
    },
    { parent },
  );
  return { key, topic, policy };
}
