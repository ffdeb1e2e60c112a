// What every alarm of the stack shares: its period, and how a family adds an alarm (infra/alarms/index.ts names it
// after the stack and points it at the alarms' topic).
import * as aws from "@pulumi/aws";

/** Every alarm looks at 5-minute periods unless it says otherwise. */
export const ALARM_PERIOD_SECONDS = 300;

/** The part of an alarm a family decides: everything but its name, description and actions. */
export type AlarmSpec = Omit<
  aws.cloudwatch.MetricAlarmArgs,
  "name" | "alarmDescription" | "alarmActions" | "okActions"
>;
/** Adds one alarm; `id` becomes the alarm name after the stack prefix, e.g. "api-5xx-rate". */
export type AddAlarm = (id: string, description: string, spec: AlarmSpec) => void;
/** One metric of a metric-math alarm. */
export type Metric = aws.types.input.cloudwatch.MetricAlarmMetricQuery["metric"];
