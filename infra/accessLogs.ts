// S3 server access logs (fileshare:accessLogs): every request to the files bucket, written by S3's logging
// service into a separate log bucket that is private, TLS-only, encrypted with SSE-S3 (the only default
// encryption S3 can write access logs under) and ACL-free (BucketOwnerEnforced: the bucket policy, not an ACL,
// lets the logging service in, and only for the files bucket of this account), with logs expired after
// accessLogRetentionDays.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config/schema";
import { makePrivate } from "./privateBucket";

/** Where in the log bucket the files bucket's access logs go (the logging service may write nowhere else). */
export const ACCESS_LOG_PREFIX = "s3-access/";
/** The service that delivers S3 server access logs. */
export const S3_LOGGING_PRINCIPAL = "logging.s3.amazonaws.com";
/** What the logging service may do in the log bucket: write log objects. */
export const LOG_DELIVERY_ACTIONS = ["s3:PutObject"] as const;

export interface AccessLogsArgs {
  settings: Pick<Settings, "protectData" | "accessLogRetentionDays">;
  /** The bucket whose requests are logged. */
  source: aws.s3.Bucket;
  /** The account that owns the source bucket (the logging service's aws:SourceAccount). */
  account: pulumi.Input<string>;
}

/** The log bucket, its security settings, and the logging configuration of the files bucket. */
export class AccessLogs extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;

  constructor(name: string, args: AccessLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:storage:AccessLogs", name, {}, opts);
    const { settings } = args;
    // Logs are evidence: kept on destroy unless the stack's data is disposable (dev). A kept bucket is retained
    // (left in the account, out of the stack) so that `pulumi destroy` does not fail with BucketNotEmpty.
    this.bucket = new aws.s3.Bucket(
      `${name}-access-logs`,
      { forceDestroy: !settings.protectData },
      { parent: this, retainOnDelete: settings.protectData },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-access-logs-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            id: "expire-access-logs",
            status: "Enabled",
            // Every object; `filter: {}` draws the provider's "will be an error" warning.
            filter: { prefix: "" },
            expiration: { days: settings.accessLogRetentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
    const policy = makePrivate(
      this.bucket,
      {
        prefix: `${name}-access-logs`,
        policyName: `${name}-access-logs-policy`,
        statements: [logDeliveryStatement(this.bucket.arn, args.source.arn, args.account)],
      },
      this,
    );
    new aws.s3.BucketLogging(
      `${name}-access-logging`,
      {
        bucket: args.source.id,
        targetBucket: this.bucket.id,
        targetPrefix: ACCESS_LOG_PREFIX,
        // s3-access/<account>/<region>/<bucket>/<yyyy>/<mm>/<dd>/...: Athena can prune by day.
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
      },
      // The logging service must be allowed in before the first log is delivered.
      { parent: this, dependsOn: [policy] },
    );
    this.registerOutputs({ bucketName: this.bucket.bucket });
  }
}

/**
 * Lets the S3 logging service put objects under ACCESS_LOG_PREFIX only on behalf of the source bucket in the source
 * account (no other bucket, in this account or another, can have its logs delivered here).
 */
export function logDeliveryStatement(
  logBucketArn: pulumi.Input<string>,
  sourceBucketArn: pulumi.Input<string>,
  account: pulumi.Input<string>,
) {
  return {
    Sid: "S3ServerAccessLogDelivery",
    Effect: "Allow",
    Principal: { Service: S3_LOGGING_PRINCIPAL },
    Action: [...LOG_DELIVERY_ACTIONS],
    Resource: pulumi.interpolate`${logBucketArn}/${ACCESS_LOG_PREFIX}*`,
    Condition: {
      ArnEquals: { "aws:SourceArn": sourceBucketArn },
      StringEquals: { "aws:SourceAccount": account },
    },
  };
}
