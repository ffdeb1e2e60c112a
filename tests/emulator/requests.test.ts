// The local S3 refuses what S3 refuses before any write: x-amz-* headers that were not signed, and CORS
// preflights from origins the bucket does not allow; an allowed origin gets its own name back, not "*".
import { GetObjectCommand, PutObjectCommand, PutObjectCommandInput, PutObjectCommandOutput } from "@aws-sdk/client-s3";
// Types only (erased at run time): the SDK's middleware types live in its @smithy/types dependency.
import type { FinalizeHandler, FinalizeHandlerArguments } from "@smithy/types";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { assertAbsent, BUCKET, errorCode, ORIGIN, putBody, signPut, startTestS3, stored, TestS3 } from "./s3";

describe("emulator: request checks", () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startTestS3();
  });
  after(() => s3.close());

  it("emulator: a pre-signed PUT carrying an x-amz-* header it did not sign gets 403 AccessDenied (headers not signed) and stores nothing", async () => {
    const body = randomBytes(100);
    for (const [name, value] of [
      ["x-amz-meta-owner", "mallory"],
      ["x-amz-acl", "public-read"],
      ["x-amz-website-redirect-location", "https://evil.example/"],
      ["x-amz-storage-class", "STANDARD"],
    ] as const) {
      const key = `unsigned/${name}`;
      const res = await putBody(await signPut(s3, key, body.length), body, { [name]: value });
      const text = await res.text();
      assert.equal(res.status, 403, `${name}: ${text}`);
      assert.equal(errorCode(text), "AccessDenied");
      assert.match(text, /There were headers present in the request which were not signed/);
      assert.match(text, new RegExp(`<HeadersNotSigned>${name}</HeadersNotSigned>`));
      await assertAbsent(s3, key);
    }
  });

  it("emulator: a pre-signed PUT accepts unsigned standard headers (Content-Encoding, Cache-Control, Content-Disposition) and stores them, as S3 does", async () => {
    const key = "unsigned/standard";
    const body = randomBytes(100);
    const res = await putBody(await signPut(s3, key, body.length), body, {
      "Content-Encoding": "gzip",
      "Cache-Control": "no-store",
      "Content-Disposition": "inline",
    });
    assert.equal(res.status, 200, await res.text());
    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual([got.ContentEncoding, got.CacheControl, got.ContentDisposition], ["gzip", "no-store", "inline"]);
    assert.ok((await stored(s3, key)).equals(body));
  });

  it("emulator: a header-signed request with an x-amz-* header added after signing gets 403 AccessDenied", async () => {
    const key = "unsigned/header-signed";
    const command = new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "x" });
    command.middlewareStack.addRelativeTo(
      (next: FinalizeHandler<PutObjectCommandInput, PutObjectCommandOutput>) =>
        async (args: FinalizeHandlerArguments<PutObjectCommandInput>) => {
          (args.request as { headers: Record<string, string> }).headers["x-amz-meta-added"] = "after signing";
          return next(args);
        },
      { relation: "after", toMiddleware: "httpSigningMiddleware", name: "addUnsignedHeader" },
    );
    const refused = await s3.client.send(command).then(
      () => undefined,
      (e: { name: string; $metadata?: { httpStatusCode?: number } }) => [e.name, e.$metadata?.httpStatusCode],
    );
    assert.deepEqual(refused, ["AccessDenied", 403]);
    await assertAbsent(s3, key);
    // The SDK's own requests sign every x-amz-* header they send.
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "x", Metadata: { owner: "alice" } }));
  });

  it("emulator: a CORS preflight from an allowed origin is answered with that origin (not *), and one from another origin is refused", async () => {
    const url = await signPut(s3, "cors/file", 10);
    const preflight = (origin: string) =>
      fetch(url, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "content-type,if-none-match",
        },
      });
    const allowed = await preflight(ORIGIN);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get("access-control-allow-origin"), ORIGIN);
    assert.match(allowed.headers.get("vary") ?? "", /Origin/);
    assert.equal(allowed.headers.get("access-control-allow-headers"), "content-type, if-none-match");
    const foreign = await preflight("https://evil.example");
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  });
});
