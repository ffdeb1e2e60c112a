// Where a browser sends the pre-signed requests this stack hands out, for the page's Content-Security-Policy.
// Pure and SDK-free (the page's function carries no SDK); a test keeps it equal to the origin the SDK signs.

/** The origin of this stack's pre-signed S3 URLs: the S3 endpoint set for the SDK (local mode), else the bucket's
 *  virtual-hosted regional endpoint, which is what the SDK signs for bucket names without dots (ours). */
export function bucketOriginOf(bucketName: string, env: Record<string, string | undefined>): string {
  const endpoint = env["AWS_ENDPOINT_URL_S3"];
  if (endpoint !== undefined && endpoint !== "") return new URL(endpoint).origin;
  const region = env["AWS_REGION"];
  if (region === undefined || region === "") throw new Error("environment variable AWS_REGION is not set");
  return `https://${bucketName}.s3.${region}.amazonaws.com`;
}
