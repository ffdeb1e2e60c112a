// The bucket and the table, for both stacks (resource inputs and options under Pulumi mocks; not a
// deployed bucket: S3 and DynamoDB themselves are not asked anything here).
import assert from "node:assert/strict";
import { buildStack, STACKS, StackRun } from "./mocks";
import { FILES_TABLE, KeyAttribute, TableIndex } from "../../config/table";

const BUCKET = "aws:s3/bucket:Bucket";
const TABLE = "aws:dynamodb/table:Table";

for (const stackName of STACKS) {
  describe(`Storage on ${stackName} (resource inputs under mocks; not a deployed bucket)`, () => {
    let run: StackRun;
    let bucketName: string;
    let bucketArn: string;
    before(async () => {
      run = await buildStack(stackName);
      bucketName = run.outputs.bucketName;
      bucketArn = `arn:aws:s3:::${bucketName}`;
    });
    // The files bucket's own settings, by name (the access-log bucket, on prod, has resources of the same types).
    const NAMES: Record<string, string> = {
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "fileshare-public-access-block",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "fileshare-ownership",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "fileshare-encryption",
      "aws:s3/bucketVersioning:BucketVersioning": "fileshare-versioning",
      "aws:s3/bucketPolicy:BucketPolicy": "fileshare-tls-only",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "fileshare-lifecycle",
      "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "fileshare-cors",
    };
    const onBucket = (type: string) => {
      const r = run.one(type, NAMES[type]);
      assert.equal(r.inputs["bucket"], bucketName, `${type} applies to the app's bucket`);
      return r.inputs;
    };

    it("turns on all four public access blocks", () => {
      const inputs = onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
      for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        assert.equal(inputs[flag], true, flag);
      }
    });

    it("disables ACLs (BucketOwnerEnforced)", () => {
      const inputs = onBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls");
      assert.deepEqual(inputs["rule"], { objectOwnership: "BucketOwnerEnforced" });
    });

    it("encrypts every object by default (SSE-S3, AES256)", () => {
      const inputs = onBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
      assert.deepEqual(inputs["rules"], [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    });

    it("versions objects", () => {
      const inputs = onBucket("aws:s3/bucketVersioning:BucketVersioning");
      assert.equal(inputs["versioningConfiguration"].status, "Enabled");
    });

    it("applies the bucket policy only after the public access block is in place", () => {
      const policy = run.one("aws:s3/bucketPolicy:BucketPolicy", "fileshare-tls-only");
      assert.ok(
        policy.dependencies.includes(
          run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "fileshare-public-access-block").urn,
        ),
      );
    });

    it("denies every request to the bucket and its objects that does not use TLS", () => {
      const inputs = onBucket("aws:s3/bucketPolicy:BucketPolicy");
      assert.deepEqual(JSON.parse(inputs["policy"]), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });
    });

    it("allows browser PUT/GET/HEAD from exactly the configured origins plus the API's own origin, never *", () => {
      const inputs = onBucket("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration");
      assert.equal(inputs["corsRules"].length, 1);
      const rule = inputs["corsRules"][0];
      const apiOrigin = new URL(run.outputs.apiUrl).origin;
      assert.match(apiOrigin, /^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com$/);
      assert.deepEqual(rule.allowedOrigins, [...run.config.settings.corsOrigins, apiOrigin]);
      assert.deepEqual([...rule.allowedMethods].sort(), ["GET", "HEAD", "PUT"]);
      assert.deepEqual(rule.allowedHeaders, ["content-type", "if-none-match", "x-amz-checksum-sha256"]);
      assert.deepEqual(rule.exposeHeaders, ["ETag"]);
      assert.ok(rule.maxAgeSeconds > 0);
      const cors = run.one("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "fileshare-cors");
      // The origin comes from the RestApi's id (known before the stage: infra/api.ts), so the rule waits for the RestApi.
      assert.ok(
        cors.dependencies.includes(run.one("aws:apigateway/restApi:RestApi").urn),
        "waits for the API's origin",
      );
      for (const list of [rule.allowedOrigins, rule.allowedHeaders, rule.allowedMethods]) {
        assert.ok(!list.some((v: string) => v.includes("*")), `no wildcard in ${list}`);
      }
    });

    it("expires uploads after the longest share plus a day, noncurrent versions after 1 day, unfinished multipart uploads after multipartAbortDays (8 dev, 15 prod)", () => {
      const rules = onBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"];
      const byId = Object.fromEntries(rules.map((r: { id: string }) => [r.id, r]));
      const days = Math.ceil(run.config.settings.maxShareTtlSeconds / 86400) + 1;
      assert.equal(days, stackName === "dev" ? 2 : 15);
      assert.deepEqual(byId["expire-uploads"], {
        id: "expire-uploads",
        status: "Enabled",
        filter: { prefix: "uploads/" },
        expiration: { days },
      });
      assert.deepEqual(byId["expire-noncurrent-versions"], {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: { prefix: "" },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
        expiration: { expiredObjectDeleteMarker: true },
      });
      // No tag filter: S3 refuses one on a rule that aborts multipart uploads.
      assert.deepEqual(byId["abort-incomplete-multipart-uploads"], {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: { prefix: "" },
        // At least the longest share: S3 must not abort an upload whose share still lets it go on.
        abortIncompleteMultipartUpload: { daysAfterInitiation: stackName === "dev" ? 8 : 15 },
      });
      assert.equal(rules.length, 3);
      assert.ok(rules.every((r: { status: string }) => r.status === "Enabled"));
    });

    it("makes the lifecycle rules wait for versioning", () => {
      const lifecycle = run.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "fileshare-lifecycle",
      );
      assert.ok(
        lifecycle.dependencies.includes(
          run.one("aws:s3/bucketVersioning:BucketVersioning", "fileshare-versioning").urn,
        ),
      );
    });

    it("keys the table by id (string), on demand, with TTL on expiresAtEpoch and encryption", () => {
      const inputs = run.one(TABLE).inputs;
      assert.equal(inputs["billingMode"], "PAY_PER_REQUEST");
      assert.equal(inputs["hashKey"], "id");
      // id is the table's key; owner/createdAt key the owner index (GET /files), the other two the sweep index.
      assert.deepEqual(inputs["attributes"], [
        { name: "id", type: "S" },
        { name: "owner", type: "S" },
        { name: "createdAt", type: "S" },
        { name: "sweepShard", type: "S" },
        { name: "sweepAtEpoch", type: "N" },
      ]);
      assert.deepEqual(inputs["ttl"], { attributeName: "expiresAtEpoch", enabled: true });
      assert.deepEqual(inputs["serverSideEncryption"], { enabled: true });
      assert.equal(inputs["rangeKey"], undefined);
    });

    it("indexes shares by owner, newest first by createdAt, for GET /files, and live shares by sweep time for the clean-up (Queries, never a Scan)", () => {
      assert.deepEqual(run.one(TABLE).inputs["globalSecondaryIndexes"], [
        { name: "byOwner", hashKey: "owner", rangeKey: "createdAt", projectionType: "ALL" },
        { name: "bySweepAt", hashKey: "sweepShard", rangeKey: "sweepAtEpoch", projectionType: "KEYS_ONLY" },
      ]);
    });

    it("builds the table from the one declaration of its shape (config/table.ts), as the local table is", () => {
      const inputs = run.one(TABLE).inputs;
      const typeOf = (name: string): KeyAttribute => {
        const attribute = (inputs["attributes"] as KeyAttribute[]).find((a) => a.name === name);
        assert.ok(attribute, `attribute ${name} is defined`);
        return { name, type: attribute.type };
      };
      // The inputs read back into the declaration's terms; anything the declaration has no word for must be absent.
      assert.equal(inputs["rangeKey"], undefined, "the table has a partition key only");
      assert.equal(inputs["localSecondaryIndexes"], undefined, "no local secondary index");
      const asDeclared = {
        key: typeOf(inputs["hashKey"]),
        billingMode: inputs["billingMode"],
        indexes: (inputs["globalSecondaryIndexes"] as Record<string, string | undefined>[]).map((i): TableIndex => {
          assert.deepEqual(Object.keys(i).sort(), ["hashKey", "name", "projectionType", "rangeKey"], i["name"]);
          return {
            name: i["name"] as string,
            hashKey: typeOf(i["hashKey"] as string),
            rangeKey: typeOf(i["rangeKey"] as string),
            projection: i["projectionType"] as TableIndex["projection"],
          };
        }),
        ttlAttribute: inputs["ttl"].attributeName,
      };
      assert.deepEqual(asDeclared, FILES_TABLE);
      // Only attributes some key uses (DynamoDB refuses others), each once.
      const keyed = [FILES_TABLE.key, ...FILES_TABLE.indexes.flatMap((i) => [i.hashKey, i.rangeKey])].map(
        (a) => a.name,
      );
      assert.deepEqual((inputs["attributes"] as KeyAttribute[]).map((a) => a.name).sort(), [...new Set(keyed)].sort());
    });

    const keep = stackName === "prod";
    it(
      keep
        ? "protects bucket and table (protect, deletion protection, point-in-time recovery, no forceDestroy)"
        : "leaves bucket and table disposable (no protect, no deletion protection or PITR, forceDestroy)",
      () => {
        const bucket = run.one(BUCKET, "fileshare-bucket");
        const table = run.one(TABLE);
        assert.equal(bucket.protect, keep, "bucket protect (the option the engine receives)");
        assert.equal(table.protect, keep, "table protect (the option the engine receives)");
        assert.equal(bucket.inputs["forceDestroy"], !keep);
        assert.equal(table.inputs["deletionProtectionEnabled"], keep);
        assert.deepEqual(table.inputs["pointInTimeRecovery"], { enabled: keep });
      },
    );
  });
}
