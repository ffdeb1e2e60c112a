// The bucket's CORS rule, the same on AWS (infra/storage.ts) and locally (local/s3.ts): what a browser needs to
// PUT with exactly the headers handlers/objects.ts signUpload returns, and to GET a download URL. Never "*".
// A deploy-time constant: the handlers never read it.
import { PREFLIGHT_MAX_AGE_SECONDS } from "../contract/api";

export const BUCKET_CORS_RULE = {
  allowedMethods: ["PUT", "GET", "HEAD"],
  allowedHeaders: ["content-type", "if-none-match", "x-amz-checksum-sha256"],
  exposeHeaders: ["ETag"],
  maxAgeSeconds: PREFLIGHT_MAX_AGE_SECONDS,
};
