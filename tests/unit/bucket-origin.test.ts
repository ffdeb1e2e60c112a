// The page's CSP allows exactly one S3 origin: the one the handlers' own S3 client signs its URLs for.
import { strict as assert } from "node:assert";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { bucketOriginOf } from "../../handlers/bucketOrigin";
import { createS3Client } from "../../handlers/clients";
import { pageCsp } from "../../handlers/page";

describe("the page's Content-Security-Policy names exactly the stack's S3 endpoint", () => {
  const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" };
  const bucket = "fileshare-prod-files-0a1b2c3";

  for (const region of ["us-east-1", "eu-west-1", "ap-southeast-2"]) {
    it(`is the origin the SDK signs upload URLs for in ${region} (as on AWS, no endpoint set)`, async () => {
      const s3 = createS3Client({ region, credentials });
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: "uploads/x" }));
      assert.equal(bucketOriginOf(bucket, { AWS_REGION: region }), new URL(url).origin);
    });
  }

  it("is the local S3 server's origin when the SDK's S3 endpoint is set (npm start)", () => {
    const env = { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:45123" };
    assert.equal(bucketOriginOf(bucket, env), "http://127.0.0.1:45123");
  });

  it("refuses to guess when the region is unknown", () => {
    assert.throws(() => bucketOriginOf(bucket, {}), /AWS_REGION is not set/);
  });

  it("allows the API itself and that one origin, no wildcard and no loopback on AWS", () => {
    const csp = pageCsp(bucketOriginOf(bucket, { AWS_REGION: "eu-west-1" }));
    const connect = csp.split("; ").find((d) => d.startsWith("connect-src"));
    assert.equal(connect, `connect-src 'self' https://${bucket}.s3.eu-west-1.amazonaws.com`);
    assert.ok(!csp.includes("*") && !csp.includes("127.0.0.1"), csp);
  });
});
