// Every Lambda function's Errors and Throttles alarms (thresholds fileshare:alarmLambdaErrors/alarmLambdaThrottles).
import * as aws from "@pulumi/aws";
import { AddAlarm, ALARM_PERIOD_SECONDS } from "./alarm";

export interface LambdaAlarmsArgs {
  alarmLambdaErrors: number;
  alarmLambdaThrottles: number;
  /** Every Lambda function of the program by name (FileShare.allFunctions). */
  functions: { readonly [fn: string]: aws.lambda.Function };
}

export function addLambdaAlarms(alarm: AddAlarm, args: LambdaAlarmsArgs): void {
  const { alarmLambdaErrors, alarmLambdaThrottles } = args;
  for (const [fn, lambda] of Object.entries(args.functions)) {
    const base = { namespace: "AWS/Lambda", dimensions: { FunctionName: lambda.name } };
    // No invocations, no data: nothing failed.
    const sum = {
      statistic: "Sum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    };
    alarm(`lambda-errors-${fn}`, `${fn}: at least ${alarmLambdaErrors} failed invocations in 5 minutes`, {
      ...base,
      ...sum,
      metricName: "Errors",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: alarmLambdaErrors,
    });
    alarm(`lambda-throttles-${fn}`, `${fn}: at least ${alarmLambdaThrottles} throttled invocations in 5 minutes`, {
      ...base,
      ...sum,
      metricName: "Throttles",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: alarmLambdaThrottles,
    });
  }
}
