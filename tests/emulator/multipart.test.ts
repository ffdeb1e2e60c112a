// The local S3 does multipart as S3 documents it: pre-signed UploadPart URLs, ListParts paging, Abort, the
// rules checked at CompleteMultipartUpload, per-part SHA-256 checksums and the multipart ETag.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { BUCKET, errorCode, md5Hex, MiB, refusal, sha256, startTestS3, TestS3 } from "./s3";

describe("emulator: multipart uploads", () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startTestS3();
  });
  after(() => s3.close());

  const create = async (key: string, checksum = true) =>
    (
      await s3.client.send(
        new CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          ContentType: "video/mp4",
          ...(checksum ? { ChecksumAlgorithm: "SHA256" as const } : {}),
        }),
      )
    ).UploadId as string;

  /** Uploads one part through a pre-signed URL that signs its length and SHA-256, as the API will. */
  const putPart = async (key: string, uploadId: string, partNumber: number, body: Buffer, claimed = sha256(body)) => {
    const url = await s3.presign(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: body.length,
        ChecksumSHA256: claimed,
      }),
      ["content-length", "x-amz-checksum-sha256"],
    );
    return fetch(url, { method: "PUT", headers: { "x-amz-checksum-sha256": claimed }, body: new Uint8Array(body) });
  };

  const partNumbers = async (key: string, uploadId: string) =>
    ((await s3.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }))).Parts ?? []).map(
      (p) => p.PartNumber,
    );

  it("emulator: parts sent to pre-signed URLs complete into the object, with S3's multipart ETag, a composite SHA-256 and one CompleteMultipartUpload event", async () => {
    const key = "uploads/whole";
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const uploadId = await create(key);
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const res = await putPart(key, uploadId, i + 1, body);
      assert.equal(res.status, 200, await res.text());
      assert.equal(res.headers.get("x-amz-checksum-sha256"), sha256(body));
      etags.push(res.headers.get("etag") as string);
    }
    assert.deepEqual(
      etags,
      parts.map((p) => `"${md5Hex(p)}"`),
    );
    const done = await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: parts.map((p, i) => ({ PartNumber: i + 1, ETag: etags[i], ChecksumSHA256: sha256(p) })),
        },
      }),
    );
    const expectedEtag = `"${md5Hex(Buffer.concat(parts.map((p) => Buffer.from(md5Hex(p), "hex"))))}-3"`;
    const composite = `${createHash("sha256")
      .update(Buffer.concat(parts.map((p) => Buffer.from(sha256(p), "base64"))))
      .digest("base64")}-3`;
    assert.equal(done.ETag, expectedEtag);
    assert.equal(done.ChecksumSHA256, composite);

    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts)));
    assert.equal(got.ETag, expectedEtag);
    assert.equal(got.ContentType, "video/mp4");
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: "ENABLED" }));
    assert.equal(head.ChecksumSHA256, composite);

    const created = s3.events.flatMap((e) => e.Records).filter((r) => r.s3.object.key === key);
    assert.deepEqual(
      created.map((r) => [r.eventName, r.s3.object.size]),
      [["ObjectCreated:CompleteMultipartUpload", 10 * MiB + 1234]],
    );
    // The upload is gone once complete.
    const listed = await refusal(
      s3.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })),
    );
    assert.deepEqual(listed, { name: "NoSuchUpload", status: 404 });
  });

  it("emulator: ListParts pages by MaxParts and PartNumberMarker and reports each part's ETag, Size and ChecksumSHA256", async () => {
    const key = "uploads/listed";
    const uploadId = await create(key);
    const bodies = [randomBytes(100), randomBytes(200), randomBytes(300)];
    // Uploaded out of order: the listing is by part number.
    for (const n of [3, 1, 2]) assert.equal((await putPart(key, uploadId, n, bodies[n - 1] as Buffer)).status, 200);
    const first = await s3.client.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 2 }),
    );
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextPartNumberMarker, "2");
    assert.equal(first.ChecksumAlgorithm, "SHA256");
    assert.deepEqual(
      first.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag, p.ChecksumSHA256]),
      [1, 2].map((n) => [n, n * 100, `"${md5Hex(bodies[n - 1] as Buffer)}"`, sha256(bodies[n - 1] as Buffer)]),
    );
    const rest = await s3.client.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 2, PartNumberMarker: "2" }),
    );
    assert.equal(rest.IsTruncated, false);
    assert.deepEqual(
      rest.Parts?.map((p) => p.PartNumber),
      [3],
    );
    // A part uploaded again replaces the old one.
    const again = randomBytes(50);
    assert.equal((await putPart(key, uploadId, 2, again)).status, 200);
    const replaced = await s3.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    assert.deepEqual(
      replaced.Parts?.map((p) => [p.PartNumber, p.Size]),
      [
        [1, 100],
        [2, 50],
        [3, 300],
      ],
    );
  });

  it("emulator: AbortMultipartUpload removes every part; a later UploadPart, ListParts or Complete gets 404 NoSuchUpload", async () => {
    const key = "uploads/aborted";
    const uploadId = await create(key);
    assert.equal((await putPart(key, uploadId, 1, randomBytes(1000))).status, 200);
    await s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    const uploads = join(s3.directory, BUCKET, "._S3rver_uploads");
    assert.deepEqual(
      (await readdir(uploads)).filter((name) => name === uploadId),
      [],
      "the parts are still on disk",
    );
    const late = await putPart(key, uploadId, 2, randomBytes(10));
    assert.equal(late.status, 404);
    assert.equal(errorCode(await late.text()), "NoSuchUpload");
    assert.deepEqual(
      await refusal(s3.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }))),
      { name: "NoSuchUpload", status: 404 },
    );
    assert.deepEqual(
      await refusal(
        s3.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] },
          }),
        ),
      ),
      { name: "NoSuchUpload", status: 404 },
    );
    assert.deepEqual(
      await refusal(s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }))),
      { name: "NoSuchUpload", status: 404 },
    );
    // An upload id belongs to its key.
    const other = await create("uploads/other");
    assert.equal((await putPart(key, other, 1, randomBytes(10))).status, 404);
  });

  it("emulator: CompleteMultipartUpload refuses a part under 5 MiB before the last (EntityTooSmall), parts out of order (InvalidPartOrder), a missing part or a wrong ETag or checksum (InvalidPart), and the upload stays open", async () => {
    const key = "uploads/rules";
    const uploadId = await create(key);
    const big = randomBytes(5 * MiB);
    const small = randomBytes(5 * MiB - 1);
    const last = randomBytes(10);
    const tags: string[] = [];
    for (const [i, body] of [big, small, last].entries()) {
      tags.push((await putPart(key, uploadId, i + 1, body)).headers.get("etag") as string);
    }
    const complete = (parts: { PartNumber: number; ETag: string; ChecksumSHA256?: string }[]) =>
      refusal(
        s3.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    const p = (n: number, etag = tags[n - 1] as string) => ({ PartNumber: n, ETag: etag });
    assert.deepEqual(await complete([p(1), p(2), p(3)]), { name: "EntityTooSmall", status: 400 });
    assert.deepEqual(await complete([p(1), p(3), p(2)]), { name: "InvalidPartOrder", status: 400 });
    assert.deepEqual(await complete([p(1), p(1)]), { name: "InvalidPartOrder", status: 400 });
    assert.deepEqual(await complete([p(1), p(4, tags[0])]), { name: "InvalidPart", status: 400 });
    assert.deepEqual(await complete([p(1), p(3, tags[0])]), { name: "InvalidPart", status: 400 });
    assert.deepEqual(await complete([{ ...p(1), ChecksumSHA256: sha256(last) }, p(3)]), {
      name: "InvalidPart",
      status: 400,
    });
    // Refusals change nothing: parts 1 and 3 (the last may be small) still complete the upload.
    const done = await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [p(1), p(3)] },
      }),
    );
    assert.match(done.ETag ?? "", /^"[0-9a-f]{32}-2"$/);
    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([big, last])));
  });

  it("emulator: UploadPart verifies x-amz-checksum-sha256 (400 BadDigest, nothing stored) and an upload created with SHA256 refuses a part without one", async () => {
    const key = "uploads/corrupt";
    const uploadId = await create(key);
    const body = randomBytes(4096);
    const corrupted = Buffer.from(body);
    corrupted[100] = (corrupted[100] as number) ^ 1;
    const bad = await putPart(key, uploadId, 1, corrupted, sha256(body));
    assert.equal(bad.status, 400);
    assert.equal(errorCode(await bad.text()), "BadDigest");
    assert.deepEqual(await partNumbers(key, uploadId), []);

    const unsummed = await s3.presign(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        ContentLength: body.length,
      }),
      ["content-length"],
    );
    const without = await fetch(unsummed, { method: "PUT", body: new Uint8Array(body) });
    assert.equal(without.status, 400);
    assert.equal(errorCode(await without.text()), "InvalidRequest");
    assert.deepEqual(await partNumbers(key, uploadId), []);
    assert.equal((await putPart(key, uploadId, 1, body)).status, 200);
    assert.deepEqual(await partNumbers(key, uploadId), [1]);
  });

  it("emulator: a pre-signed UploadPart URL is refused when tampered with, sent with another length, or used for another part number", async () => {
    const key = "uploads/signed";
    const uploadId = await create(key, false);
    const body = randomBytes(100);
    const url = await s3.presign(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        ContentLength: body.length,
      }),
      ["content-length"],
    );
    const send = (target: string, data = body) => fetch(target, { method: "PUT", body: new Uint8Array(data) });
    const tampered = new URL(url);
    tampered.searchParams.set("X-Amz-Signature", "0".repeat(64));
    assert.equal((await send(tampered.toString())).status, 403);
    const otherPart = new URL(url);
    otherPart.searchParams.set("partNumber", "2");
    assert.equal((await send(otherPart.toString())).status, 403);
    assert.equal((await send(url, randomBytes(101))).status, 403, "a different length than signed");
    assert.deepEqual(await partNumbers(key, uploadId), []);
    assert.equal((await send(url)).status, 200);
  });

  it("emulator: CompleteMultipartUpload with If-None-Match: * refuses (412) when the key exists, and completes when it does not", async () => {
    const key = "uploads/conditional";
    const uploadId = await create(key, false);
    const part = await s3.client.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, Body: randomBytes(10) }),
    );
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "first" }));
    const complete = () =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: uploadId,
          IfNoneMatch: "*",
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
    assert.deepEqual(await refusal(complete()), { name: "PreconditionFailed", status: 412 });
    const kept = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(await kept.Body!.transformToString(), "first");
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.match((await complete()).ETag ?? "", /-1"$/);
  });

  /** Every file under `dir`, with its inode. */
  async function files(dir: string): Promise<{ path: string; ino: number }[]> {
    const found: { path: string; ino: number }[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      found.push({ path, ino: (await stat(path)).ino });
    }
    return found;
  }

  const completeAll = (key: string, uploadId: string, parts: Buffer[], etags: string[]) =>
    s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: parts.map((p, i) => ({ PartNumber: i + 1, ETag: etags[i], ChecksumSHA256: sha256(p) })),
        },
      }),
    );
  const range = async (key: string, first: number, last: number) => {
    const got = await s3.client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=${first}-${last}` }),
    );
    return { bytes: Buffer.from(await got.Body!.transformToByteArray()), contentRange: got.ContentRange };
  };

  it("emulator: parts of one length are written in place, so completion copies nothing: the object is the parts' file, with its bytes, ETag, size, ranges across part boundaries, and a delete", async () => {
    const key = "uploads/in-place";
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const whole = Buffer.concat(parts);
    const uploadId = await create(key);
    const etags: string[] = [];
    // The first part sets the stride; the others arrive together, out of order.
    etags[0] = (await putPart(key, uploadId, 1, parts[0]!)).headers.get("etag") as string;
    await Promise.all(
      [4, 2, 3].map(async (n) => {
        const res = await putPart(key, uploadId, n, parts[n - 1]!);
        assert.equal(res.status, 200, await res.text());
        etags[n - 1] = res.headers.get("etag") as string;
      }),
    );
    const uploadDir = join(s3.directory, BUCKET, "._S3rver_uploads", uploadId);
    const before = await files(uploadDir);
    assert.deepEqual(
      before
        .filter((f) => !f.path.endsWith(".json"))
        .map((f) => f.path.slice(uploadDir.length + 1))
        .sort(),
      ["assembly", "initiated", "key", "metadata"],
      "every part went into the one file",
    );
    const assembly = before.find((f) => f.path.endsWith("assembly"))!;

    const done = await completeAll(key, uploadId, parts, etags);
    assert.equal(done.ETag, `"${md5Hex(Buffer.concat(parts.map((p) => Buffer.from(md5Hex(p), "hex"))))}-4"`);
    const object = (await files(join(s3.directory, BUCKET))).filter((f) => f.ino === assembly.ino);
    assert.equal(object.length, 1, "the parts' file is now the object, and only it");
    assert.match(object[0]!.path, /_S3rver_object$/);

    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(got.ContentLength, whole.length);
    assert.equal(got.ETag, done.ETag);
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(whole));
    // Ranges across one boundary, across two, and the last bytes.
    for (const [first, last] of [
      [5 * MiB - 10, 5 * MiB + 9],
      [5 * MiB - 1, 10 * MiB],
      [whole.length - 1300, whole.length - 1],
    ] as const) {
      const r = await range(key, first, last);
      assert.ok(r.bytes.equals(whole.subarray(first, last + 1)), `bytes ${first}-${last}`);
      assert.equal(r.contentRange, `bytes ${first}-${last}/${whole.length}`);
    }
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual(await refusal(s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))), {
      name: "NoSuchKey",
      status: 404,
    });
    assert.deepEqual(
      (await files(join(s3.directory, BUCKET))).filter((f) => f.ino === assembly.ino),
      [],
      "nothing of it left",
    );
  });

  it("emulator: parts of unequal lengths, a part sent again and a resend refused for its checksum still complete into exactly the parts on record", async () => {
    const key = "uploads/uneven";
    const parts = [randomBytes(5 * MiB + 1), randomBytes(6 * MiB), randomBytes(777)];
    const uploadId = await create(key);
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      etags[i] = (await putPart(key, uploadId, i + 1, body)).headers.get("etag") as string;
    }
    // Part 1 again, other bytes of the same length; then a resend of part 1 whose checksum is wrong (refused).
    parts[0] = randomBytes(5 * MiB + 1);
    etags[0] = (await putPart(key, uploadId, 1, parts[0])).headers.get("etag") as string;
    const refused = await putPart(key, uploadId, 1, randomBytes(5 * MiB + 1), sha256(Buffer.from("other")));
    assert.equal(refused.status, 400);
    assert.equal(errorCode(await refused.text()), "BadDigest");

    await completeAll(key, uploadId, parts, etags);
    const whole = Buffer.concat(parts);
    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(got.ContentLength, whole.length);
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(whole));
    const r = await range(key, 5 * MiB - 5, 5 * MiB + 5);
    assert.ok(r.bytes.equals(whole.subarray(5 * MiB - 5, 5 * MiB + 6)));
  });
});
