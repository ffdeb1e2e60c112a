// Least privilege, visible in one place: IAM actions as named lists, granted per function through small
// functions that scope every statement to an exact ARN (the table, the bucket's uploads/ prefix, the
// function's own log group). No wildcard actions, no "*" resources, no managed *FullAccess policies.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { UPLOAD_PREFIX } from "../handlers/ids";
import type { RouteName } from "../handlers/routeSpec";
import { OWNER_INDEX, SWEEP_INDEX } from "../config/table";

export const TABLE_READ_ACTIONS = ["dynamodb:GetItem"] as const;
export const TABLE_PUT_ACTIONS = ["dynamodb:PutItem"] as const;
export const TABLE_UPDATE_ACTIONS = ["dynamodb:UpdateItem"] as const;
export const TABLE_DELETE_ACTIONS = ["dynamodb:DeleteItem"] as const;
/** The files of a share of several files, read at once: one item per file, up to 100 keys a call. */
export const TABLE_BATCH_READ_ACTIONS = ["dynamodb:BatchGetItem"] as const;
/** The files of a share of several files, written or deleted at once (25 items a call); only their items. */
export const TABLE_BATCH_WRITE_ACTIONS = ["dynamodb:BatchWriteItem"] as const;
/** PutObject also authorises CreateMultipartUpload, UploadPart and CompleteMultipartUpload. */
export const OBJECT_PUT_ACTIONS = ["s3:PutObject"] as const;
/** ListParts: what S3 holds of an open multipart upload. */
export const MULTIPART_LIST_ACTIONS = ["s3:ListMultipartUploadParts"] as const;
/** AbortMultipartUpload: frees the parts of an upload that will not be completed. */
export const MULTIPART_ABORT_ACTIONS = ["s3:AbortMultipartUpload"] as const;
/** GetObject also authorises HeadObject, which the ObjectCreated handler uses. */
export const OBJECT_READ_ACTIONS = ["s3:GetObject"] as const;
export const OBJECT_DELETE_ACTIONS = ["s3:DeleteObject"] as const;
/** Without ListBucket, S3 answers HeadObject on a missing key with 403 instead of 404: the ObjectCreated
 *  handler needs the 404 to treat a re-delivered event for an object already deleted as a no-op. */
export const BUCKET_LIST_ACTIONS = ["s3:ListBucket"] as const;
/** The ObjectCreated function's on-failure destination: the event goes to the failure queue (infra/uploadEvents.ts). */
export const QUEUE_SEND_ACTIONS = ["sqs:SendMessage"] as const;
/** Reading an index, never the table: the clean-up's sweep index and GET /files's owner index (a Query; never a Scan). */
export const INDEX_QUERY_ACTIONS = ["dynamodb:Query"] as const;
/** Deleting every version of an object and aborting its open multipart uploads. */
export const OBJECT_PURGE_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"] as const;
/** Listing the versions and open multipart uploads of a key, and the keys under uploads/. */
export const BUCKET_PURGE_LIST_ACTIONS = [
  "s3:ListBucket",
  "s3:ListBucketVersions",
  "s3:ListBucketMultipartUploads",
] as const;
/** Sending audit events (handlers/audit.ts) to the stack's own bus, and nothing else on EventBridge. */
export const AUDIT_PUT_ACTIONS = ["events:PutEvents"] as const;
/** The log group exists already (we create it), so CreateLogGroup is not granted. */
export const LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

/** What the account (its IAM principals, through their own policies) may do with a stack's KMS keys (the alarm
 *  and audit topics'): administer them, never use them to decrypt. PutKeyPolicy stays with the account, so an
 *  administrator can always widen a policy again. No "kms:*". */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
] as const;

/** The only managed policy attached anywhere: API Gateway's account-wide logging role (see infra/api.ts). */
export const API_GATEWAY_LOGGING_POLICY_ARN = aws.iam.ManagedPolicy.AmazonAPIGatewayPushToCloudWatchLogs;

/** Every Lambda function of the stack: one per route, plus the S3 ObjectCreated handler and the clean-up. */
export type FunctionName = RouteName | "objectCreated" | "cleanup";

/** One IAM policy statement (Allow only: this program grants, it never relies on Deny to limit itself). */
export interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/** What a function's data statements are scoped to. */
export interface GrantTargets {
  tableArn: string;
  /** The owner index: `<tableArn>/index/byOwner`. */
  ownerIndexArn: string;
  bucketArn: string;
  /** The objects under uploads/: `<bucketArn>/uploads/*`. */
  uploadsArn: string;
  /** The table's sweep index: `<tableArn>/index/bySweepAt`. */
  sweepIndexArn: string;
  /** The stack's audit event bus (infra/audit.ts). */
  auditBusArn: string;
}

type Grant = (on: GrantTargets) => Statement[];

const allow = (sid: string, actions: readonly string[], resource: string): Statement => ({
  Sid: sid,
  Effect: "Allow",
  Action: [...actions],
  Resource: [resource],
});

/** The functions that change a share send its audit event (handlers/audit.ts): to the stack's bus only. */
const sendAuditEvents = (on: GrantTargets) => allow("SendAuditEvents", AUDIT_PUT_ACTIONS, on.auditBusArn);

/** Exactly what each function may do to the data. Keyed by FunctionName: a new route without a grant fails to compile. */
export const FUNCTION_GRANTS: { readonly [F in FunctionName]: Grant } = {
  // The web page and the OpenAPI document are text inside their functions: no data access at all.
  page: () => [],
  // The stack's limits and sign-in endpoints come from the environment: no data access.
  getConfig: () => [],
  listFiles: (on) => [
    allow("QueryOwnerIndex", INDEX_QUERY_ACTIONS, on.ownerIndexArn),
    allow("ReadFilesOfShares", TABLE_BATCH_READ_ACTIONS, on.tableArn),
  ],
  // Reads the share (and its files) and counts password attempts on it.
  unlockFile: (on) => [
    allow(
      "ReadAndCountAttempts",
      [...TABLE_READ_ACTIONS, ...TABLE_BATCH_READ_ACTIONS, ...TABLE_UPDATE_ACTIONS],
      on.tableArn,
    ),
  ],
  openapi: () => [],
  createUpload: (on) => [
    allow("PutRecord", TABLE_PUT_ACTIONS, on.tableArn),
    // PutUpload signs single PUTs and starts multipart uploads; Abort undoes one whose record could not be stored.
    allow("PutUpload", [...OBJECT_PUT_ACTIONS, ...MULTIPART_ABORT_ACTIONS], on.uploadsArn),
    sendAuditEvents(on),
  ],
  // As createUpload, plus the items of a share's files.
  createShare: (on) => [
    allow("PutRecords", [...TABLE_PUT_ACTIONS, ...TABLE_BATCH_WRITE_ACTIONS], on.tableArn),
    allow("PutUploads", [...OBJECT_PUT_ACTIONS, ...MULTIPART_ABORT_ACTIONS], on.uploadsArn),
    sendAuditEvents(on),
  ],
  // A fresh single-PUT URL, signed with this function's role (PutObject); the pending share waits for it.
  renewUploadUrl: (on) => [
    allow("ReadAndExtendRecord", [...TABLE_READ_ACTIONS, ...TABLE_UPDATE_ACTIONS], on.tableArn),
    allow("SignUpload", OBJECT_PUT_ACTIONS, on.uploadsArn),
  ],
  // The part URLs are signed with this function's role: UploadPart needs PutObject.
  signUploadParts: (on) => [
    allow("ReadRecord", TABLE_READ_ACTIONS, on.tableArn),
    allow("SignParts", OBJECT_PUT_ACTIONS, on.uploadsArn),
  ],
  listUploadParts: (on) => [
    allow("ReadRecord", TABLE_READ_ACTIONS, on.tableArn),
    allow("ListParts", MULTIPART_LIST_ACTIONS, on.uploadsArn),
  ],
  completeUpload: (on) => [
    allow(
      "ReadAndCompleteRecord",
      [...TABLE_READ_ACTIONS, ...TABLE_BATCH_READ_ACTIONS, ...TABLE_UPDATE_ACTIONS],
      on.tableArn,
    ),
    allow("CheckAndCompleteParts", [...MULTIPART_LIST_ACTIONS, ...OBJECT_PUT_ACTIONS], on.uploadsArn),
  ],
  getFile: (on) => [allow("ReadRecord", [...TABLE_READ_ACTIONS, ...TABLE_BATCH_READ_ACTIONS], on.tableArn)],
  downloadFile: (on) => [
    allow(
      "ReadAndCountRecord",
      [...TABLE_READ_ACTIONS, ...TABLE_BATCH_READ_ACTIONS, ...TABLE_UPDATE_ACTIONS],
      on.tableArn,
    ),
    allow("ReadUpload", OBJECT_READ_ACTIONS, on.uploadsArn),
    sendAuditEvents(on),
  ],
  deleteFile: (on) => [
    allow(
      "ReadMarkAndDeleteRecord",
      [...TABLE_READ_ACTIONS, ...TABLE_UPDATE_ACTIONS, ...TABLE_DELETE_ACTIONS, ...TABLE_BATCH_WRITE_ACTIONS],
      on.tableArn,
    ),
    // Every version and open multipart upload of the key: "deleted" means deleted on a versioned bucket.
    allow("DeleteEveryVersion", OBJECT_PURGE_ACTIONS, on.uploadsArn),
    allow("ListVersionsAndUploads", ["s3:ListBucketVersions", "s3:ListBucketMultipartUploads"], on.bucketArn),
    sendAuditEvents(on),
  ],
  objectCreated: (on) => [
    allow("ReadAndConfirmRecord", [...TABLE_READ_ACTIONS, ...TABLE_UPDATE_ACTIONS], on.tableArn),
    allow("CheckOrDeleteUpload", [...OBJECT_READ_ACTIONS, ...OBJECT_DELETE_ACTIONS], on.uploadsArn),
    allow("TellMissingUploads", BUCKET_LIST_ACTIONS, on.bucketArn),
    sendAuditEvents(on),
  ],
  cleanup: (on) => [
    allow("FindDueShares", INDEX_QUERY_ACTIONS, on.sweepIndexArn),
    allow(
      "ClaimAndRemoveRecords",
      [
        ...TABLE_READ_ACTIONS,
        ...TABLE_PUT_ACTIONS,
        ...TABLE_UPDATE_ACTIONS,
        ...TABLE_DELETE_ACTIONS,
        ...TABLE_BATCH_WRITE_ACTIONS,
      ],
      on.tableArn,
    ),
    // GetObject authorises the HeadObject that tells an orphan from an object another run removed.
    allow("RemoveEveryVersion", [...OBJECT_READ_ACTIONS, ...OBJECT_PURGE_ACTIONS], on.uploadsArn),
    allow("ListVersionsAndUploads", BUCKET_PURGE_LIST_ACTIONS, on.bucketArn),
    sendAuditEvents(on),
  ],
};

/** The ARN pattern of the objects under uploads/ in a bucket. */
export function uploadsArnOf(bucketArn: string): string {
  return `${bucketArn}/${UPLOAD_PREFIX}*`;
}

/** A function's whole inline policy: its data grants plus writing to its own log group only. */
export function functionPolicyDocument(
  fn: FunctionName,
  bucketArn: string,
  tableArn: string,
  logGroupArn: string,
  auditBusArn: string,
) {
  return {
    Version: "2012-10-17",
    Statement: [
      ...FUNCTION_GRANTS[fn]({
        tableArn,
        ownerIndexArn: `${tableArn}/index/${OWNER_INDEX}`,
        bucketArn,
        uploadsArn: uploadsArnOf(bucketArn),
        sweepIndexArn: `${tableArn}/index/${SWEEP_INDEX}`,
        auditBusArn,
      }),
      // The provider's log group `arn` has no ":*" suffix; log streams live under "<arn>:*".
      allow("WriteOwnLogs", LOG_WRITE_ACTIONS, `${logGroupArn}:*`),
    ],
  };
}

/** functionPolicyDocument over Outputs, as the JSON text that aws.iam.RolePolicy takes. */
export function functionPolicy(
  fn: FunctionName,
  arns: {
    bucketArn: pulumi.Input<string>;
    tableArn: pulumi.Input<string>;
    logGroupArn: pulumi.Input<string>;
    auditBusArn: pulumi.Input<string>;
  },
): pulumi.Output<string> {
  return pulumi
    .all([arns.bucketArn, arns.tableArn, arns.logGroupArn, arns.auditBusArn])
    .apply(([bucketArn, tableArn, logGroupArn, auditBusArn]) =>
      JSON.stringify(functionPolicyDocument(fn, bucketArn, tableArn, logGroupArn, auditBusArn)),
    );
}

/** The policy that lets a function's role send to exactly one queue (its on-failure destination). */
export function queueSendPolicy(queueArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi
    .output(queueArn)
    .apply((arn) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [allow("SendFailedEvents", QUEUE_SEND_ACTIONS, arn)] }),
    );
}

/** A trust policy that lets only the given AWS service assume the role. */
export function assumeRolePolicyFor(service: "lambda.amazonaws.com" | "apigateway.amazonaws.com"): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}
