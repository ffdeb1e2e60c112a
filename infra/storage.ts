// The data: a private, TLS-only, encrypted, versioned S3 bucket for the uploads and an on-demand
// DynamoDB table for the records, both protected from deletion on stacks that keep their data.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BUCKET_CORS_RULE } from "../config/bucketCors";
import { UPLOAD_PREFIX } from "../handlers/ids";
import { FILES_TABLE, keyAttributes } from "../config/table";
import { Settings } from "../config/schema";
import { makePrivate } from "./privateBucket";

/** Days after which an upload is expired by S3: the longest share, rounded up, plus one day of margin. */
export function uploadExpirationDays(maxShareTtlSeconds: number): number {
  return Math.ceil(maxShareTtlSeconds / 86400) + 1;
}

export interface StorageArgs {
  settings: Pick<Settings, "protectData" | "maxShareTtlSeconds" | "multipartAbortDays">;
}

/** The bucket and the table, with their security settings as separate resources. The bucket's CORS rule is
 *  created by createBucketCors once the API's origin is known. */
export class Storage extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly table: aws.dynamodb.Table;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:storage:Storage", name, {}, opts);
    const { settings } = args;
    this.bucket = this.createBucket(name, settings);
    makePrivate(this.bucket, { prefix: name, policyName: `${name}-tls-only` }, this);
    const versioning = this.createVersioning(name);
    this.createLifecycle(name, settings, versioning);
    this.table = this.createTable(name, settings);
    this.registerOutputs({ bucketName: this.bucket.bucket, tableName: this.table.name });
  }

  private createBucket(name: string, settings: StorageArgs["settings"]): aws.s3.Bucket {
    // forceDestroy lets `pulumi destroy` empty a disposable (dev) bucket; a kept bucket is protected instead.
    return new aws.s3.Bucket(
      `${name}-bucket`,
      { forceDestroy: !settings.protectData },
      { parent: this, protect: settings.protectData },
    );
  }

  private createVersioning(name: string): aws.s3.BucketVersioning {
    // Versioning keeps an overwritten or deleted object recoverable for a day (see the lifecycle rules).
    return new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
  }

  private createLifecycle(name: string, settings: StorageArgs["settings"], versioning: aws.s3.BucketVersioning): void {
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            // Records expire by TTL; their objects go too, even if no one ever deletes them.
            id: "expire-uploads",
            status: "Enabled",
            filter: { prefix: UPLOAD_PREFIX },
            expiration: { days: uploadExpirationDays(settings.maxShareTtlSeconds) },
          },
          {
            // A deleted or expired object lingers as a noncurrent version for one day, then is gone.
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: 1 },
            expiration: { expiredObjectDeleteMarker: true },
          },
          {
            // A multipart upload never completed (the client gave up) keeps its parts, and costs, until aborted.
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: settings.multipartAbortDays },
          },
        ],
      },
      // Rules about noncurrent versions need versioning on first.
      { parent: this, dependsOn: [versioning] },
    );
  }

  private createTable(name: string, settings: StorageArgs["settings"]): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
      `${name}-table`,
      {
        // The shape comes from config/table.ts, which the local DynamoDB's table is built from too.
        billingMode: FILES_TABLE.billingMode,
        hashKey: FILES_TABLE.key.name,
        attributes: keyAttributes(FILES_TABLE).map(({ name, type }) => ({ name, type })),
        globalSecondaryIndexes: FILES_TABLE.indexes.map((i) => ({
          name: i.name,
          hashKey: i.hashKey.name,
          rangeKey: i.rangeKey.name,
          projectionType: i.projection,
        })),
        // The backstop: DynamoDB deletes expired records itself, within days, should the clean-up not run.
        ttl: { attributeName: FILES_TABLE.ttlAttribute, enabled: true },
        pointInTimeRecovery: { enabled: settings.protectData },
        // Encrypted with the AWS managed key (aws/dynamodb); no key to grant to the roles.
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: settings.protectData,
      },
      { parent: this, protect: settings.protectData },
    );
  }
}

/**
 * The bucket's CORS rule for these browser origins (the stack's corsOrigins plus the API's own origin, which
 * serves the web page). Created after the API, so no output has to be deferred; parented to the Storage so its
 * identity (URN) is the one it had when Storage created it itself.
 */
export function createBucketCors(
  name: string,
  storage: Storage,
  origins: pulumi.Input<string>[],
): aws.s3.BucketCorsConfiguration {
  return new aws.s3.BucketCorsConfiguration(
    `${name}-cors`,
    {
      bucket: storage.bucket.id,
      corsRules: [{ id: "browser-upload-download", ...BUCKET_CORS_RULE, allowedOrigins: origins }],
    },
    { parent: storage },
  );
}
