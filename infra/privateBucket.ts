// What makes a bucket of this program private, as both of its buckets (the files and the access logs) need it:
// every public access blocked, ACLs off (BucketOwnerEnforced: only IAM and the bucket policy decide access),
// SSE-S3 default encryption, and a bucket policy that denies every request without TLS.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucketArgs {
  /** The first part of the resources' names: `<prefix>-public-access-block`, `-ownership`, `-encryption`. */
  prefix: string;
  /** The bucket policy's resource name. */
  policyName: string;
  /** The bucket policy's statements after the TLS-only deny (who else may do what). */
  statements?: pulumi.Input<object>[];
}

/** Blocks public access, turns ACLs off, encrypts with SSE-S3 and allows TLS only; returns the bucket policy. */
export function makePrivate(
  bucket: aws.s3.Bucket,
  args: PrivateBucketArgs,
  parent: pulumi.Resource,
): aws.s3.BucketPolicy {
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${args.prefix}-public-access-block`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${args.prefix}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  // SSE-S3 (AES256): encrypted at rest with no KMS key to grant to every role and no KMS cost per request; and the
  // only default encryption S3 can deliver access logs under (not SSE-KMS).
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${args.prefix}-encryption`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  const policy = pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        // A Deny for everyone: the only place a "*" principal appears in this program.
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      ...(args.statements ?? []),
    ],
  });
  // After the public access block, which would otherwise refuse the policy while it is being created.
  return new aws.s3.BucketPolicy(
    args.policyName,
    { bucket: bucket.id, policy },
    { parent, dependsOn: [publicAccessBlock] },
  );
}
