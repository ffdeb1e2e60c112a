// The clean-up's alarms: failing for 15 minutes straight, and not running at all.
import * as pulumi from "@pulumi/pulumi";
import { cleanupScheduleExpression } from "../functions";
import { AddAlarm, ALARM_PERIOD_SECONDS } from "./alarm";

/** Consecutive failing 5-minute periods of the clean-up before it alarms: 15 minutes, docs/api.md's promise. */
export const CLEANUP_FAILING_PERIODS = 3;

/** The clean-up's "not running" window: three missed runs, and at least 5 minutes (CloudWatch's periods are
 *  whole minutes; the schedule's rate is the interval rounded up to whole minutes). */
export function cleanupSilenceSeconds(intervalSeconds: number): number {
  const minutes = Number(/rate\((\d+) /.exec(cleanupScheduleExpression(intervalSeconds))?.[1]);
  return Math.max(5, 3 * minutes) * 60;
}

export interface CleanupAlarmsArgs {
  cleanupIntervalSeconds: number;
  /** The clean-up function's name. */
  functionName: pulumi.Input<string>;
}

export function addCleanupAlarms(alarm: AddAlarm, args: CleanupAlarmsArgs): void {
  const cleanup = { namespace: "AWS/Lambda", dimensions: { FunctionName: args.functionName } };
  // A run that leaves something behind throws (handlers/lambda.ts): failing for 15 minutes straight means
  // expired shares are outliving docs/api.md's promise.
  alarm("cleanup-failing", "The clean-up failed in every 5-minute period for 15 minutes", {
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
  const silence = cleanupSilenceSeconds(args.cleanupIntervalSeconds);
  alarm("cleanup-not-running", `The clean-up was not invoked for ${silence / 60} minutes`, {
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
