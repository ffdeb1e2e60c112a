import assert from "node:assert/strict";
import { getRecord } from "../../handlers/store/records";
import { createS3Client } from "../../handlers/clients";
import { bytesOf, useBackends } from "../support/harness";
import { keyNameFor } from "../../handlers/ids";

// GET /files/{id} and POST /files/{id}/download, against a signature-checking S3 server and dynalite over HTTP.
describe("Downloads with a real S3 and DynamoDB server", () => {
  const env = useBackends();
  before(env.start);
  after(env.stop);

  it("returns the same bytes under the original non-ASCII name, with an ASCII fallback and the stored type", async () => {
    const api = env.api();
    const bytes = bytesOf(5000);
    const fileName = 'Résumé "final" 日本.pdf';
    const { id } = await api.share(bytes, { fileName });
    const reply = await api.request("POST", `/files/${id}/download`);
    assert.equal(reply.status, 200);
    // v1's fields at the top; v1.2 adds the same download as the share's one entry of `downloads`.
    const { downloads, ...v1 } = reply.json;
    assert.deepEqual(
      { ...v1, downloadUrl: undefined },
      {
        downloadUrl: undefined,
        expiresIn: 60,
        fileName,
        contentType: "application/pdf",
        size: 5000,
        downloadsRemaining: null,
      },
    );
    assert.deepEqual(downloads, [
      { file: 1, fileName, contentType: "application/pdf", size: 5000, downloadUrl: v1.downloadUrl, expiresIn: 60 },
    ]);
    const got = await fetch(reply.json.downloadUrl);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    assert.equal(got.headers.get("content-type"), "application/pdf");
    assert.equal(
      got.headers.get("content-disposition"),
      `attachment; filename="R_sum_ _final_ __.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20%E6%97%A5%E6%9C%AC.pdf`,
    );
    assert.equal(new URL(reply.json.downloadUrl).searchParams.get("X-Amz-Expires"), "60");
  });

  it("refuses a download URL once it has expired (403 from S3)", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const realNow = api.deps.now;
    api.deps.now = () => new Date(Date.now() - 61_000); // signed 61 s ago with a 60 s lifetime
    let url: string;
    try {
      url = (await api.request("POST", `/files/${id}/download`)).json.downloadUrl;
    } finally {
      api.deps.now = realNow;
    }
    const got = await fetch(url);
    assert.equal(got.status, 403);
  });

  it("refuses a tampered download URL (403 from S3)", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    const url = (await api.request("POST", `/files/${id}/download`)).json.downloadUrl as string;
    const tampered = url.replace(/response-content-disposition=[^&]*/, "response-content-disposition=inline");
    assert.notEqual(tampered, url);
    assert.equal((await fetch(tampered)).status, 403);
  });

  it("hands out exactly maxDownloads URLs under 20 concurrent requests", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11), { maxDownloads: 5 });
    const replies = await Promise.all(Array.from({ length: 20 }, () => api.request("POST", `/files/${id}/download`)));
    const granted = replies.filter((r) => r.status === 200);
    assert.equal(granted.length, 5);
    assert.ok(replies.filter((r) => r.status !== 200).every((r) => r.status === 410 && r.json.error.code === "Gone"));
    assert.deepEqual(granted.map((r) => r.json.downloadsRemaining).sort(), [0, 1, 2, 3, 4]);
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.downloads, 5);
  });

  it("GET /files/{id} shows the metadata and consumes nothing, however often it is called", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11), { fileName: "a.txt", contentType: "text/plain", maxDownloads: 2 });
    for (let i = 0; i < 5; i++) {
      const reply = await api.request("GET", `/files/${id}`);
      assert.equal(reply.status, 200);
      // v1's fields, plus v1.2's view of the share's files (docs/api.md: later versions only add fields).
      assert.deepEqual(Object.keys(reply.json).sort(), [
        "contentType",
        "createdAt",
        "downloads",
        "downloadsRemaining",
        "expiresAt",
        "fileCount",
        "fileName",
        "files",
        "id",
        "maxDownloads",
        "passwordRequired",
        "size",
        "status",
        "totalSize",
      ]);
      assert.equal(reply.json.passwordRequired, false);
      assert.equal(reply.json.status, "available");
      assert.equal(reply.json.downloads, 0);
      assert.equal(reply.json.downloadsRemaining, 2);
    }
  });

  it("reports a pending upload as pending and answers 409 NotReady to a download", async () => {
    const api = env.api();
    const created = await api.createUpload();
    const meta = await api.request("GET", `/files/${created.json.id}`);
    assert.equal(meta.json.status, "pending");
    assert.equal(meta.json.maxDownloads, null);
    assert.equal(meta.json.downloadsRemaining, null);
    const reply = await api.request("POST", `/files/${created.json.id}/download`);
    assert.equal(reply.status, 409);
    assert.equal(reply.json.error.code, "NotReady");
    assert.equal((await getRecord(api.deps, keyNameFor(created.json.id)))?.downloads, 0);
  });

  it("answers 410 Gone once the downloads are used up, on both routes", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11), { maxDownloads: 1 });
    assert.equal((await api.request("POST", `/files/${id}/download`)).status, 200);
    for (const [method, path] of [
      ["POST", `/files/${id}/download`],
      ["GET", `/files/${id}`],
    ] as const) {
      const reply = await api.request(method, path);
      assert.equal(reply.status, 410);
      assert.equal(reply.json.error.code, "Gone");
      assert.match(reply.json.error.message, /no downloads left/);
    }
  });

  it("answers 410 Gone after the share expired, even before DynamoDB's TTL removed the item", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11), { expiresInSeconds: 60 });
    const realNow = api.deps.now;
    api.deps.now = () => new Date(Date.now() + 60_000);
    try {
      for (const [method, path] of [
        ["POST", `/files/${id}/download`],
        ["GET", `/files/${id}`],
      ] as const) {
        const reply = await api.request(method, path);
        assert.equal(reply.status, 410);
        assert.match(reply.json.error.message, /expired at/);
      }
    } finally {
      api.deps.now = realNow;
    }
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.downloads, 0);
  });

  it("answers 404 NotFound for unknown and malformed ids", async () => {
    const api = env.api();
    for (const id of ["AAAAAAAAAAAAAAAAAAAAAA", "short", "..%2F..%2Fetc"]) {
      for (const [method, path] of [
        ["GET", `/files/${id}`],
        ["POST", `/files/${id}/download`],
        ["DELETE", `/files/${id}`],
      ] as const) {
        const reply = await api.request(method, path, { headers: { "x-delete-token": "x" } });
        assert.equal(reply.status, 404, `${method} ${path}`);
        assert.equal(reply.json.error.code, "NotFound");
      }
    }
  });

  it("gives unlimited shares no limit", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11));
    for (let i = 0; i < 3; i++)
      assert.equal((await api.request("POST", `/files/${id}/download`)).json.downloadsRemaining, null);
    assert.equal((await api.request("GET", `/files/${id}`)).json.downloads, 3);
  });

  it("gives the download back when no URL could be signed for it", async () => {
    const api = env.api();
    const { id } = await api.share(bytesOf(11), { maxDownloads: 1 });
    const noCredentials = api.with({
      s3: createS3Client({
        region: "us-east-1",
        credentials: async () => {
          throw new Error("no credentials");
        },
      }),
    });
    const failed = await noCredentials.request("POST", `/files/${id}/download`);
    assert.equal(failed.status, 500);
    assert.equal((await getRecord(api.deps, keyNameFor(id)))?.downloads, 0, "not used up");
    assert.equal((await api.request("POST", `/files/${id}/download`)).status, 200);
  });
});
