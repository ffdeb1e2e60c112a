// End-to-end encrypted shares in the local mode (real S3 and DynamoDB servers, the local gateway over HTTP): the
// bytes are RFC 8188 ciphertext made with the CLI's own crypto (cli/crypto), the metadata is encrypted the same
// way, and afterwards no plaintext name, type or size is found in the table, the logs (request, access and audit
// lines alike) or the S3 object's metadata.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { encryptedSize, encryptPart, fileKeys, newSalt, plainRangeOf } from "../../cli/crypto/ece";
import { decryptMetadata, encryptMetadata } from "../../cli/crypto/metadata";
import { newShareKey } from "../../cli/crypto/shareKey";
import { fileKeyFor } from "../../handlers/ids";
import { loadSettings } from "../../local/settings";
import { LocalServer, startLocal } from "../../local/server";
import { call } from "../auth/support";
import { captureStdout } from "../support/stdout";
import { decryptWhole } from "../support/decrypt";

const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

/** The plaintext's name, type and size: none of them may reach the server in clear. */
const SECRET = { fileName: "secret-plan-4711.pdf", contentType: "application/pdf" };
/** The plaintext's size as a number the server might write; its ciphertext's size differs. */
const PLAIN_SIZE = 123457;

/** The whole encrypted file of `plain`, made part by part as the CLI does. */
function encryptWhole(key: Buffer, plain: Buffer): Buffer {
  const keys = fileKeys(key, newSalt());
  return encryptPart(keys, plain.length, plain, 0, encryptedSize(plain.length));
}

describe("End-to-end encrypted shares in the local mode (real servers, ciphertext from cli/crypto)", function () {
  this.timeout(180_000);
  let server: LocalServer;

  before(async () => {
    const settings = await loadSettings({
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(6 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    });
    server = await startLocal({ port: 0, settings });
  });
  after(async () => server?.close());

  it("stores and serves only ciphertext: create, PUT, confirm, view, unlock, download, delete, with no plaintext name, type or size in the table, the logs or the S3 metadata", async () => {
    const deps = server.backends.deps;
    const key = newShareKey();
    const plain = randomBytes(PLAIN_SIZE);
    const cipher = encryptWhole(key, plain);
    const encryptedMetadata = encryptMetadata(key, { ...SECRET, size: plain.length });
    const password = "correct horse battery";

    const { result, text } = await captureStdout(
      async () => {
        const created = await call(server, "POST", "/uploads", {
          body: {
            encryption: "aes128gcm",
            encryptedMetadata,
            size: cipher.length,
            sha256: sha256(cipher),
            password,
            maxDownloads: 2,
          },
        });
        assert.equal(created.status, 201, JSON.stringify(created.json));
        const { id, deleteToken, uploadUrl, headers } = created.json;
        assert.equal(headers["Content-Type"], "application/octet-stream", "the object's type says nothing");
        const put = await fetch(uploadUrl, { method: "PUT", headers, body: new Uint8Array(cipher) });
        assert.equal(put.status, 200, await put.text());
        await server.backends.idle();

        const locked = await call(server, "GET", `/files/${id}`);
        assert.equal(locked.status, 200);
        assert.equal(locked.json.status, "available", "S3's object matched what was declared (size, type, SHA-256)");
        assert.equal(locked.json.encryption, "aes128gcm", "a link without its key can say so before the password");
        assert.equal(locked.json.encryptedMetadata, undefined, "the metadata waits for the password");
        assert.equal(locked.json.fileName, undefined);

        const unlocked = await call(server, "POST", `/files/${id}/unlock`, { body: { password } });
        assert.equal(unlocked.status, 200, JSON.stringify(unlocked.json));
        assert.equal(unlocked.json.encryptedMetadata, encryptedMetadata, "stored and answered as given");
        assert.equal(unlocked.json.size, cipher.length, "the size is the ciphertext's");
        assert.equal(unlocked.json.fileName, undefined);
        assert.equal(unlocked.json.contentType, undefined);
        assert.deepEqual(decryptMetadata(key, unlocked.json.encryptedMetadata), { ...SECRET, size: PLAIN_SIZE });

        const download = await call(server, "POST", `/files/${id}/download`, { body: { password } });
        assert.equal(download.status, 200, JSON.stringify(download.json));
        assert.equal(download.json.encryption, "aes128gcm");
        assert.equal(download.json.encryptedMetadata, encryptedMetadata);
        assert.equal(download.json.fileName, undefined);
        assert.equal(download.json.downloadsRemaining, 1);
        const got = await fetch(download.json.downloadUrl);
        assert.equal(got.status, 200);
        assert.equal(got.headers.get("content-type"), "application/octet-stream");
        assert.equal(got.headers.get("content-disposition"), "attachment", "no name: the server has none");
        const body = Buffer.from(await got.arrayBuffer());
        assert.ok(body.equals(cipher), "the bucket holds the ciphertext as sent");
        assert.ok((await decryptWhole(key, body)).equals(plain), "it decrypts to the plaintext with the link's key");

        const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.config.bucketName, Key: fileKeyFor(id) }));
        const items = (await deps.db.send(new ScanCommand({ TableName: deps.config.tableName }))).Items ?? [];
        assert.ok(items.length > 0, "the scan sees the share's record");

        const del = await call(server, "DELETE", `/files/${id}`, { headers: { "x-delete-token": deleteToken } });
        assert.equal(del.status, 204);
        return { head, items };
      },
      { stderr: true },
    );

    const stored = JSON.stringify({ metadata: result.head.Metadata, type: result.head.ContentType });
    assert.equal(result.head.ContentType, "application/octet-stream");
    assert.equal(result.head.ContentDisposition, undefined, "no name stored with the object");
    const places = { "the table": JSON.stringify(result.items), "the S3 object's metadata": stored, "the logs": text };
    // The logs must have seen the flow, or finding nothing in them proves nothing.
    for (const line of ["share.created", "share.confirmed", "share.downloaded", "share.deleted"]) {
      assert.ok(text.includes(line), `the captured logs hold the audit event ${line}`);
    }
    assert.match(text, /"(path|route)":"[^"]*\/uploads/, "the captured logs hold the request lines");
    for (const [where, content] of Object.entries(places)) {
      for (const secret of ["secret-plan-4711", SECRET.contentType]) {
        assert.ok(!content.includes(secret), `${where} holds the plaintext ${secret}`);
      }
      assert.doesNotMatch(content, new RegExp(`\\b${PLAIN_SIZE}\\b`), `${where} holds the plaintext's size`);
    }
  });

  it("uploads an encrypted file in parts (the plan is on the ciphertext's size), each part encrypted on its own, and downloads what decrypts to the file", async () => {
    const key = newShareKey();
    const plain = randomBytes(11 * MIB + 5);
    const keys = fileKeys(key, newSalt());
    const size = encryptedSize(plain.length);
    const created = await call(server, "POST", "/uploads", {
      body: {
        encryption: "aes128gcm",
        encryptedMetadata: encryptMetadata(key, { ...SECRET, size: plain.length }),
        size,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.method, "MULTIPART");
    assert.deepEqual(created.json.multipart, { partSize: 5 * MIB, partCount: Math.ceil(size / (5 * MIB)) });
    const { id, deleteToken } = created.json;
    const owner = { "x-delete-token": deleteToken };
    const { partSize, partCount } = created.json.multipart;
    const numbers = Array.from({ length: partCount }, (_, i) => i + 1);
    // Each part is encrypted from only the plaintext records it covers.
    const partOf = (n: number) => {
      const start = (n - 1) * partSize;
      const end = Math.min(size, n * partSize);
      const range = plainRangeOf(plain.length, start, end);
      return encryptPart(keys, plain.length, plain.subarray(range.start, range.end), start, end);
    };
    const signed = await call(server, "POST", `/uploads/${id}/parts`, {
      headers: owner,
      body: { parts: numbers.map((n) => ({ partNumber: n })) },
    });
    assert.equal(signed.status, 200, JSON.stringify(signed.json));
    const etags = [];
    for (const p of signed.json.parts as { partNumber: number; url: string; headers: Record<string, string> }[]) {
      const put = await fetch(p.url, { method: "PUT", headers: p.headers, body: new Uint8Array(partOf(p.partNumber)) });
      assert.equal(put.status, 200, await put.text());
      etags.push({ partNumber: p.partNumber, etag: put.headers.get("etag") ?? "" });
    }
    const done = await call(server, "POST", `/uploads/${id}/complete`, { headers: owner, body: { parts: etags } });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    assert.equal(done.json.encryption, "aes128gcm");
    await server.backends.idle();
    const download = await call(server, "POST", `/files/${id}/download`);
    assert.equal(download.status, 200, JSON.stringify(download.json));
    const body = Buffer.from(await (await fetch(download.json.downloadUrl)).arrayBuffer());
    assert.equal(body.length, size);
    assert.ok((await decryptWhole(key, body)).equals(plain), "the parts join into the file's ciphertext");
  });

  it("shares several encrypted files with one key (POST /shares): each file's metadata and the title stay opaque, a download of all counts once, and every file decrypts", async () => {
    const key = newShareKey();
    const plains = [randomBytes(1000), randomBytes(70_000), randomBytes(3)];
    const names = ["plan/secret-plan-4711.pdf", "plan/notes.txt", "x.bin"];
    const ciphers = plains.map((p) => encryptWhole(key, p));
    const metadata = plains.map((p, i) =>
      encryptMetadata(key, { fileName: names[i] as string, contentType: "application/pdf", size: p.length }),
    );
    // Opaque to the server: any base64url of the right length is a title to it.
    const encryptedTitle = encryptMetadata(key, { fileName: "Holiday", contentType: "text/plain", size: 0 });
    const created = await call(server, "POST", "/shares", {
      body: {
        encryption: "aes128gcm",
        encryptedTitle,
        maxDownloads: 2,
        files: ciphers.map((c, i) => ({ encryptedMetadata: metadata[i], size: c.length, sha256: sha256(c) })),
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { id } = created.json;
    for (const f of created.json.files as { file: number; uploadUrl: string; headers: Record<string, string> }[]) {
      assert.equal(f.headers["Content-Type"], "application/octet-stream");
      const body = new Uint8Array(ciphers[f.file - 1] as Buffer);
      const put = await fetch(f.uploadUrl, { method: "PUT", headers: f.headers, body });
      assert.equal(put.status, 200, await put.text());
    }
    await server.backends.idle();

    const view = await call(server, "GET", `/files/${id}`);
    assert.equal(view.status, 200);
    assert.equal(view.json.status, "available");
    assert.equal(view.json.encryption, "aes128gcm");
    assert.equal(view.json.encryptedTitle, encryptedTitle);
    assert.equal(view.json.title, undefined);
    assert.equal(view.json.fileCount, 3);
    assert.deepEqual(
      view.json.files.map((f: Record<string, unknown>) => [f.file, f.encryption, f.encryptedMetadata, f.fileName]),
      metadata.map((m, i) => [i + 1, "aes128gcm", m, undefined]),
    );
    assert.deepEqual(
      view.json.files.map((f: { encryptedMetadata: string }) => decryptMetadata(key, f.encryptedMetadata).fileName),
      names,
    );

    const download = await call(server, "POST", `/files/${id}/download`, { body: {} });
    assert.equal(download.status, 200, JSON.stringify(download.json));
    assert.equal(download.json.downloadsRemaining, 1, "one call, one download, however many files");
    for (const d of download.json.downloads as { file: number; downloadUrl: string; encryptedMetadata: string }[]) {
      assert.equal(d.encryptedMetadata, metadata[d.file - 1]);
      const got = await fetch(d.downloadUrl);
      assert.equal(got.headers.get("content-disposition"), "attachment");
      const bytes = Buffer.from(await got.arrayBuffer());
      assert.ok((await decryptWhole(key, bytes)).equals(plains[d.file - 1] as Buffer), `file ${d.file} decrypts`);
    }
    const deps = server.backends.deps;
    const items = (await deps.db.send(new ScanCommand({ TableName: deps.config.tableName }))).Items ?? [];
    const table = JSON.stringify(items);
    assert.ok(table.includes(metadata[1] as string), "the scan sees the file items");
    for (const secret of ["secret-plan-4711", "notes.txt", "application/pdf"]) {
      assert.ok(!table.includes(secret), `the table holds the plaintext ${secret}`);
    }
  });

  it("refuses an encrypted upload with a plaintext name, a bad or missing encryptedMetadata, or an unknown coding, naming the field", async () => {
    const base = { encryption: "aes128gcm", encryptedMetadata: "A".repeat(40), size: 100 };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, fileName: "a.pdf" }, /fileName must be left out of an encrypted file/],
      [{ ...base, contentType: "application/pdf" }, /contentType of an encrypted file is "application\/octet-stream"/],
      [{ ...base, encryptedMetadata: undefined }, /encryptedMetadata is required/],
      [{ ...base, encryptedMetadata: "A".repeat(4097) }, /encryptedMetadata must be base64url .* at most 4096/],
      [{ ...base, encryptedMetadata: "abc+/=".repeat(8) }, /encryptedMetadata must be base64url/],
      [{ ...base, encryptedMetadata: "A".repeat(20) }, /encryptedMetadata is too short/],
      [{ ...base, encryption: "aes256gcm" }, /encryption must be "aes128gcm"/],
      [
        { fileName: "a.txt", contentType: "text/plain", size: 1, encryptedMetadata: "A".repeat(40) },
        /encryptedMetadata belongs to an encrypted share/,
      ],
    ];
    for (const [body, message] of cases) {
      const r = await call(server, "POST", "/uploads", { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, "InvalidRequest");
      assert.match(r.json.error.message, message);
    }
    const ok = await call(server, "POST", "/uploads", { body: { ...base, contentType: "application/octet-stream" } });
    assert.equal(ok.status, 201, "application/octet-stream may be said explicitly");
  });
});
