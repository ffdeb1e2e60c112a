// What the tests expect of the IAM policies, written out by hand (not derived from infra/iam.ts).
import type { FunctionName } from "../../infra/iam";

/** Each function's exact data permissions: resource → sorted actions. */
export const EXPECTED_GRANTS: Record<
  FunctionName,
  {
    table: string[];
    uploads: string[];
    bucket: string[];
    index?: string[];
    ownerIndex?: string[];
    auditBus?: string[];
  }
> = {
  page: { table: [], uploads: [], bucket: [] },
  openapi: { table: [], uploads: [], bucket: [] },
  getConfig: { table: [], uploads: [], bucket: [] },
  listFiles: { table: ["dynamodb:BatchGetItem"], uploads: [], bucket: [], ownerIndex: ["dynamodb:Query"] },
  unlockFile: {
    table: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
    uploads: [],
    bucket: [],
  },
  createUpload: {
    table: ["dynamodb:PutItem"],
    uploads: ["s3:AbortMultipartUpload", "s3:PutObject"],
    bucket: [],
    auditBus: ["events:PutEvents"],
  },
  createShare: {
    table: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],
    uploads: ["s3:AbortMultipartUpload", "s3:PutObject"],
    bucket: [],
    auditBus: ["events:PutEvents"],
  },
  renewUploadUrl: { table: ["dynamodb:GetItem", "dynamodb:UpdateItem"], uploads: ["s3:PutObject"], bucket: [] },
  signUploadParts: { table: ["dynamodb:GetItem"], uploads: ["s3:PutObject"], bucket: [] },
  listUploadParts: { table: ["dynamodb:GetItem"], uploads: ["s3:ListMultipartUploadParts"], bucket: [] },
  completeUpload: {
    table: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
    uploads: ["s3:ListMultipartUploadParts", "s3:PutObject"],
    bucket: [],
  },
  getFile: { table: ["dynamodb:BatchGetItem", "dynamodb:GetItem"], uploads: [], bucket: [] },
  downloadFile: {
    table: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
    uploads: ["s3:GetObject"],
    bucket: [],
    auditBus: ["events:PutEvents"],
  },
  deleteFile: {
    table: ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
    uploads: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion"],
    bucket: ["s3:ListBucketMultipartUploads", "s3:ListBucketVersions"],
    auditBus: ["events:PutEvents"],
  },
  objectCreated: {
    table: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    uploads: ["s3:DeleteObject", "s3:GetObject"],
    bucket: ["s3:ListBucket"],
    auditBus: ["events:PutEvents"],
  },
  cleanup: {
    index: ["dynamodb:Query"],
    table: [
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ],
    uploads: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject"],
    bucket: ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"],
    auditBus: ["events:PutEvents"],
  },
};

/** Groups a policy's Allow statements as resource → sorted actions. */
export function actionsByResource(document: { Statement: { Action: unknown; Resource: unknown }[] }) {
  const out: Record<string, string[]> = {};
  for (const s of document.Statement) {
    for (const r of [s.Resource].flat() as string[]) {
      out[r] = [...(out[r] ?? []), ...([s.Action].flat() as string[])].sort();
    }
  }
  return out;
}

/** The whole expected policy of a function, as resource → sorted actions. */
export function expectedPolicy(
  fn: FunctionName,
  arns: { table: string; bucket: string; uploads: string; logGroup: string; auditBus: string },
) {
  const want: Record<string, string[]> = { [`${arns.logGroup}:*`]: ["logs:CreateLogStream", "logs:PutLogEvents"] };
  if (EXPECTED_GRANTS[fn].table.length > 0) want[arns.table] = EXPECTED_GRANTS[fn].table;
  if (EXPECTED_GRANTS[fn].uploads.length > 0) want[arns.uploads] = EXPECTED_GRANTS[fn].uploads;
  if (EXPECTED_GRANTS[fn].bucket.length > 0) want[arns.bucket] = EXPECTED_GRANTS[fn].bucket;
  const ownerIndex = EXPECTED_GRANTS[fn].ownerIndex ?? [];
  if (ownerIndex.length > 0) want[`${arns.table}/index/byOwner`] = ownerIndex;
  const index = EXPECTED_GRANTS[fn].index ?? [];
  if (index.length > 0) want[`${arns.table}/index/bySweepAt`] = index;
  const auditBus = EXPECTED_GRANTS[fn].auditBus ?? [];
  if (auditBus.length > 0) want[arns.auditBus] = auditBus;
  return want;
}
