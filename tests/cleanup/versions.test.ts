// The version-listing logic of handlers/versions.ts. The local S3 server has no versioning, so these run against
// an SDK middleware fake (named as such: it answers in place of S3 and proves only the calls' shape and our
// handling of the answers, not what real S3 does). Only AWS proves that every version is really deleted.
import assert from "node:assert/strict";
import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../handlers/clients";
import type { BucketDeps } from "../../handlers/deps";
import { abortMultipartUploads, deleteAllVersions } from "../../handlers/versions";
import { testConfig } from "../support/harness";

type Call = { command: string; input: Record<string, unknown> };

/** An S3 client whose requests never leave the process: `answer` replies to each command by name. */
function fakeS3(answer: (call: Call) => unknown): { s3: S3Client; calls: Call[] } {
  const s3 = createS3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const calls: Call[] = [];
  s3.middlewareStack.add(
    (_next, context) => async (args) => {
      const call = { command: String(context.commandName), input: args.input as Record<string, unknown> };
      calls.push(call);
      return { output: { $metadata: {}, ...(answer(call) as object) }, response: {} };
    },
    { step: "initialize", name: "fakeS3" },
  );
  return { s3, calls };
}

/** Exactly what the S3 helpers take: the bucket's config, the client and a clock. */
const depsWith = (s3: S3Client): BucketDeps => ({ config: testConfig(), s3, now: () => new Date() });
const KEY = "uploads/AAAAAAAAAAAAAAAAAAAAAA";

describe("deleting every version of a share's keys (SDK middleware fake, not S3: call shapes only)", () => {
  it("lists versions under the exact key, pages through markers, and deletes each version and delete marker of that key only", async () => {
    const { s3, calls } = fakeS3(({ command, input }) => {
      if (command !== "ListObjectVersionsCommand") return {};
      if (input["KeyMarker"] === undefined) {
        return {
          IsTruncated: true,
          NextKeyMarker: KEY,
          NextVersionIdMarker: "v2",
          Versions: [
            { Key: KEY, VersionId: "v1" },
            { Key: KEY, VersionId: "v2" },
          ],
        };
      }
      return {
        IsTruncated: false,
        Versions: [{ Key: `${KEY}x`, VersionId: "other" }], // another key that shares the prefix
        DeleteMarkers: [{ Key: KEY, VersionId: "m1" }],
      };
    });
    assert.equal(await deleteAllVersions(depsWith(s3), KEY), 3);
    const lists = calls.filter((c) => c.command === "ListObjectVersionsCommand").map((c) => c.input);
    assert.deepEqual(lists, [
      { Bucket: "fileshare-test", Prefix: KEY, KeyMarker: undefined, VersionIdMarker: undefined },
      { Bucket: "fileshare-test", Prefix: KEY, KeyMarker: KEY, VersionIdMarker: "v2" },
    ]);
    const deletes = calls.filter((c) => c.command === "DeleteObjectCommand").map((c) => c.input);
    assert.deepEqual(deletes, [
      { Bucket: "fileshare-test", Key: KEY, VersionId: "v1" },
      { Bucket: "fileshare-test", Key: KEY, VersionId: "v2" },
      { Bucket: "fileshare-test", Key: KEY, VersionId: "m1" },
    ]);
  });

  it("deletes every version of a share's numbered files (<key>/<k>) in the same listing, and of no look-alike key", async () => {
    const { s3, calls } = fakeS3(({ command }) =>
      command === "ListObjectVersionsCommand"
        ? {
            IsTruncated: false,
            Versions: [
              { Key: `${KEY}/1`, VersionId: "a" },
              { Key: `${KEY}/2`, VersionId: "b" },
              { Key: `${KEY}x/1`, VersionId: "other" },
            ],
            DeleteMarkers: [{ Key: `${KEY}/2`, VersionId: "m" }],
          }
        : command === "ListMultipartUploadsCommand"
          ? {
              Uploads: [
                { Key: `${KEY}/3`, UploadId: "u3" },
                { Key: `${KEY}y`, UploadId: "other" },
              ],
            }
          : {},
    );
    assert.equal(await deleteAllVersions(depsWith(s3), KEY), 3);
    assert.deepEqual(
      calls.filter((c) => c.command === "DeleteObjectCommand").map((c) => [c.input["Key"], c.input["VersionId"]]),
      [
        [`${KEY}/1`, "a"],
        [`${KEY}/2`, "b"],
        [`${KEY}/2`, "m"],
      ],
    );
    assert.equal(await abortMultipartUploads(depsWith(s3), KEY), 1);
    assert.deepEqual(
      calls.filter((c) => c.command === "AbortMultipartUploadCommand").map((c) => c.input["Key"]),
      [`${KEY}/3`],
    );
  });

  it("deletes nothing, not even a delete marker, when the key has no versions", async () => {
    const { s3, calls } = fakeS3(() => ({ IsTruncated: false }));
    assert.equal(await deleteAllVersions(depsWith(s3), KEY), 0);
    assert.deepEqual(
      calls.map((c) => c.command),
      ["ListObjectVersionsCommand"],
    );
  });

  it("aborts only the open multipart uploads of the exact key", async () => {
    const { s3, calls } = fakeS3(({ command }) =>
      command === "ListMultipartUploadsCommand"
        ? {
            IsTruncated: false,
            Uploads: [
              { Key: KEY, UploadId: "u1" },
              { Key: `${KEY}x`, UploadId: "u2" },
            ],
          }
        : {},
    );
    assert.equal(await abortMultipartUploads(depsWith(s3), KEY), 1);
    assert.deepEqual(
      calls.filter((c) => c.command === "AbortMultipartUploadCommand").map((c) => c.input),
      [{ Bucket: "fileshare-test", Key: KEY, UploadId: "u1" }],
    );
  });

  it("fails when S3 refuses to list multipart uploads, even with NotImplemented: no failure passes for 'no uploads'", async () => {
    const { s3 } = fakeS3(({ command }) => {
      if (command === "ListMultipartUploadsCommand") {
        throw Object.assign(new Error("not implemented"), { name: "NotImplemented" });
      }
      return {};
    });
    await assert.rejects(abortMultipartUploads(depsWith(s3), KEY), { name: "NotImplemented" });
  });

  it("counts an upload that was completed or aborted between the listing and its abort (NoSuchUpload) and goes on", async () => {
    const { s3, calls } = fakeS3(({ command, input }) => {
      if (command === "ListMultipartUploadsCommand") {
        return {
          Uploads: [
            { Key: KEY, UploadId: "gone" },
            { Key: KEY, UploadId: "open" },
          ],
        };
      }
      if (input["UploadId"] === "gone") throw Object.assign(new Error("gone"), { name: "NoSuchUpload" });
      return {};
    });
    assert.equal(await abortMultipartUploads(depsWith(s3), KEY), 2);
    assert.deepEqual(
      calls.filter((c) => c.command === "AbortMultipartUploadCommand").map((c) => c.input["UploadId"]),
      ["gone", "open"],
    );
  });
});
