// DynamoDB throttling of the table and of each index (fileshare:alarmDynamoDbThrottles).
import * as pulumi from "@pulumi/pulumi";
import { OWNER_INDEX, SWEEP_INDEX } from "../../config/table";
import { AddAlarm, ALARM_PERIOD_SECONDS, Metric } from "./alarm";

export interface TableAlarmsArgs {
  alarmDynamoDbThrottles: number;
  tableName: pulumi.Input<string>;
}

export function addTableAlarms(alarm: AddAlarm, args: TableAlarmsArgs): void {
  const { alarmDynamoDbThrottles } = args;
  // The table, and each index (an index that throttles holds back the table's writes too).
  const targets: [string, Record<string, pulumi.Input<string>>][] = [
    ["table", { TableName: args.tableName }],
    ...[OWNER_INDEX, SWEEP_INDEX].map((index): [string, Record<string, pulumi.Input<string>>] => [
      `index-${index}`,
      { TableName: args.tableName, GlobalSecondaryIndexName: index },
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
    alarm(
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
