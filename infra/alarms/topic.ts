// The topic every alarm notifies: KMS-encrypted (infra/encryptedTopic.ts), published to only by this stack's alarms,
// with an optional email subscription (fileshare:alarmEmail).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createEncryptedTopic } from "../encryptedTopic";
import { CLOUDWATCH_TOPIC_KEY_ACTIONS } from "../iam";

/** The service that evaluates alarms and publishes their notifications. */
export const CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com";

export interface AlarmTopicArgs {
  /** `<name>-<stack>-`: the topic's name and every alarm's name start with it. */
  prefix: string;
  /** The account and region the stack runs in (from a resource ARN: no provider call needed). */
  account: pulumi.Input<string>;
  region: pulumi.Input<string>;
  alarmEmail: string;
}

export function createAlarmTopic(
  name: string,
  args: AlarmTopicArgs,
  parent: pulumi.Resource,
): { key: aws.kms.Key; topic: aws.sns.Topic } {
  // Only alarms named after this stack may publish (and use the key).
  const sourceArn = pulumi.interpolate`arn:aws:cloudwatch:${args.region}:${args.account}:alarm:${args.prefix}*`;
  const condition = { StringEquals: { "aws:SourceAccount": args.account }, ArnLike: { "aws:SourceArn": sourceArn } };
  const { key, topic } = createEncryptedTopic(
    {
      account: args.account,
      topicName: `${args.prefix}alarms`,
      keyDescription: `Encrypts the ${args.prefix}alarms topic`,
      publisher: {
        service: CLOUDWATCH_PRINCIPAL,
        keyActions: CLOUDWATCH_TOPIC_KEY_ACTIONS,
        keyCondition: condition,
        topicCondition: condition,
      },
      names: { key: `${name}-alarms-key`, topic: `${name}-alarms`, policy: `${name}-alarms-policy` },
      sids: { keyAdmin: "AccountManagesKey", keyPublish: "StackAlarmsPublish", topicPublish: "StackAlarmsPublish" },
    },
    parent,
  );
  if (args.alarmEmail !== "") {
    new aws.sns.TopicSubscription(
      `${name}-alarms-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail },
      { parent },
    );
  }
  return { key, topic };
}
