// A multipart share's part URLs never outlive the share, and once it expired the owner can neither get part URLs,
// list parts nor complete (410), with the handlers' clock moved forward.
import assert from "node:assert/strict";
import { Api, testConfig, useBackends } from "../support/harness";

const MIB = 1024 * 1024;

describe("multipart uploads near and after their share's expiry (real local S3 and DynamoDB, injected clock)", () => {
  const env = useBackends(
    testConfig({ maxFileSizeBytes: 16 * MIB, multipartThresholdBytes: 5 * MIB, multipartPartSizeBytes: 5 * MIB }),
  );
  before(env.start);
  after(env.stop);

  const at = (api: Api, seconds: number) => api.with({ now: () => new Date(Date.now() + seconds * 1000) });

  it("signs part URLs for at most the share's remaining life, and answers 410 Gone to every owner route after it", async () => {
    const api = env.api();
    const created = await api.createUpload({ size: 6 * MIB, expiresInSeconds: 120 });
    assert.equal(created.status, 201, created.body);
    const { id, deleteToken } = created.json;
    const headers = { "x-delete-token": deleteToken };
    const parts = { parts: [{ partNumber: 1 }] };

    const late = await at(api, 110).request("POST", `/uploads/${id}/parts`, { body: parts, headers });
    assert.equal(late.status, 200, late.body);
    assert.ok(late.json.expiresIn <= 10 && late.json.expiresIn > 0, `expiresIn ${late.json.expiresIn}`);
    const signedFor = Number(new URL(late.json.parts[0].url).searchParams.get("X-Amz-Expires"));
    assert.equal(signedFor, late.json.expiresIn, "the URL itself is signed for that short life");

    for (const [method, path, body] of [
      ["POST", "parts", parts],
      ["GET", "parts", undefined],
      ["POST", "complete", { parts: [{ partNumber: 1, etag: "x" }] }],
    ] as const) {
      const after = await at(api, 121).request(method, `/uploads/${id}/${path}`, { body, headers });
      assert.equal(after.status, 410, `${method} ${path}: ${after.body}`);
      assert.equal(after.json.error.code, "Gone");
    }
  });
});
