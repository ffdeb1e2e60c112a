// S3 server access logs for the files bucket (resource inputs under Pulumi mocks: S3 does not deliver a log
// here, and IAM does not evaluate the log bucket's policy; what is proven is what the program asks for).
import assert from "node:assert/strict";
import { loadConfig } from "../../infra/config";
import { ACCOUNT_ID, buildStack, RecordedResource, runMocked, stackConfigText, buildProgram } from "./mocks";

const BUCKET = "aws:s3/bucket:Bucket";
const LOGGING = "aws:s3/bucketLogging:BucketLogging";

/** The log bucket and the resources applied to it, by type. */
function logBucketOf(resources: RecordedResource[]) {
  const bucket = resources.find((r) => r.type === BUCKET && r.name === "fileshare-access-logs");
  assert.ok(bucket, "a log bucket named fileshare-access-logs");
  const name = bucket.outputs["bucket"] as string;
  const on = (type: string) => {
    const found = resources.filter((r) => r.type === type && r.inputs["bucket"] === name);
    assert.equal(found.length, 1, `one ${type} on the log bucket`);
    return found[0] as RecordedResource;
  };
  return { bucket, name, arn: `arn:aws:s3:::${name}`, on };
}

describe("S3 access logs on prod (accessLogs: true; resource inputs under mocks, no log delivered)", () => {
  let resources: RecordedResource[];
  let filesBucket: string;
  let retention: number;
  before(async () => {
    const run = await buildStack("prod");
    resources = run.resources;
    filesBucket = run.outputs.bucketName;
    retention = run.config.settings.accessLogRetentionDays;
    assert.equal(run.config.settings.accessLogs, true, "Pulumi.prod.yaml turns access logs on");
  });

  it("logs the files bucket's requests into the separate log bucket under s3-access/, partitioned by day", () => {
    const logs = logBucketOf(resources);
    const logging = resources.filter((r) => r.type === LOGGING);
    assert.equal(logging.length, 1);
    const inputs = (logging[0] as RecordedResource).inputs;
    assert.equal(inputs["bucket"], filesBucket, "the files bucket is the one logged");
    assert.equal(inputs["targetBucket"], logs.name);
    assert.notEqual(logs.name, filesBucket, "never into the files bucket itself");
    assert.equal(inputs["targetPrefix"], "s3-access/");
    assert.deepEqual(inputs["targetObjectKeyFormat"], { partitionedPrefix: { partitionDateSource: "EventTime" } });
    assert.equal(inputs["targetGrants"], undefined, "no ACL grants: the bucket policy lets the service in");
  });

  it("makes the log bucket private (all four public access blocks) and ACL-free (BucketOwnerEnforced)", () => {
    const logs = logBucketOf(resources);
    const block = logs.on("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
    for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
      assert.equal(block[flag], true, flag);
    }
    assert.deepEqual(logs.on("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"], {
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  it("encrypts the logs with SSE-S3 (AES256: S3 cannot write access logs under SSE-KMS)", () => {
    const logs = logBucketOf(resources);
    const type = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
    assert.deepEqual(logs.on(type).inputs["rules"], [
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
  });

  it("denies non-TLS requests and lets only S3's logging service put objects under s3-access/, for the files bucket of this account", () => {
    const logs = logBucketOf(resources);
    const policy = logs.on("aws:s3/bucketPolicy:BucketPolicy");
    assert.deepEqual(JSON.parse(policy.inputs["policy"]), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [logs.arn, `${logs.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "S3ServerAccessLogDelivery",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: ["s3:PutObject"],
          Resource: `${logs.arn}/s3-access/*`,
          Condition: {
            ArnEquals: { "aws:SourceArn": `arn:aws:s3:::${filesBucket}` },
            StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
          },
        },
      ],
    });
    const block = logs.on("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    assert.ok(policy.dependencies.includes(block.urn), "the policy waits for the public access block");
    const logging = resources.find((r) => r.type === LOGGING) as RecordedResource;
    assert.ok(logging.dependencies.includes(policy.urn), "logging starts once the service is allowed in");
  });

  it("expires the logs after accessLogRetentionDays (prod: 365) and aborts stray multipart uploads after a day", () => {
    assert.equal(retention, 365);
    const rules = logBucketOf(resources).on("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
      "rules"
    ];
    assert.deepEqual(rules, [
      {
        id: "expire-access-logs",
        status: "Enabled",
        filter: { prefix: "" },
        expiration: { days: 365 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
  });

  it("keeps the logs on destroy where the stack keeps its data: no forceDestroy, retainOnDelete (destroy leaves it), no protect", () => {
    const { bucket } = logBucketOf(resources);
    assert.equal(bucket.inputs["forceDestroy"], false);
    assert.equal(bucket.retainOnDelete, true, "else pulumi destroy fails with BucketNotEmpty");
    assert.notEqual(bucket.protect, true);
  });
});

describe("S3 access logs by config (resource inputs under mocks)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("creates no log bucket and no logging on dev (accessLogs: false)", async () => {
    const run = await buildStack("dev");
    assert.equal(run.config.settings.accessLogs, false);
    assert.deepEqual(run.ofType(LOGGING), []);
    assert.deepEqual(
      run.ofType(BUCKET).map((b) => b.name),
      ["fileshare-bucket"],
    );
    assert.equal(run.app.accessLogBucket, undefined);
  });

  it("turns on for dev with accessLogs true, with the configured retention and a disposable log bucket", async () => {
    const config = {
      ...stackConfigText("dev"),
      "fileshare:accessLogs": "true",
      "fileshare:accessLogRetentionDays": "30",
    };
    const run = await buildProgram("dev", config);
    const logs = logBucketOf(run.resources);
    assert.equal(logs.bucket.inputs["forceDestroy"], true, "dev data is disposable: destroy empties it");
    const lifecycle = logs.on("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    assert.deepEqual(lifecycle.inputs["rules"][0].expiration, { days: 30 });
    assert.equal(run.resources.filter((r) => r.type === LOGGING).length, 1);
  });

  it("refuses a retention outside 1-3650 days, naming the key", async () => {
    const config = { ...stackConfigText("prod"), "fileshare:accessLogRetentionDays": "0" };
    await assert.rejects(
      runMocked("prod", loadConfig, config),
      /fileshare:accessLogRetentionDays: 0 must be an integer from 1 to 3650/,
    );
  });
});
