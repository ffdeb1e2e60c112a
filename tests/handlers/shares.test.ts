// Shares of several files (docs/api.md v1.2) through the handlers, with every upload and download sent for real
// to the signature-checking local S3 over its pre-signed URLs, and the records in dynalite.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { runCleanup } from "../../handlers/cleanup";
import { fileKeyOf, keyNameFor } from "../../handlers/ids";
import { createLogger } from "../../handlers/log";
import { Api, bytesOf, Reply, testConfig, useBackends } from "../support/harness";

const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

/** Files above 5 MiB go up in 5 MiB parts; a share may hold 100 files of up to 16 MiB, 40 MiB in all. */
const config = testConfig({
  maxFileSizeBytes: 16 * MIB,
  multipartThresholdBytes: 5 * MIB,
  multipartPartSizeBytes: 5 * MIB,
  maxFilesPerShare: 100,
  maxShareSizeBytes: 40 * MIB,
});

/** PUTs `bytes` to a file's pre-signed URL, with exactly the headers POST /shares gave (plus `extra`). */
async function put(entry: { uploadUrl: string; headers: Record<string, string> }, bytes: Buffer, extra = {}) {
  const res = await fetch(entry.uploadUrl, {
    method: "PUT",
    headers: { ...entry.headers, ...extra },
    body: new Uint8Array(bytes),
  });
  assert.equal(res.status, 200, `PUT answered ${res.status}: ${await res.text()}`);
}

/** GETs a download URL and returns the bytes. */
async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

describe("shares of several files through the API, with the real local S3 and DynamoDB", function () {
  this.timeout(180_000);
  const env = useBackends(config);
  before(env.start);
  after(env.stop);

  const owner = (created: Reply) => ({ "x-delete-token": created.json.deleteToken as string });

  /** Everything of a share left in the bucket (every object under uploads/<key name>, and every open multipart
   *  upload: the local S3 has no versions) and in the table (its items and its files'). */
  async function leftovers(api: Api, id: string): Promise<{ objects: string[]; items: string[] }> {
    const keyName = keyNameFor(id);
    const prefix = fileKeyOf(keyName);
    const bucket = api.deps.config.bucketName;
    const listed = await api.deps.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const uploads = await api.deps.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    const objects = [...(listed.Contents ?? []), ...(uploads.Uploads ?? [])].map((o) => String(o.Key));
    const scan = await api.deps.db.send(new ScanCommand({ TableName: api.deps.config.tableName }));
    const items = (scan.Items ?? []).map((i) => String(i["id"])).filter((k) => k.startsWith(keyName));
    return { objects, items };
  }

  /** Creates a share of `files` (bytes and names), PUTs every file, and waits for S3's events. */
  async function shareOf(api: Api, files: { name: string; bytes: Buffer }[], fields: Record<string, unknown> = {}) {
    const created = await api.request("POST", "/shares", {
      body: {
        files: files.map((f) => ({ fileName: f.name, contentType: "text/plain", size: f.bytes.length })),
        ...fields,
      },
    });
    assert.equal(created.status, 201, created.body);
    // Eight at a time, as a client would.
    for (let i = 0; i < files.length; i += 8) {
      await Promise.all(files.slice(i, i + 8).map((f, j) => put(created.json.files[i + j], f.bytes)));
    }
    await api.backends.idle();
    return created;
  }

  it("creates a share of 3 files (one in parts), available once all arrive; a download of all and of one counts once each", async () => {
    const api = env.api();
    const a = bytesOf(11);
    const b = randomBytes(5000);
    const c = randomBytes(7 * MIB + 3);
    const created = await api.request("POST", "/shares", {
      body: {
        title: "  Holiday  ",
        maxDownloads: 3,
        files: [
          { fileName: "notes.txt", contentType: "text/plain", size: a.length },
          { fileName: "photos/2026/beach.jpg", contentType: "image/jpeg", size: b.length, sha256: sha256(b) },
          { fileName: "video/clip.mp4", contentType: "video/mp4", size: c.length, checksumAlgorithm: "SHA256" },
        ],
      },
    });
    assert.equal(created.status, 201, created.body);
    const { id, files } = created.json;
    assert.equal(created.json.shareUrl, `https://api.test/files/${id}`);
    assert.deepEqual(
      files.map((f: { file: number; method: string }) => [f.file, f.method]),
      [
        [1, "PUT"],
        [2, "PUT"],
        [3, "MULTIPART"],
      ],
    );
    assert.deepEqual(files[2].multipart, { partSize: 5 * MIB, partCount: 2 });
    for (const f of files.slice(0, 2)) {
      // Each object is numbered under the share's key: neither the id nor a name is in it.
      const key = decodeURIComponent(new URL(f.uploadUrl).pathname);
      assert.ok(key.endsWith(`/uploads/${keyNameFor(id)}/${f.file}`), key);
      assert.ok(!key.includes(id));
    }

    await put(files[0], a);
    await put(files[1], b);
    await api.backends.idle();
    const halfway = await api.request("GET", `/files/${id}`);
    assert.equal(halfway.json.status, "pending", "not available before every file is");
    assert.deepEqual(
      halfway.json.files.map((f: { status: string }) => f.status),
      ["available", "available", "pending"],
    );
    assert.equal((await api.request("POST", `/files/${id}/download`)).status, 409, "a pending share is not ready");

    // File 3 in two parts, each with its SHA-256 signed into its URL.
    const parts = [c.subarray(0, 5 * MIB), c.subarray(5 * MIB)];
    const signed = await api.request("POST", `/uploads/${id}/parts`, {
      headers: owner(created),
      body: { file: 3, parts: parts.map((p, i) => ({ partNumber: i + 1, sha256: sha256(p) })) },
    });
    assert.equal(signed.status, 200, signed.body);
    const etags: string[] = [];
    for (const [i, p] of parts.entries()) {
      const res = await fetch(signed.json.parts[i].url, {
        method: "PUT",
        headers: signed.json.parts[i].headers,
        body: new Uint8Array(p),
      });
      assert.equal(res.status, 200);
      etags.push(String(res.headers.get("etag")));
    }
    const listed = await api.request("GET", `/uploads/${id}/parts?file=3`, { headers: owner(created) });
    assert.deepEqual(
      listed.json.parts.map((p: { partNumber: number }) => p.partNumber),
      [1, 2],
    );
    const completed = await api.request("POST", `/uploads/${id}/complete`, {
      headers: owner(created),
      body: { file: 3, parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) },
    });
    assert.equal(completed.status, 200, completed.body);
    assert.equal(completed.json.id, id);
    await api.backends.idle();

    const view = await api.request("GET", `/files/${id}`);
    assert.equal(view.status, 200);
    assert.equal(view.json.status, "available");
    assert.equal(view.json.title, "Holiday");
    assert.equal(view.json.fileCount, 3);
    assert.equal(view.json.totalSize, a.length + b.length + c.length);
    assert.equal(view.json.fileName, undefined, "v1's top-level name is for one-file shares only");
    assert.deepEqual(view.json.files, [
      { file: 1, fileName: "notes.txt", contentType: "text/plain", size: a.length, status: "available" },
      {
        file: 2,
        fileName: "photos/2026/beach.jpg",
        contentType: "image/jpeg",
        size: b.length,
        sha256: sha256(b),
        status: "available",
      },
      { file: 3, fileName: "video/clip.mp4", contentType: "video/mp4", size: c.length, status: "available" },
    ]);

    const all = await api.request("POST", `/files/${id}/download`);
    assert.equal(all.status, 200, all.body);
    assert.equal(all.json.downloadsRemaining, 2);
    assert.deepEqual(
      all.json.downloads.map((d: { file: number; fileName: string }) => [d.file, d.fileName]),
      [
        [1, "notes.txt"],
        [2, "photos/2026/beach.jpg"],
        [3, "video/clip.mp4"],
      ],
    );
    assert.equal(all.json.downloadUrl, undefined, "v1's top-level URL is for one-file shares only");
    const got = await Promise.all(all.json.downloads.map((d: { downloadUrl: string }) => fetchBytes(d.downloadUrl)));
    assert.deepEqual(got, [a, b, c]);

    const one = await api.request("POST", `/files/${id}/download`, { body: { files: [2] } });
    assert.equal(one.status, 200, one.body);
    assert.equal(one.json.downloadsRemaining, 1);
    assert.deepEqual(
      one.json.downloads.map((d: { file: number }) => d.file),
      [2],
    );
    assert.deepEqual(await fetchBytes(one.json.downloads[0].downloadUrl), b);
    assert.equal((await api.request("GET", `/files/${id}`)).json.downloads, 2, "one count per call");

    for (const files of [[4], [0], [2, 2], "2", []]) {
      const bad = await api.request("POST", `/files/${id}/download`, { body: { files } });
      assert.equal(bad.status, 400, `files: ${JSON.stringify(files)}`);
      assert.match(bad.json.error.message, /files/);
    }
    assert.equal((await api.request("GET", `/files/${id}`)).json.downloads, 2, "a refused call counts nothing");
  });

  it("refuses too many files, a file or a share too large, a bad or repeated name, naming the file and the setting; nothing is stored", async () => {
    const api = env.api();
    const before = await api.deps.db.send(new ScanCommand({ TableName: api.deps.config.tableName }));
    const file = (fileName: string, size = 10) => ({ fileName, contentType: "text/plain", size });
    const cases: [unknown, number, RegExp][] = [
      [[], 400, /files must be a list of 1 or more/],
      [Array.from({ length: 101 }, (_, i) => file(`f${i}`)), 400, /at most 100 .*fileshare:maxFilesPerShare/],
      [[file("a"), file("b", 16 * MIB + 1)], 413, /^files\[1\]\.size .*fileshare:maxFileSizeBytes/],
      [[file("a", 15 * MIB), file("b", 15 * MIB), file("c", 15 * MIB)], 413, /fileshare:maxShareSizeBytes/],
      [[file("a"), file("../etc/passwd")], 400, /^files\[1\]\.fileName .*\.\./],
      [[file("a"), file("/abs")], 400, /^files\[1\]\.fileName .*relative/],
      [[file("a\\b")], 400, /^files\[0\]\.fileName .*\\/],
      [[file("a//b")], 400, /^files\[0\]\.fileName .*empty/],
      [[file("Photo.JPG"), file("x"), file("photo.jpg")], 400, /^files\[2\]\.fileName .*files\[0\]/],
      [[file("docs"), file("docs/a.txt")], 400, /a file and a folder/],
      [[file("a"), { fileName: "b", size: 1 }], 400, /^files\[1\]\.contentType is required/],
      [[file("a"), "b"], 400, /^files\[1\] must be an object/],
    ];
    for (const [files, status, message] of cases) {
      const reply = await api.request("POST", "/shares", { body: { files } });
      assert.equal(reply.status, status, `${JSON.stringify(files).slice(0, 80)}: ${reply.body}`);
      assert.match(reply.json.error.message, message);
    }
    const after = await api.deps.db.send(new ScanCommand({ TableName: api.deps.config.tableName }));
    assert.equal(after.Count, before.Count, "no record was written");
  });

  it("shows a file that does not match as rejected with its reason; sent again, the share becomes available", async () => {
    const api = env.api();
    const [a, b] = [bytesOf(11), bytesOf(12, 3)];
    const created = await api.request("POST", "/shares", {
      body: {
        files: [
          { fileName: "a.txt", contentType: "text/plain", size: a.length },
          { fileName: "b.txt", contentType: "text/plain", size: b.length },
        ],
      },
    });
    const { id, files } = created.json;
    await put(files[0], a);
    // S3 accepts an unsigned Content-Encoding and would serve it back: the event handler refuses the object.
    await put(files[1], b, { "Content-Encoding": "gzip" });
    await api.backends.idle();
    const view = await api.request("GET", `/files/${id}`);
    assert.equal(view.json.status, "pending");
    assert.equal(view.json.files[0].status, "available");
    assert.equal(view.json.files[1].status, "rejected");
    assert.match(view.json.files[1].reason, /content-encoding/i);
    assert.equal((await leftovers(api, id)).objects.length, 1, "the refused object is deleted");

    const renewed = await api.request("POST", `/uploads/${id}/url`, { headers: owner(created), body: { file: 2 } });
    assert.equal(renewed.status, 200, renewed.body);
    await put(renewed.json, b);
    await api.backends.idle();
    const done = await api.request("GET", `/files/${id}`);
    assert.equal(done.json.status, "available");
    assert.equal(done.json.files[1].status, "available");
    assert.equal(done.json.files[1].reason, undefined);
    const again = await api.request("POST", `/uploads/${id}/url`, { headers: owner(created), body: { file: 2 } });
    assert.equal(again.status, 409, "nothing left to send");
    const missing = await api.request("POST", `/uploads/${id}/url`, { headers: owner(created), body: { file: 3 } });
    assert.equal(missing.status, 404);
  });

  it("leaves nothing in the bucket or the table after DELETE of a 100-file share", async () => {
    const api = env.api();
    const files = Array.from({ length: 100 }, (_, i) => ({ name: `folder/${i}.txt`, bytes: bytesOf(20 + i, i) }));
    const created = await shareOf(api, files);
    const id: string = created.json.id;
    assert.equal((await api.request("GET", `/files/${id}`)).json.status, "available");
    const before = await leftovers(api, id);
    assert.equal(before.objects.length, 100);
    assert.equal(before.items.length, 101, "the share item and one item per file");

    const deleted = await api.request("DELETE", `/files/${id}`, { headers: owner(created) });
    assert.equal(deleted.status, 204, deleted.body);
    assert.deepEqual(await leftovers(api, id), { objects: [], items: [] });
    assert.equal((await api.request("GET", `/files/${id}`)).status, 404);
  });

  it("leaves nothing in the bucket or the table once a 100-file share expired and the clean-up ran", async () => {
    const api = env.api();
    const files = Array.from({ length: 100 }, (_, i) => ({ name: `f${i}`, bytes: bytesOf(7 + i, i) }));
    const created = await shareOf(api, files, { expiresInSeconds: 120 });
    const id: string = created.json.id;
    assert.equal((await leftovers(api, id)).objects.length, 100);
    const report = await runCleanup(
      { ...api.deps, now: () => new Date(Date.now() + 121_000) },
      { limit: 100, log: createLogger({ test: "shares" }) },
    );
    assert.deepEqual(
      report.removed.filter((r) => r.file === api.deps.fingerprint(keyNameFor(id))).map((r) => r.reason),
      ["expired"],
    );
    assert.deepEqual(await leftovers(api, id), { objects: [], items: [] });
  });

  it("serves exactly 10 of 200 concurrent downloads of a 3-file share limited to 10, each with every file", async () => {
    const api = env.api();
    const files = [0, 1, 2].map((i) => ({ name: `f${i}.txt`, bytes: bytesOf(30 + i, i) }));
    const created = await shareOf(api, files, { maxDownloads: 10 });
    const id: string = created.json.id;
    const replies = await Promise.all(Array.from({ length: 200 }, () => api.request("POST", `/files/${id}/download`)));
    const granted = replies.filter((r) => r.status === 200);
    assert.equal(granted.length, 10);
    assert.ok(
      replies.every((r) => r.status === 200 || r.status === 410),
      `only 200 and 410: ${[...new Set(replies.map((r) => r.status))]}`,
    );
    for (const r of granted) assert.equal(r.json.downloads.length, 3);
    assert.deepEqual(
      granted.map((r) => r.json.downloadsRemaining).sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal((await api.request("GET", `/files/${id}`)).status, 410);
  });

  it("answers a one-file share with the v1 fields at the top and the v1.2 ones beside them", async () => {
    const api = env.api();
    const bytes = bytesOf(11);
    const { id } = await api.share(bytes, { fileName: "report.pdf" });
    const view = await api.request("GET", `/files/${id}`);
    assert.equal(view.json.fileName, "report.pdf");
    assert.equal(view.json.size, 11);
    assert.equal(view.json.fileCount, 1);
    assert.equal(view.json.totalSize, 11);
    assert.deepEqual(view.json.files, [
      { file: 1, fileName: "report.pdf", contentType: "application/pdf", size: 11, status: "available" },
    ]);
    const got = await api.request("POST", `/files/${id}/download`);
    assert.equal(got.json.fileName, "report.pdf");
    assert.deepEqual(await fetchBytes(got.json.downloadUrl), bytes);
    assert.deepEqual(
      got.json.downloads.map((d: { file: number }) => d.file),
      [1],
    );
  });
});
