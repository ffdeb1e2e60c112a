// The local S3 is not kinder than S3 on writes: conditional writes are atomic, checksums are verified, and a
// write that fails leaves nothing behind.
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { waitFor } from "../support/wait";
import {
  assertAbsent,
  BUCKET,
  errorCode,
  md5Hex,
  putBody as put,
  refusal,
  sha256,
  signPut as signPutFor,
  stagedFiles,
  startTestS3,
  stored as storedIn,
  TestS3,
} from "./s3";

describe("emulator: writes", () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startTestS3();
  });
  after(() => s3.close());

  const signPut = (key: string, size: number, checksum?: string) => signPutFor(s3, key, size, checksum);
  const stored = (key: string) => storedIn(s3, key);
  const absent = (key: string) => assertAbsent(s3, key);

  it("emulator: If-None-Match: * is atomic - of 20 concurrent PUTs of different bodies to one URL exactly one gets 200, the rest 412, and the stored bytes are the winner's (5 rounds)", async () => {
    for (let round = 0; round < 5; round++) {
      const key = `race/${round}`;
      const size = 256 * 1024;
      const url = await signPut(key, size);
      const bodies = Array.from({ length: 20 }, () => randomBytes(size));
      const answers = await Promise.all(bodies.map((body) => put(url, body)));
      const statuses = answers.map((a) => a.status);
      assert.deepEqual(
        statuses.filter((s) => s === 200).length,
        1,
        `round ${round}: ${statuses.join(",")} (every PUT that got 200 believes its file is the stored one)`,
      );
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        Array(19).fill(412),
      );
      const winner = bodies[statuses.indexOf(200)] as Buffer;
      assert.equal(answers[statuses.indexOf(200)]?.headers.get("etag"), `"${md5Hex(winner)}"`);
      assert.ok((await stored(key)).equals(winner), `round ${round}: the stored bytes are not the winner's`);
      assert.deepEqual(await stagedFiles(s3), []);
    }
  });

  it("emulator: x-amz-checksum-sha256 is verified on PUT - other bytes get 400 BadDigest and nothing is stored; the right bytes are stored and the checksum returned", async () => {
    const key = "checked/file";
    const body = randomBytes(64 * 1024);
    const url = await signPut(key, body.length, sha256(body));
    const other = randomBytes(body.length);
    const refused = await put(url, other, { "x-amz-checksum-sha256": sha256(body) });
    assert.equal(refused.status, 400);
    assert.equal(errorCode(await refused.text()), "BadDigest");
    await absent(key);
    assert.deepEqual(await stagedFiles(s3), []);

    const accepted = await put(url, body, { "x-amz-checksum-sha256": sha256(body) });
    assert.equal(accepted.status, 200, await accepted.text());
    assert.equal(accepted.headers.get("x-amz-checksum-sha256"), sha256(body));
    assert.ok((await stored(key)).equals(body));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: "ENABLED" }));
    assert.equal(head.ChecksumSHA256, sha256(body));
  });

  it("emulator: Content-MD5 is verified on PUT (400 BadDigest, nothing stored) and a malformed one is refused (400 InvalidDigest)", async () => {
    const key = "checked/md5";
    const body = randomBytes(1000);
    const md5 = (data: Buffer) => Buffer.from(md5Hex(data), "hex").toString("base64");
    const send = (contentMd5: string) =>
      refusal(s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentMD5: contentMd5 })));
    assert.deepEqual(await send(md5(randomBytes(10))), { name: "BadDigest", status: 400 });
    assert.deepEqual(await send("not-an-md5"), { name: "InvalidDigest", status: 400 });
    await absent(key);
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentMD5: md5(body) }));
    assert.ok((await stored(key)).equals(body));
  });

  it("emulator: a PUT whose connection is cut mid-body leaves nothing behind (no partial object, no staged file), and the same URL then succeeds", async () => {
    const key = "cut/file";
    const body = randomBytes(512 * 1024);
    const url = await signPut(key, body.length);
    const target = new URL(url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(target.port), target.hostname, () => {
        const head = [
          `PUT ${target.pathname}${target.search} HTTP/1.1`,
          `Host: ${target.host}`,
          "Content-Type: application/octet-stream",
          "If-None-Match: *",
          `Content-Length: ${body.length}`,
          "",
          "",
        ];
        socket.write(head.join("\r\n"));
        socket.write(body.subarray(0, body.length / 2), () => socket.destroy());
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await waitFor(async () => (await stagedFiles(s3)).length === 0, {
      what: "the cut upload's staged file to be removed",
    });
    await absent(key);
    const retry = await put(url, body);
    assert.equal(retry.status, 200, await retry.text());
    assert.ok((await stored(key)).equals(body));
  });
});
