// Every answer about a stack limit names the setting that raises it, as a stack key and as npm start's variable,
// so that nobody has to look it up (expected names written out here, not derived from the code under test).
import assert from "node:assert/strict";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";

describe("local mode: limit errors name their setting", function () {
  this.timeout(60_000);
  let server: LocalServer;

  before(async () => {
    const settings = await loadSettings({ FILESHARE_ALLOWED_CONTENT_TYPES: "text/plain" });
    server = await startLocal({ port: 0, settings: { ...settings, cleanupIntervalSeconds: 900 } });
  });
  after(async () => server?.close());

  const create = async (fields: Record<string, unknown>) => {
    const res = await fetch(new URL("uploads", server.apiUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fileName: "a.txt", contentType: "text/plain", size: 5, ...fields }),
    });
    return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
  };

  it("413 for a file above maxFileSizeBytes", async () => {
    const { status, message } = await create({ size: 3 * 1024 ** 3 });
    assert.equal(status, 413);
    assert.match(
      message,
      /limit of 2147483648 bytes .*fileshare:maxFileSizeBytes, locally FILESHARE_MAX_FILE_SIZE_BYTES/,
    );
  });

  it("400 for a share longer than maxShareTtlSeconds, or more downloads than maxDownloadsLimit", async () => {
    const long = await create({ expiresInSeconds: 10 * 86400 });
    assert.equal(long.status, 400);
    assert.match(long.message, /fileshare:maxShareTtlSeconds, locally FILESHARE_MAX_SHARE_TTL_SECONDS/);
    const many = await create({ maxDownloads: 10_000_000 });
    assert.equal(many.status, 400);
    assert.match(many.message, /fileshare:maxDownloadsLimit, locally FILESHARE_MAX_DOWNLOADS_LIMIT/);
  });

  it("415 for a type outside allowedContentTypes", async () => {
    const { status, message } = await create({ contentType: "image/png" });
    assert.equal(status, 415);
    assert.match(message, /fileshare:allowedContentTypes, locally FILESHARE_ALLOWED_CONTENT_TYPES/);
  });
});
