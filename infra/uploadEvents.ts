// The S3 upload event wiring, all in one place: S3 may invoke the ObjectCreated function (a Permission scoped to
// this bucket and account), the bucket notifies it of every new object under uploads/, and Lambda's asynchronous
// invoke config retries a failed event and then keeps it in an encrypted SQS queue instead of dropping it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { UPLOAD_PREFIX } from "../handlers/ids";
import { queueSendPolicy } from "./iam";

/** How often Lambda retries an event whose handler threw (the most Lambda allows). */
export const UPLOAD_EVENT_RETRIES = 2;
/** How long Lambda keeps trying to deliver an event, seconds: 6 hours, for an outage of S3 or DynamoDB. */
export const UPLOAD_EVENT_MAX_AGE_SECONDS = 6 * 60 * 60;
/** How long the failure queue keeps an event it could not process, seconds: 14 days, SQS's maximum. */
export const FAILED_EVENT_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export interface UploadEventsArgs {
  bucket: aws.s3.Bucket;
  /** The ObjectCreated function and its execution role. */
  function: aws.lambda.Function;
  role: aws.iam.Role;
}

/** The account id of an ARN (arn:partition:service:region:account:...). */
export function accountOf(arn: string): string {
  const account = arn.split(":")[4] ?? "";
  if (!/^\d{12}$/.test(account)) throw new Error(`no account id in ARN ${arn}`);
  return account;
}

/** The region of an ARN (arn:partition:service:region:account:...). */
export function regionOf(arn: string): string {
  const region = arn.split(":")[3] ?? "";
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`no region in ARN ${arn}`);
  return region;
}

export class UploadEvents extends pulumi.ComponentResource {
  /** Where an upload event that could not be processed is kept (14 days). */
  public readonly failedEvents: aws.sqs.Queue;

  constructor(name: string, args: UploadEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:events:UploadEvents", name, {}, opts);
    const permission = this.createInvokePermission(name, args);
    this.createNotification(name, args, permission);
    this.failedEvents = this.createFailureQueue(name);
    const canSend = this.createSendPolicy(name, args.role, this.failedEvents);
    this.createInvokeConfig(name, args.function, this.failedEvents, canSend);
    this.registerOutputs({ failedEventsQueueUrl: this.failedEvents.url });
  }

  private createInvokePermission(name: string, args: UploadEventsArgs): aws.lambda.Permission {
    return new aws.lambda.Permission(
      `${name}-upload-events-invoke`,
      {
        function: args.function.name,
        action: "lambda:InvokeFunction",
        principal: "s3.amazonaws.com",
        // This bucket, owned by this account (the function's): a bucket of the same name elsewhere cannot call it.
        sourceArn: args.bucket.arn,
        sourceAccount: args.function.arn.apply(accountOf),
      },
      { parent: this },
    );
  }

  private createNotification(name: string, args: UploadEventsArgs, permission: aws.lambda.Permission): void {
    // The bucket's only notification configuration (S3 keeps one per bucket). S3 checks that it may invoke the
    // function when the notification is saved: the permission must exist first.
    new aws.s3.BucketNotification(
      `${name}-upload-events`,
      {
        bucket: args.bucket.id,
        lambdaFunctions: [
          { lambdaFunctionArn: args.function.arn, events: ["s3:ObjectCreated:*"], filterPrefix: UPLOAD_PREFIX },
        ],
      },
      { parent: this, dependsOn: [permission] },
    );
  }

  private createFailureQueue(name: string): aws.sqs.Queue {
    return new aws.sqs.Queue(
      `${name}-upload-events-failed`,
      { messageRetentionSeconds: FAILED_EVENT_RETENTION_SECONDS, sqsManagedSseEnabled: true },
      { parent: this },
    );
  }

  private createSendPolicy(name: string, role: aws.iam.Role, queue: aws.sqs.Queue): aws.iam.RolePolicy {
    // Lambda sends a failed event with the function's own role: it may send to exactly this queue.
    return new aws.iam.RolePolicy(
      `${name}-upload-events-failed-send`,
      { role: role.name, policy: queueSendPolicy(queue.arn) },
      { parent: this },
    );
  }

  private createInvokeConfig(
    name: string,
    fn: aws.lambda.Function,
    queue: aws.sqs.Queue,
    canSend: aws.iam.RolePolicy,
  ): void {
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-upload-events-retries`,
      {
        functionName: fn.name,
        maximumRetryAttempts: UPLOAD_EVENT_RETRIES,
        maximumEventAgeInSeconds: UPLOAD_EVENT_MAX_AGE_SECONDS,
        destinationConfig: { onFailure: { destination: queue.arn } },
      },
      // Lambda checks that the role may send to the destination when the config is saved.
      { parent: this, dependsOn: [canSend] },
    );
  }
}
