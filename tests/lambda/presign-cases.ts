// Run by layer.test.ts in a child process: signs URLs with the handlers' own signing code (handlers/objects.ts)
// at a fixed clock with fixed credentials and prints them as JSON. Given a layer's node_modules folder as
// argument, every `@aws-sdk/*` require is answered from that folder instead of the project's, so the same
// code signs once with the SDK packages and once with the layer's bundle.
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK is loaded only after the resolver hook */
import Module from "node:module";
import { join } from "node:path";

const layerModules = process.argv[2];
if (layerModules) {
  const hooked = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = hooked._resolveFilename;
  hooked._resolveFilename = (request, ...rest) =>
    request.startsWith("@aws-sdk/") ? require.resolve(join(layerModules, request)) : resolve(request, ...rest);
}

const { createDocumentClient, createS3Client } =
  require("../../handlers/clients") as typeof import("../../handlers/clients");
const objects = require("../../handlers/objects") as typeof import("../../handlers/objects");
const multipart = require("../../handlers/multipart") as typeof import("../../handlers/multipart");
const { fileKeyFor } = require("../../handlers/ids") as typeof import("../../handlers/ids");
const { PutObjectCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
const { getSignedUrl } = require("@aws-sdk/s3-request-presigner") as typeof import("@aws-sdk/s3-request-presigner");
const { testConfig } = require("../support/harness") as typeof import("../support/harness");
const { DISCARD_AUDIT } = require("../../handlers/audit") as typeof import("../../handlers/audit");

const NOW = new Date("2026-11-27T12:34:56.000Z");
const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret/example", sessionToken: "session+token" };
const SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

async function cases(endpoint?: string): Promise<Record<string, unknown>> {
  const s3 = createS3Client({
    region: "eu-west-1",
    credentials,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  const config = testConfig({ bucketName: "fileshare-prod-files" });
  const deps = {
    config,
    s3,
    db: createDocumentClient({ region: "eu-west-1", credentials }),
    now: () => NOW,
    random: () => "fixed",
    verifyToken: () => Promise.reject(new Error("signing URLs verifies no token")),
    fingerprint: () => "fixed",
    audit: DISCARD_AUDIT,
    bucketOrigin: "https://fileshare-prod-files.s3.eu-west-1.amazonaws.com",
  };
  const key = fileKeyFor("AbCdEfGhIjKlMnOpQrStUv");
  const upload = { key, uploadId: "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA" };
  return {
    putWithSha256: await objects.signUpload(deps, key, { contentType: "text/plain", size: 0, sha256: SHA256 }, 300),
    putConditional: await objects.signUpload(deps, key, { contentType: "application/pdf", size: 12345 }, 300),
    // The bare PutObject that SDK >= 3.729 would give a CRC32 of an empty body unless asked not to.
    plainPut: await getSignedUrl(s3, new PutObjectCommand({ Bucket: deps.config.bucketName, Key: key }), {
      expiresIn: 300,
      signingDate: NOW,
    }),
    // Multipart UploadPart: exactly the part's length, with and without the part's SHA-256.
    uploadPart: await multipart.signPart(deps, upload, { partNumber: 2, length: 5 * 1024 * 1024 }, 300),
    uploadPartWithSha256: await multipart.signPart(deps, upload, { partNumber: 3, length: 1, sha256: SHA256 }, 300),
    getWithDisposition: await objects.signDownload(deps, key, {
      fileName: "naïve résumé (1).pdf",
      contentType: "application/pdf",
    }),
  };
}

async function main(): Promise<void> {
  const urls = { aws: await cases(), local: await cases("http://127.0.0.1:4569") };
  // Which files answered the SDK requires: proves the hook (or its absence) took effect.
  const sdkFiles = Object.keys(require.cache).filter((f) => /[/\\]@aws-sdk[/\\]|sdk-bundle\.js$/.test(f));
  process.stdout.write(JSON.stringify({ urls, sdkFiles }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
