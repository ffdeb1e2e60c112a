// The stack's alarms: one encrypted SNS topic (topic.ts) and CloudWatch alarms with thresholds from config, each
// sending ALARM and OK to the topic, in five families: every Lambda function (lambda.ts), the API (api.ts), the
// upload events' failure queue (queue.ts), the clean-up (cleanup.ts) and the table (table.ts).
// What each alarm means and what to do is in docs/operating.md ("Alarms").
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/schema";
import { AllFunctions } from "../functions";
import { AlarmSpec } from "./alarm";
import { addApiAlarms } from "./api";
import { addCleanupAlarms } from "./cleanup";
import { addLambdaAlarms } from "./lambda";
import { addQueueAlarm } from "./queue";
import { addTableAlarms } from "./table";
import { createAlarmTopic } from "./topic";

export interface AlarmsArgs {
  settings: Pick<
    Settings,
    | "alarmEmail"
    | "alarmLambdaErrors"
    | "alarmLambdaThrottles"
    | "alarmApi5xxPercent"
    | "alarmApi4xxCount"
    | "alarmDynamoDbThrottles"
    | "cleanupIntervalSeconds"
  >;
  stack: string;
  /** The account and region the stack runs in (from a resource ARN: no provider call needed). */
  account: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Every Lambda function of the program (FileShare.allFunctions): each gets an Errors and a Throttles alarm. */
  functions: AllFunctions;
  /** The REST API's name and stage: the dimensions of its CloudWatch metrics. */
  apiName: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  /** The upload events' failure queue (infra/uploadEvents.ts). */
  failedUploadEvents: aws.sqs.Queue;
  table: aws.dynamodb.Table;
}

export class Alarms extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly topic: aws.sns.Topic;
  /** Every alarm by its short id, e.g. "lambda-errors-createUpload", "api-5xx-rate". */
  public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:monitoring:Alarms", name, {}, opts);
    const { settings } = args;
    // AWS names start with `<name>-<stack>-`, which the topic's policies allow to publish.
    const prefix = `${name}-${args.stack}-`;
    const { key, topic } = createAlarmTopic(
      name,
      { prefix, account: args.account, region: args.region, alarmEmail: settings.alarmEmail },
      this,
    );
    this.key = key;
    this.topic = topic;
    const alarm = (id: string, description: string, spec: AlarmSpec) => {
      this.alarms[id] = new aws.cloudwatch.MetricAlarm(
        `${name}-alarm-${id}`,
        {
          name: `${prefix}${id}`,
          alarmDescription: description,
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          ...spec,
        },
        { parent: this },
      );
    };
    addLambdaAlarms(alarm, {
      alarmLambdaErrors: settings.alarmLambdaErrors,
      alarmLambdaThrottles: settings.alarmLambdaThrottles,
      functions: args.functions,
    });
    addApiAlarms(alarm, {
      alarmApi5xxPercent: settings.alarmApi5xxPercent,
      alarmApi4xxCount: settings.alarmApi4xxCount,
      apiName: args.apiName,
      stageName: args.stageName,
    });
    addQueueAlarm(alarm, args.failedUploadEvents.name);
    addCleanupAlarms(alarm, {
      cleanupIntervalSeconds: settings.cleanupIntervalSeconds,
      functionName: args.functions.cleanup.name,
    });
    addTableAlarms(alarm, { alarmDynamoDbThrottles: settings.alarmDynamoDbThrottles, tableName: args.table.name });
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}
