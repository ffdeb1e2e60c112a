// The local S3 lists open multipart uploads as S3 documents ListMultipartUploads, and completes or aborts an
// upload whole: of concurrent Completes (or a Complete and an Abort) of one upload, one wins and the others get
// 404 NoSuchUpload.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListMultipartUploadsCommandInput,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { assertAbsent, BUCKET, refusal, startTestS3, stored, TestS3 } from "./s3";

describe("emulator: ListMultipartUploads and whole Complete/Abort", () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startTestS3();
  });
  after(() => s3.close());

  const create = async (key: string, checksum = false) =>
    (
      await s3.client.send(
        new CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          ...(checksum ? { ChecksumAlgorithm: "SHA256" as const } : {}),
        }),
      )
    ).UploadId as string;

  const list = (input: Omit<ListMultipartUploadsCommandInput, "Bucket"> = {}) =>
    s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, ...input }));

  /** [key, uploadId] of every upload under `prefix`, following the markers page by page. */
  async function listAll(prefix: string, maxUploads?: number): Promise<{ uploads: string[][]; pages: number }> {
    const uploads: string[][] = [];
    let pages = 0;
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await list({ Prefix: prefix, MaxUploads: maxUploads, ...markers });
      pages++;
      uploads.push(...(page.Uploads ?? []).map((u) => [u.Key!, u.UploadId!]));
      if (!page.IsTruncated) return { uploads, pages };
      markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }

  /** Uploads one small part and returns what Complete needs. */
  const onePart = async (key: string, uploadId: string) => {
    const part = await s3.client.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, Body: randomBytes(100) }),
    );
    return { Parts: [{ PartNumber: 1, ETag: part.ETag }] };
  };

  it("emulator: ListMultipartUploads lists open uploads by key then start order, under a prefix, with S3's fields; completed and aborted ones disappear", async () => {
    const b1 = await create("list/b");
    const a1 = await create("list/a", true);
    const b2 = await create("list/b"); // a second upload of the same key, begun later
    const done = await create("list/c");
    const gone = await create("list/d");
    await create("other/x");
    const all = await list({ Prefix: "list/" });
    assert.deepEqual(
      all.Uploads?.map((u) => [u.Key, u.UploadId]),
      [
        ["list/a", a1],
        ["list/b", b1],
        ["list/b", b2],
        ["list/c", done],
        ["list/d", gone],
      ],
    );
    assert.equal(all.IsTruncated, false);
    assert.equal(all.MaxUploads, 1000, "the default page size");
    assert.equal(all.Prefix, "list/");
    const first = all.Uploads![0]!;
    assert.equal(first.ChecksumAlgorithm, "SHA256");
    assert.equal(first.StorageClass, "STANDARD");
    assert.ok(first.Initiated instanceof Date && Math.abs(first.Initiated.getTime() - Date.now()) < 60_000);
    assert.ok(first.Owner?.ID && first.Initiator?.ID);

    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: "list/c",
        UploadId: done,
        MultipartUpload: await onePart("list/c", done),
      }),
    );
    await s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "list/d", UploadId: gone }));
    assert.deepEqual(
      (await list({ Prefix: "list/" })).Uploads?.map((u) => u.UploadId),
      [a1, b1, b2],
    );
    // Prefix is a plain string prefix, not a folder: "list/b" also matches "list/bb".
    const bb = await create("list/bb");
    assert.deepEqual(
      (await list({ Prefix: "list/b" })).Uploads?.map((u) => u.UploadId),
      [b1, b2, bb],
    );
  });

  it("emulator: ListMultipartUploads pages by MaxUploads with NextKeyMarker and NextUploadIdMarker, also between two uploads of one key", async () => {
    const ids = [];
    for (const key of ["page/1", "page/2", "page/2", "page/2", "page/3"]) ids.push([key, await create(key)]);
    const first = await list({ Prefix: "page/", MaxUploads: 2 });
    assert.equal(first.IsTruncated, true);
    assert.equal(first.MaxUploads, 2);
    assert.equal(first.NextKeyMarker, "page/2");
    assert.equal(first.NextUploadIdMarker, ids[1]![1]);
    const paged = await listAll("page/", 2);
    assert.deepEqual(paged.uploads, ids);
    assert.equal(paged.pages, 3);
    // A key marker alone starts after every upload of that key.
    assert.deepEqual(
      (await list({ Prefix: "page/", KeyMarker: "page/2" })).Uploads?.map((u) => u.Key),
      ["page/3"],
    );
    // An upload id marker without a key marker is ignored, as on S3.
    assert.equal((await list({ Prefix: "page/", UploadIdMarker: ids[4]![1] })).Uploads?.length, 5);
    // MaxUploads above 1000 is echoed but a page holds at most 1000.
    assert.equal((await list({ Prefix: "page/", MaxUploads: 5000 })).MaxUploads, 5000);
  });

  it("emulator: ListMultipartUploads rolls keys up to the Delimiter into CommonPrefixes, each counting once towards MaxUploads", async () => {
    for (const key of ["tree/a/1", "tree/a/2", "tree/a/2", "tree/b", "tree/c/1", "tree/d"]) await create(key);
    const whole = await list({ Prefix: "tree/", Delimiter: "/" });
    assert.deepEqual(
      whole.CommonPrefixes?.map((p) => p.Prefix),
      ["tree/a/", "tree/c/"],
    );
    assert.deepEqual(
      whole.Uploads?.map((u) => u.Key),
      ["tree/b", "tree/d"],
    );
    assert.equal(whole.Delimiter, "/");
    // Paged two entries at a time: a, b | c, d. The prefix "tree/a/" as a marker skips every key under it.
    const page1 = await list({ Prefix: "tree/", Delimiter: "/", MaxUploads: 2 });
    assert.equal(page1.IsTruncated, true);
    assert.equal(page1.NextKeyMarker, "tree/b");
    const fromPrefix = await list({ Prefix: "tree/", Delimiter: "/", KeyMarker: "tree/a/" });
    assert.deepEqual(
      fromPrefix.Uploads?.map((u) => u.Key),
      ["tree/b", "tree/d"],
    );
    assert.deepEqual(
      fromPrefix.CommonPrefixes?.map((p) => p.Prefix),
      ["tree/c/"],
    );
  });

  it("emulator: ListMultipartUploads refuses a max-uploads that is not a whole number (400 InvalidArgument) and any encoding-type (501: S3's key encoding is not copied)", async () => {
    assert.deepEqual(await refusal(list({ MaxUploads: -1 })), { name: "InvalidArgument", status: 400 });
    assert.deepEqual(await refusal(list({ EncodingType: "url" })), { name: "NotImplemented", status: 501 });
  });

  it("emulator: of 10 concurrent Completes of one upload exactly one writes the object (one event); the others answer 200 with its ETag, as S3 answers a repeated Complete; the upload is no longer listed", async () => {
    const key = "race/complete";
    const uploadId = await create(key);
    const parts = await onePart(key, uploadId);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        s3.client.send(
          new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: parts }),
        ),
      ),
    );
    const etags = results.map((r) => (r.status === "fulfilled" ? r.value.ETag : (r.reason as Error).name));
    assert.equal(new Set(etags).size, 1, `one answer for all: ${etags.join(", ")}`);
    assert.match(etags[0] ?? "", /-1"$/);
    const created = s3.events.flatMap((e) => e.Records).filter((r) => r.s3.object.key === key);
    assert.equal(created.length, 1, "exactly one Complete wrote the object");
    assert.equal((await stored(s3, key)).length, 100);
    assert.deepEqual((await list({ Prefix: key })).Uploads ?? [], []);
  });

  it("emulator: a Complete and an Abort of one upload at once: one of them wins whole, the other gets 404 NoSuchUpload", async () => {
    for (let round = 0; round < 5; round++) {
      const key = `race/abort-${round}`;
      const uploadId = await create(key);
      const parts = await onePart(key, uploadId);
      const [completed, aborted] = await Promise.allSettled([
        s3.client.send(
          new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: parts }),
        ),
        s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })),
      ]);
      assert.notEqual(completed.status, aborted.status, "exactly one of the two succeeds");
      const loser = completed.status === "rejected" ? completed : aborted;
      assert.equal(((loser as PromiseRejectedResult).reason as Error).name, "NoSuchUpload");
      if (completed.status === "fulfilled") assert.equal((await stored(s3, key)).length, 100);
      else await assertAbsent(s3, key); // an object exists only if Complete won
      assert.deepEqual((await list({ Prefix: key })).Uploads ?? [], []);
    }
  });
});
