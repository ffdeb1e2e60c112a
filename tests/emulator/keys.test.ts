// Keys are opaque to S3: "../x", "a/../../b", a leading "/", backslashes, "." and ".." are all keys like any
// other. The local S3 stores each as its own object, lists it under its own name, and never reads, writes or
// removes a path outside the bucket's folder (s3rver used to join keys into file paths as they came).
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { BUCKET, startTestS3, stored, TestS3 } from "./s3";

/** Every file and folder under `dir`, as paths relative to `root`. */
async function tree(dir: string, root = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    out.push(relative(root, path) + (e.isDirectory() ? "/" : ""));
    if (e.isDirectory()) out.push(...(await tree(path, root)));
  }
  return out.sort();
}

/** Keys that name paths outside the bucket when joined naively, or collide with s3rver's own files. */
const KEYS = [
  "../x",
  "a/../../b",
  "../../../../escaped",
  "../sentinel/inside-a-folder-outside",
  "/leading",
  "//double/leading",
  "back\\slash",
  "..\\..\\windows",
  "./dot",
  ".",
  "..",
  "x/..",
  "a/b",
  "a/./b",
  "a//b",
  "trailing/",
  "._S3rver_uploads/x",
  "._S3rver_tmp",
  "x._S3rver_object",
  "%2e%2e/percent",
  "ünïcode/ключ",
  `long/${"L".repeat(1000)}`,
];

describe("emulator: keys S3 accepts", () => {
  let outer: string;
  let s3: TestS3;
  before(async () => {
    // outer/ holds the server's root (outer/s3/) and, beside the bucket, empty folders a naive delete removes.
    outer = await mkdtemp(join(tmpdir(), "emulator-keys-"));
    await mkdir(join(outer, "s3", "sentinel"), { recursive: true });
    await mkdir(join(outer, "sentinel"), { recursive: true });
    s3 = await startTestS3(join(outer, "s3"));
  });
  after(async () => {
    await s3.close();
    await rm(outer, { recursive: true, force: true });
  });

  const outside = async () => (await tree(outer)).filter((p) => !p.startsWith(`s3/${BUCKET}/`));

  it("emulator: stores each of 22 tricky keys as its own object, reads and lists it back by its exact name, and writes nothing outside the bucket's folder", async () => {
    const before = await outside();
    for (const [i, key] of KEYS.entries()) {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `object ${i}` }));
    }
    assert.deepEqual(await outside(), before, "no file or folder outside the bucket's folder was created");
    for (const [i, key] of KEYS.entries()) {
      assert.equal((await stored(s3, key)).toString(), `object ${i}`, `the bytes of ${JSON.stringify(key)}`);
    }
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 7, ContinuationToken: token }),
      );
      listed.push(...(page.Contents ?? []).map((o) => o.Key as string));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    assert.deepEqual(listed, [...KEYS].sort(byteOrder), "listed once each, by exact name, in S3's (UTF-8 byte) order");
    const rolled = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: "/", Prefix: "a/" }));
    assert.deepEqual(
      (rolled.Contents ?? []).map((o) => o.Key),
      ["a/b"],
    );
    assert.deepEqual(
      (rolled.CommonPrefixes ?? []).map((p) => p.Prefix),
      ["a/../", "a/./", "a//"],
    );
  });

  it("emulator: deleting those keys (and keys never stored that point outside) removes each object and no folder outside the bucket's folder", async () => {
    const before = await outside();
    assert.ok(before.includes("sentinel/") && before.includes("s3/sentinel/"), "the empty sentinel folders exist");
    for (const key of [...KEYS, "../sentinel/x", "../../sentinel/x", "a/../../../sentinel/y"]) {
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).catch((e: Error) => e);
      assert.ok(head instanceof Error && head.name === "NotFound", `${JSON.stringify(key)} is gone`);
    }
    assert.deepEqual(await outside(), before, "every folder outside the bucket's folder is still there");
    assert.deepEqual((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [], []);
  });

  it("emulator: a bucket named '..' or '.' is no bucket: nothing is written outside the server's folder", async () => {
    const before = await tree(outer);
    for (const bucket of ["..", "."]) {
      const url = await s3.presign(new PutObjectCommand({ Bucket: bucket, Key: "x", ContentLength: 1 }));
      const res = await fetch(url.replace(`/${bucket}/`, `/${encodeURIComponent(bucket).replace(/\./g, "%2E")}/`), {
        method: "PUT",
        body: "x",
      });
      assert.notEqual(res.status, 200, `bucket ${bucket}: ${await res.text()}`);
    }
    assert.deepEqual(await tree(outer), before);
  });
});
