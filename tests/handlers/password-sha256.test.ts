// A password share's whole-file SHA-256 is a fingerprint of its content: anyone holding a guess of the file could
// confirm it from the link alone. It is shown only once the password is given, like the name and the type.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bytesOf, useBackends } from "../support/harness";

describe("password shares keep their SHA-256 behind the password (real S3 and DynamoDB servers)", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("GET /files/{id} leaves out sha256 until POST /files/{id}/unlock, which answers it", async () => {
    const api = env.api();
    const bytes = bytesOf(4000);
    const sha256 = createHash("sha256").update(bytes).digest("base64");
    const { id } = await api.share(bytes, { sha256, password: "correct horse battery" });
    const locked = await api.request("GET", `/files/${id}`);
    assert.equal(locked.status, 200, locked.body);
    assert.equal(locked.json.passwordRequired, true);
    assert.equal(locked.json.fileName, undefined);
    assert.equal(locked.json.sha256, undefined, "no fingerprint of the content before the password");
    const unlocked = await api.request("POST", `/files/${id}/unlock`, { body: { password: "correct horse battery" } });
    assert.equal(unlocked.status, 200, unlocked.body);
    assert.equal(unlocked.json.sha256, sha256, "the downloader can still verify what it gets");
  });
});
