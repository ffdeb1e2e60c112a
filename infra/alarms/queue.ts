// The upload events' failure queue: an event that failed every retry waits there (infra/uploadEvents.ts).
import * as pulumi from "@pulumi/pulumi";
import { AddAlarm, ALARM_PERIOD_SECONDS } from "./alarm";

export function addQueueAlarm(alarm: AddAlarm, failedUploadEventsQueueName: pulumi.Input<string>): void {
  // SQS publishes this metric while the queue is active, and a queue holding a message is active: no data
  // means an empty queue.
  alarm("upload-events-failed", "An S3 upload event failed every retry and waits in the failure queue", {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: failedUploadEventsQueueName },
    statistic: "Maximum",
    period: ALARM_PERIOD_SECONDS,
    evaluationPeriods: 1,
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    treatMissingData: "notBreaching",
  });
}
