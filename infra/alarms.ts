// The stack's alarms: one SNS topic, encrypted with its own KMS key (CloudWatch cannot use the AWS-managed
// aws/sns key, whose policy nobody can change), that only this stack's alarms may publish to; an optional email
// subscription; and CloudWatch alarms with thresholds from config, each sending ALARM and OK to the topic.
// What each alarm means and what to do is in docs/operating.md ("Alarms").
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config/schema";
import { OWNER_INDEX, SWEEP_INDEX } from "../config/table";
import { AllFunctions, cleanupScheduleExpression } from "./functions";
import { KEY_ADMIN_ACTIONS } from "./iam";

/** Every alarm looks at 5-minute periods unless it says otherwise. */
export const ALARM_PERIOD_SECONDS = 300;
/** Consecutive failing 5-minute periods of the clean-up before it alarms: 15 minutes, docs/api.md's promise. */
export const CLEANUP_FAILING_PERIODS = 3;
/** The service that evaluates alarms and publishes their notifications. */
export const CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com";
/** What CloudWatch needs on the key to publish to an encrypted topic, as the SNS key-management docs list it. */
export const KEY_USE_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"] as const;
export const TOPIC_PUBLISH_ACTIONS = ["sns:Publish"] as const;

/** The clean-up's "not running" window: three missed runs, and at least 5 minutes (CloudWatch's periods are
 *  whole minutes; the schedule's rate is the interval rounded up to whole minutes). */
export function cleanupSilenceSeconds(intervalSeconds: number): number {
  const minutes = Number(/rate\((\d+) /.exec(cleanupScheduleExpression(intervalSeconds))?.[1]);
  return Math.max(5, 3 * minutes) * 60;
}

export interface AlarmsArgs {
  settings: Settings;
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

type Metric = aws.types.input.cloudwatch.MetricAlarmMetricQuery["metric"];

export class Alarms extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly topic: aws.sns.Topic;
  /** Every alarm by its short id, e.g. "lambda-errors-createUpload", "api-5xx-rate". */
  public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
  /** The component's name (resource names) and `<name>-<stack>-` (AWS names, the key policy's alarm pattern). */
  private readonly base: string;
  private readonly prefix: string;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:monitoring:Alarms", name, {}, opts);
    this.base = name;
    this.prefix = `${name}-${args.stack}-`;
    const sourceArn = pulumi.interpolate`arn:aws:cloudwatch:${args.region}:${args.account}:alarm:${this.prefix}*`;
    this.key = this.createKey(name, args, sourceArn);
    this.topic = new aws.sns.Topic(
      `${name}-alarms`,
      { name: `${this.prefix}alarms`, kmsMasterKeyId: this.key.arn },
      { parent: this },
    );
    this.createTopicPolicy(name, args, sourceArn);
    if (args.settings.alarmEmail !== "") {
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: this.topic.arn, protocol: "email", endpoint: args.settings.alarmEmail },
        { parent: this },
      );
    }
    this.createFunctionAlarms(args);
    this.createApiAlarms(args);
    this.createQueueAlarm(args);
    this.createCleanupAlarms(args);
    this.createTableAlarms(args);
    this.registerOutputs({ topicArn: this.topic.arn });
  }

  private createKey(name: string, args: AlarmsArgs, sourceArn: pulumi.Output<string>): aws.kms.Key {
    // In a key policy "*" as the resource means "this key"; the key's own ARN does not exist yet.
    const policy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountManagesKey",
          Effect: "Allow",
          Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.account}:root` },
          Action: [...KEY_ADMIN_ACTIONS],
          Resource: "*",
        },
        {
          Sid: "StackAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: CLOUDWATCH_PRINCIPAL },
          Action: [...KEY_USE_ACTIONS],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": args.account }, ArnLike: { "aws:SourceArn": sourceArn } },
        },
      ],
    });
    return new aws.kms.Key(
      `${name}-alarms-key`,
      {
        description: `Encrypts the ${this.prefix}alarms topic`,
        enableKeyRotation: true,
        // Only notifications in flight are encrypted with it: nothing to recover after a destroy.
        deletionWindowInDays: 7,
        policy,
      },
      { parent: this },
    );
  }

  private createTopicPolicy(name: string, args: AlarmsArgs, sourceArn: pulumi.Output<string>): void {
    // Replaces SNS's default policy (anyone in the account may publish): only this stack's alarms publish; the
    // account's own principals keep what their IAM policies allow.
    new aws.sns.TopicPolicy(
      `${name}-alarms-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "StackAlarmsPublish",
              Effect: "Allow",
              Principal: { Service: CLOUDWATCH_PRINCIPAL },
              Action: [...TOPIC_PUBLISH_ACTIONS],
              Resource: this.topic.arn,
              Condition: {
                StringEquals: { "aws:SourceAccount": args.account },
                ArnLike: { "aws:SourceArn": sourceArn },
              },
            },
          ],
        }),
      },
      { parent: this },
    );
  }

  /** One alarm to the topic (ALARM and OK both notify). `id` becomes the alarm name after the stack prefix. */
  private alarm(
    id: string,
    description: string,
    spec: Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "alarmDescription" | "alarmActions" | "okActions">,
  ): void {
    this.alarms[id] = new aws.cloudwatch.MetricAlarm(
      `${this.base}-alarm-${id}`,
      {
        name: `${this.prefix}${id}`,
        alarmDescription: description,
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
        ...spec,
      },
      { parent: this },
    );
  }

  private createFunctionAlarms(args: AlarmsArgs): void {
    const { alarmLambdaErrors, alarmLambdaThrottles } = args.settings;
    for (const [fn, lambda] of Object.entries(args.functions)) {
      const base = { namespace: "AWS/Lambda", dimensions: { FunctionName: lambda.name } };
      // No invocations, no data: nothing failed.
      const sum = {
        statistic: "Sum",
        period: ALARM_PERIOD_SECONDS,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      };
      this.alarm(`lambda-errors-${fn}`, `${fn}: at least ${alarmLambdaErrors} failed invocations in 5 minutes`, {
        ...base,
        ...sum,
        metricName: "Errors",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: alarmLambdaErrors,
      });
      this.alarm(
        `lambda-throttles-${fn}`,
        `${fn}: at least ${alarmLambdaThrottles} throttled invocations in 5 minutes`,
        {
          ...base,
          ...sum,
          metricName: "Throttles",
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: alarmLambdaThrottles,
        },
      );
    }
  }

  private createApiAlarms(args: AlarmsArgs): void {
    const { alarmApi5xxPercent, alarmApi4xxCount } = args.settings;
    const api = (metricName: string): Metric => ({
      namespace: "AWS/ApiGateway",
      metricName,
      dimensions: { ApiName: args.apiName, Stage: args.stageName },
      stat: "Sum",
      period: ALARM_PERIOD_SECONDS,
    });
    // A rate, so that a busy hour does not alarm where a quiet one would not; no requests, no data, no alarm.
    this.alarm("api-5xx-rate", `At least ${alarmApi5xxPercent}% of API requests answered 5xx in 5 minutes`, {
      metricQueries: [
        { id: "errors", metric: api("5XXError"), returnData: false },
        { id: "requests", metric: api("Count"), returnData: false },
        { id: "rate", expression: "100 * errors / requests", label: "5xx %", returnData: true },
      ],
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: alarmApi5xxPercent,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
    // A count: 4xx are the clients' errors, and a flood of them (scanning, a broken client) is what matters.
    this.alarm("api-4xx-spike", `At least ${alarmApi4xxCount} API requests answered 4xx in 5 minutes`, {
      metricQueries: [{ id: "clientErrors", metric: api("4XXError"), returnData: true }],
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: alarmApi4xxCount,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
  }

  private createQueueAlarm(args: AlarmsArgs): void {
    // SQS publishes this metric while the queue is active, and a queue holding a message is active: no data
    // means an empty queue.
    this.alarm("upload-events-failed", "An S3 upload event failed every retry and waits in the failure queue", {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: args.failedUploadEvents.name },
      statistic: "Maximum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
    });
  }

  private createCleanupAlarms(args: AlarmsArgs): void {
    const cleanup = { namespace: "AWS/Lambda", dimensions: { FunctionName: args.functions.cleanup.name } };
    // A run that leaves something behind throws (handlers/lambda.ts): failing for 15 minutes straight means
    // expired shares are outliving docs/api.md's promise.
    this.alarm("cleanup-failing", "The clean-up failed in every 5-minute period for 15 minutes", {
      ...cleanup,
      metricName: "Errors",
      statistic: "Sum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: CLEANUP_FAILING_PERIODS,
      datapointsToAlarm: CLEANUP_FAILING_PERIODS,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    // Here no data is the failure: the schedule stopped invoking the clean-up.
    const silence = cleanupSilenceSeconds(args.settings.cleanupIntervalSeconds);
    this.alarm("cleanup-not-running", `The clean-up was not invoked for ${silence / 60} minutes`, {
      ...cleanup,
      metricName: "Invocations",
      statistic: "Sum",
      period: silence,
      evaluationPeriods: 1,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
  }

  private createTableAlarms(args: AlarmsArgs): void {
    const { alarmDynamoDbThrottles } = args.settings;
    // The table, and each index (an index that throttles holds back the table's writes too).
    const targets: [string, Record<string, pulumi.Input<string>>][] = [
      ["table", { TableName: args.table.name }],
      ...[OWNER_INDEX, SWEEP_INDEX].map((index): [string, Record<string, pulumi.Input<string>>] => [
        `index-${index}`,
        { TableName: args.table.name, GlobalSecondaryIndexName: index },
      ]),
    ];
    for (const [target, dimensions] of targets) {
      const events = (metricName: string): Metric => ({
        namespace: "AWS/DynamoDB",
        metricName,
        dimensions,
        stat: "Sum",
        period: ALARM_PERIOD_SECONDS,
      });
      // Published only when something is throttled: no data, no throttling.
      this.alarm(
        `dynamodb-throttles-${target}`,
        `DynamoDB ${target}: at least ${alarmDynamoDbThrottles} throttled reads plus writes in 5 minutes`,
        {
          metricQueries: [
            { id: "reads", metric: events("ReadThrottleEvents"), returnData: false },
            { id: "writes", metric: events("WriteThrottleEvents"), returnData: false },
            { id: "throttled", expression: "FILL(reads, 0) + FILL(writes, 0)", label: "throttled", returnData: true },
          ],
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: alarmDynamoDbThrottles,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
        },
      );
    }
  }
}
