// What other S3 clients send, accepted as S3 accepts it: Go clients (rclone) write an ETag's quotes as the
// character reference &#34;; a client whose Complete answer was lost sends it again (S3: 200 with the same
// result); SigV4 signs header values with runs of spaces and tabs collapsed. And rclone itself, when installed,
// finishes a 12 MB multipart upload.
import {
  CompleteMultipartUploadCommand,
  CompleteMultipartUploadCommandInput,
  CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { BuildHandler, BuildHandlerArguments } from "@smithy/types";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BUCKET, md5Hex, MiB, startTestS3, stored, TestS3 } from "./s3";

const RCLONE = "/usr/bin/rclone";

describe("emulator: other clients", () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startTestS3();
  });
  after(() => s3.close());

  /** An upload of one 100-byte part: its id and the part's ETag (with quotes, as S3 returns it). */
  const onePart = async (key: string) => {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const body = randomBytes(100);
    const part = await s3.client.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: body }),
    );
    return { uploadId: UploadId as string, etag: part.ETag as string, body };
  };

  it("emulator: CompleteMultipartUpload decodes character references: rclone's exact body (<ETag>&#34;…&#34;</ETag>) completes", async () => {
    const key = "clients/rclone-body";
    const { uploadId, etag, body } = await onePart(key);
    assert.equal(etag, `"${md5Hex(body)}"`);
    // Byte for byte what rclone 1.60 (aws-sdk-go's XML encoder) sends.
    const rcloneBody =
      '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>&#34;' +
      md5Hex(body) +
      "&#34;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>";
    const command = new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] },
    });
    // Replaced before signing, so the signature covers exactly these bytes.
    command.middlewareStack.add(
      (next: BuildHandler<CompleteMultipartUploadCommandInput, CompleteMultipartUploadCommandOutput>) =>
        async (args: BuildHandlerArguments<CompleteMultipartUploadCommandInput>) => {
          const request = args.request as { body: unknown; headers: Record<string, string> };
          request.body = rcloneBody;
          request.headers["content-length"] = String(Buffer.byteLength(rcloneBody));
          return next(args);
        },
      { step: "build", priority: "low", name: "rcloneBody" },
    );
    const done = await s3.client.send(command);
    assert.match(done.ETag ?? "", /-1"$/);
    assert.ok((await stored(s3, key)).equals(body));
  });

  it("emulator: a repeated CompleteMultipartUpload of a finished upload answers 200 with the same ETag, writes nothing again and sends no second event", async () => {
    const key = "clients/complete-twice";
    const { uploadId, etag, body } = await onePart(key);
    const complete = () =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] },
        }),
      );
    const first = await complete();
    const modified = (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).LastModified;
    const second = await complete();
    assert.equal(second.ETag, first.ETag);
    assert.equal(second.Key, key);
    assert.ok((await stored(s3, key)).equals(body));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual(head.LastModified, modified);
    const events = s3.events.flatMap((e) => e.Records).filter((r) => r.s3.object.key.startsWith("clients/complete"));
    assert.equal(events.length, 1, "one ObjectCreated event");
  });

  it("emulator: a signed Content-Type with a tab or runs of spaces ('text/plain;\\tcharset=utf-8') matches its signature, as on S3", async () => {
    for (const [i, type] of ["text/plain;\tcharset=utf-8", "text/plain;   charset=utf-8", " text/plain "].entries()) {
      const key = `clients/whitespace-${i}`;
      const url = await s3.presign(new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: type }), [
        "content-type",
      ]);
      const res = await fetch(url, { method: "PUT", headers: { "Content-Type": type }, body: "hello" });
      assert.equal(res.status, 200, `${JSON.stringify(type)}: ${await res.text()}`);
      assert.equal((await stored(s3, key)).toString(), "hello");
    }
  });

  it("emulator: rclone (Debian's, at /usr/bin/rclone) uploads 12 MB in 5 MiB parts and the bytes arrive whole (skipped without rclone)", async function () {
    if (!existsSync(RCLONE)) return this.skip(); // rclone is not installed: nothing to run
    const dir = await mkdtemp(join(tmpdir(), "emulator-rclone-"));
    try {
      const file = join(dir, "twelve.bin");
      const bytes = randomBytes(12 * 1000 * 1000);
      await writeFile(file, bytes);
      // rclone fails with AWS_CA_BUNDLE set ("unsupported transport"): a plain HTTP endpoint needs none.
      const env: Record<string, string | undefined> = {
        ...process.env,
        RCLONE_CONFIG_LOCAL_TYPE: "s3",
        RCLONE_CONFIG_LOCAL_PROVIDER: "Other",
        RCLONE_CONFIG_LOCAL_ENDPOINT: s3.local.endpoint,
        RCLONE_CONFIG_LOCAL_REGION: "us-east-1",
        RCLONE_CONFIG_LOCAL_FORCE_PATH_STYLE: "true",
        RCLONE_CONFIG_LOCAL_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        RCLONE_CONFIG_LOCAL_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        RCLONE_CONFIG: "/dev/null",
      };
      delete env["AWS_CA_BUNDLE"];
      await promisify(execFile)(
        RCLONE,
        [
          "copyto",
          file,
          `local:${BUCKET}/clients/rclone.bin`,
          ...["--s3-chunk-size", "5M", "--s3-upload-cutoff", "5M", "--s3-no-check-bucket", "--retries", "1"],
          "--low-level-retries",
          "1",
        ],
        { env },
      );
      assert.ok((await stored(s3, "clients/rclone.bin")).equals(bytes), "the same 12 MB");
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "clients/rclone.bin" }));
      assert.match(head.ETag ?? "", /-3"$/, "three parts of 5 MiB, 5 MiB and the rest");
      assert.equal(head.ContentLength, 12 * 1000 * 1000);
      assert.ok(12 * 1000 * 1000 > 2 * 5 * MiB);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
