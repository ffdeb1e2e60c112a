// The REST API's alarms: the 5xx rate and a spike of 4xx (fileshare:alarmApi5xxPercent, alarmApi4xxCount).
import * as pulumi from "@pulumi/pulumi";
import { AddAlarm, ALARM_PERIOD_SECONDS, Metric } from "./alarm";

export interface ApiAlarmsArgs {
  alarmApi5xxPercent: number;
  alarmApi4xxCount: number;
  /** The REST API's name and stage: the dimensions of its CloudWatch metrics. */
  apiName: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
}

export function addApiAlarms(alarm: AddAlarm, args: ApiAlarmsArgs): void {
  const { alarmApi5xxPercent, alarmApi4xxCount } = args;
  const api = (metricName: string): Metric => ({
    namespace: "AWS/ApiGateway",
    metricName,
    dimensions: { ApiName: args.apiName, Stage: args.stageName },
    stat: "Sum",
    period: ALARM_PERIOD_SECONDS,
  });
  // A rate, so that a busy hour does not alarm where a quiet one would not; no requests, no data, no alarm.
  alarm("api-5xx-rate", `At least ${alarmApi5xxPercent}% of API requests answered 5xx in 5 minutes`, {
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
  alarm("api-4xx-spike", `At least ${alarmApi4xxCount} API requests answered 4xx in 5 minutes`, {
    metricQueries: [{ id: "clientErrors", metric: api("4XXError"), returnData: true }],
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: alarmApi4xxCount,
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  });
}
