// The page uploading end-to-end encrypted shares (web/js/encrypt-upload.js) in Chromium against real local
// servers: what it stores is decrypted here with the CLI's own code (cli/crypto) and the key taken from the link
// the page shows, bytes compared, for one small file, one in parts, several files with a title, and a folder; the
// plaintext (bytes and names) never reaches the bucket's folder on disk, the table or the logs; and the key (the
// link's fragment) appears in no request the page makes (URL, headers, body) and in no log line.
import assert from "node:assert/strict";
import { createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Page } from "playwright-core";
import { encryptedSize } from "../../cli/crypto/ece";
import { decryptMetadata } from "../../cli/crypto/metadata";
import { keyFromLink, keyToFragment } from "../../cli/crypto/shareKey";
import { fileKeyFor, keyNameFor, shareFileKeyOf } from "../../handlers/ids";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { captureStdout } from "../support/stdout";
import { assertKeyNeverSent, recordRequests } from "./encrypted";
import { usePage } from "./fixture";
import { decryptWhole } from "../support/decrypt";

const MIB = 1024 * 1024;
const SHOTS = join(tmpdir(), "fileshare-encrypted-upload-screenshots");

/** An encryptedTitle opened as docs/api.md defines it, written out here (no code of ours): AES-128-GCM under
 *  HKDF-SHA256(key, empty salt, "fileshare metadata v1"), base64url(nonce ‖ ciphertext ‖ tag). */
function openTitle(key: Buffer, text: string): unknown {
  const sealed = Buffer.from(text, "base64url");
  const metadataKey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "fileshare metadata v1", 16));
  const decipher = createDecipheriv("aes-128-gcm", metadataKey, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return JSON.parse(
    Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString(),
  );
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe("the web page: encrypted uploads (round trips through the CLI's crypto, nothing in clear)", function () {
  this.timeout(240_000);
  const fx = usePage();
  let server: LocalServer;
  let dataDir: string;
  let root: string;

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), "fileshare-encrypted-upload-data-"));
    root = await mkdtemp(join(tmpdir(), "fileshare-encrypted-upload-files-"));
    const settings = await loadSettings({
      FILESHARE_AUTH: "none",
      FILESHARE_ENCRYPTION: "allowed",
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
      FILESHARE_MAX_FILES_PER_SHARE: "20",
    });
    // On disk (dataDir), so that the test can read every byte the bucket's folder holds.
    server = await startLocal({ port: 0, dataDir, settings: { ...settings, cleanupIntervalSeconds: 900 } });
  });
  after(async () => {
    await server?.close();
    for (const dir of [dataDir, root]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** The object S3 holds for file `file` of share `id` (undefined: a one-file share). */
  async function stored(id: string, file?: number): Promise<Buffer> {
    const deps = server.backends.deps;
    const Key = file === undefined ? fileKeyFor(id) : shareFileKeyOf(keyNameFor(id), file);
    const got = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  }

  /** The answer to the page's POST to `path` (uploads or shares) and the body it sent. */
  function created(page: Page, path: "uploads" | "shares") {
    return page
      .waitForResponse((r) => r.url() === `${server.apiUrl}${path}` && r.request().method() === "POST")
      .then(async (r) => ({
        answer: (await r.json()) as { id: string; method?: string },
        sent: r.request().postDataJSON() as Record<string, unknown>,
      }));
  }

  /**
   * Runs `flow` on a fresh page with its requests and the server's log lines captured; then checks that the key
   * (the fragment of the link shown) is in none of them, that no plaintext name or byte sample is in the log, the
   * table or any file of the bucket's folder, and returns the key with what `flow` returned.
   */
  async function uploadEncrypted<T>(
    plain: { name: string; bytes: Buffer }[],
    flow: (page: Page) => Promise<T>,
  ): Promise<{ key: Buffer; link: string; result: T }> {
    const page = await fx.newPage();
    const requests = recordRequests(page);
    const { result, text } = await captureStdout(async () => {
      await page.goto(server.pageUrl);
      const out = await flow(page);
      await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
      await server.backends.idle();
      return out;
    });
    const link = await page.inputValue("#share-link");
    const key = keyFromLink(link);
    assert.ok(key, `the link shown carries a key in its fragment: ${link}`);
    const fragment = keyToFragment(key);
    assert.ok(text.includes("share.created"), "the captured log saw the flow (else finding nothing proves nothing)");
    const sent = await requests();
    assert.ok(sent.length > 3, "the page's requests were captured");
    assertKeyNeverSent(sent, key);
    assert.ok(!text.includes(fragment), "the key is in no log line");
    const deps = server.backends.deps;
    const table = JSON.stringify((await deps.db.send(new ScanCommand({ TableName: deps.config.tableName }))).Items);
    const disk = await Promise.all((await filesUnder(join(dataDir, "s3"))).map((f) => readFile(f)));
    assert.ok(disk.length > 0, "the bucket's folder holds the objects");
    // What the PUTs sent is what the bucket holds (its folder): the key is not in it either.
    for (const content of disk) assert.ok(!content.includes(key) && !content.includes(fragment), "key in the bucket");
    for (const { name, bytes } of plain) {
      const leaf = name.split("/").pop() as string;
      for (const [where, content] of [
        ["the log", text],
        ["the table", table],
      ] as const) {
        assert.ok(!content.includes(leaf), `${where} holds the plaintext name ${leaf}`);
      }
      // Three 64-byte samples of the plaintext (random bytes: no sample turns up by chance).
      const samples = [0, Math.floor(bytes.length / 2), bytes.length - 64].map((at) => bytes.subarray(at, at + 64));
      for (const content of disk) {
        assert.ok(!content.includes(leaf), `a file of the bucket's folder holds the name ${leaf}`);
        for (const sample of samples)
          assert.ok(!content.includes(sample), `the bucket's folder holds ${leaf} in clear`);
      }
    }
    return { key, link, result };
  }

  it("one small file in one PUT: the box is on by default, the link, its copy and its QR code carry the key, and the stored object decrypts to the file", async () => {
    const bytes = randomBytes(300_000);
    await fx.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const { key, link, result } = await uploadEncrypted([{ name: "tax-return-2026.pdf", bytes }], async (page) => {
      assert.equal(await page.isChecked("#encrypt"), true, "Encrypt is on by default where the stack allows it");
      assert.equal(await page.isEnabled("#encrypt"), true, "and the person may turn it off");
      await shot(page, "1-form");
      await page.setInputFiles("#file-input", {
        name: "tax-return-2026.pdf",
        mimeType: "application/pdf",
        buffer: bytes,
      });
      const answer = created(page, "uploads");
      await page.click("#upload-button");
      return answer;
    });
    const { answer, sent } = result;
    assert.equal(answer.method, "PUT");
    assert.equal(sent["encryption"], "aes128gcm");
    assert.equal(sent["fileName"], undefined, "no name in clear");
    assert.equal(sent["contentType"], undefined, "no type in clear");
    assert.equal(sent["size"], encryptedSize(bytes.length), "the size declared is the ciphertext's");
    assert.deepEqual(decryptMetadata(key, sent["encryptedMetadata"] as string), {
      fileName: "tax-return-2026.pdf",
      contentType: "application/pdf",
      size: bytes.length,
    });
    assert.equal(link, `${server.apiUrl}files/${answer.id}#${keyToFragment(key)}`);
    const cipher = await stored(answer.id);
    assert.equal(cipher.length, encryptedSize(bytes.length));
    assert.ok((await decryptWhole(key, cipher)).equals(bytes), "the stored object decrypts to the file, byte for byte");
    const page = fx.context.pages()[0]!;
    assert.equal(await page.isVisible("#result-key-hint"), true, "the page says the link is shown only now");
    await shot(page, "2-link");
    await page.click("#copy-button");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link, "Copy link copies it with its key");
    assert.equal(await decodeQr(page), link, "the QR code holds the link with its key");
  });

  it("a 12 MiB file in parts: each part encrypted as it is read and hashed as ciphertext; the stored object decrypts to the file", async () => {
    const bytes = randomBytes(12 * MIB + 77);
    const { key, result } = await uploadEncrypted([{ name: "video-of-the-launch.mov", bytes }], async (page) => {
      const parts: { n: number; length: number; sha: string }[] = [];
      page.on("request", async (r) => {
        if (r.method() !== "PUT" || !r.url().includes("uploadId=")) return;
        const n = Number(new URL(r.url()).searchParams.get("partNumber"));
        const headers = await r.allHeaders(); // a Blob body is not shown to Playwright: its length is
        parts.push({ n, length: Number(headers["content-length"]), sha: headers["x-amz-checksum-sha256"] ?? "" });
      });
      await page.setInputFiles("#file-input", {
        name: "video-of-the-launch.mov",
        mimeType: "video/quicktime",
        buffer: bytes,
      });
      const answer = created(page, "uploads");
      await page.click("#upload-button");
      return { parts, ...(await answer) };
    });
    const { answer, sent, parts } = result;
    assert.equal(answer.method, "MULTIPART");
    const size = encryptedSize(bytes.length);
    assert.equal(sent["size"], size);
    const cipher = await stored(answer.id);
    assert.ok((await decryptWhole(key, cipher)).equals(bytes), "the parts join into the file's ciphertext");
    assert.deepEqual(
      parts.sort((a, b) => a.n - b.n).map((p) => [p.n, p.length]),
      [
        [1, 5 * MIB],
        [2, 5 * MIB],
        [3, size - 10 * MIB],
      ],
      "each part sent once, cut from the ciphertext",
    );
    for (const p of parts) {
      const part = cipher.subarray((p.n - 1) * 5 * MIB, Math.min(size, p.n * 5 * MIB));
      const expected = createHash("sha256").update(part).digest("base64");
      assert.equal(p.sha, expected, `part ${p.n}'s SHA-256 is of its ciphertext`);
    }
  });

  it("several files (one of them in parts) with a title: one key, each file and the title encrypted, each stored file decrypts", async () => {
    const files = [
      { name: "minutes-board.txt", bytes: randomBytes(5000), type: "text/plain" },
      { name: "budget-draft.xlsx", bytes: randomBytes(6 * MIB), type: "application/vnd.ms-excel" },
      { name: "photo-ceo.jpg", bytes: randomBytes(70_000), type: "image/jpeg" },
    ];
    const { key, result } = await uploadEncrypted(files, async (page) => {
      await page.setInputFiles(
        "#file-input",
        files.map((f) => ({ name: f.name, mimeType: f.type, buffer: f.bytes })),
      );
      await page.fill("#share-title", "Board pack March");
      const answer = created(page, "shares");
      await page.click("#upload-button");
      return answer;
    });
    const { answer, sent } = result;
    assert.equal(sent["encryption"], "aes128gcm");
    assert.equal(sent["title"], undefined, "no title in clear");
    assert.deepEqual(openTitle(key, sent["encryptedTitle"] as string), { title: "Board pack March" });
    const declared = sent["files"] as Record<string, unknown>[];
    // The page lists files in name order.
    const ordered = [...files].sort((a, b) => a.name.localeCompare(b.name));
    for (const [i, f] of ordered.entries()) {
      const d = declared[i]!;
      assert.equal(d["fileName"], undefined);
      assert.deepEqual(decryptMetadata(key, d["encryptedMetadata"] as string), {
        fileName: f.name,
        contentType: f.type,
        size: f.bytes.length,
      });
      assert.ok((await decryptWhole(key, await stored(answer.id, i + 1))).equals(f.bytes), `${f.name} decrypts`);
    }
  });

  it("a folder: every file with its path encrypted, each stored file decrypts", async () => {
    const files = [
      { name: "secret-project/plan.txt", bytes: randomBytes(2000) },
      { name: "secret-project/data/measurements.csv", bytes: randomBytes(90_000) },
    ];
    for (const f of files) {
      await mkdir(dirname(join(root, f.name)), { recursive: true });
      await writeFile(join(root, f.name), f.bytes);
    }
    const { key, result } = await uploadEncrypted(files, async (page) => {
      await page.setInputFiles("#folder-input", join(root, "secret-project"));
      const answer = created(page, "shares");
      await page.click("#upload-button");
      return answer;
    });
    const declared = result.sent["files"] as { encryptedMetadata: string }[];
    const names = declared.map((d) => decryptMetadata(key, d.encryptedMetadata).fileName);
    assert.deepEqual(names, ["secret-project/data/measurements.csv", "secret-project/plan.txt"]);
    for (const [i, name] of names.entries()) {
      const plain = files.find((f) => f.name === name)!.bytes;
      assert.ok((await decryptWhole(key, await stored(result.answer.id, i + 1))).equals(plain), `${name} decrypts`);
    }
  });

  it("with the box turned off, the same stack gets the file in clear (the choice is the person's where allowed)", async () => {
    const page = await fx.newPage();
    await page.goto(server.pageUrl);
    await page.uncheck("#encrypt");
    await page.setInputFiles("#file-input", { name: "menu.txt", mimeType: "text/plain", buffer: Buffer.from("soup") });
    const answer = created(page, "uploads");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    const { sent, answer: made } = await answer;
    assert.equal(sent["encryption"], undefined);
    assert.equal(sent["fileName"], "menu.txt");
    assert.equal(await page.inputValue("#share-link"), `${server.apiUrl}files/${made.id}`, "no fragment");
    assert.equal(await page.isVisible("#result-key-hint"), false);
    await server.backends.idle();
    assert.equal((await stored(made.id)).toString(), "soup");
  });

  /** The text of the QR code on the page, decoded from its pixels with jsQR (as page-ux.test.ts does). */
  async function decodeQr(page: Page): Promise<string | undefined> {
    const { default: jsQR } = await import("jsqr");
    const png = await page.locator("#share-qr-code svg").screenshot();
    const blank = await fx.context.newPage();
    try {
      const image = await blank.evaluate(async (base64) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext("2d")!;
        context.drawImage(bitmap, 0, 0);
        const { data, width, height } = context.getImageData(0, 0, bitmap.width, bitmap.height);
        return { data: Array.from(data), width, height };
      }, png.toString("base64"));
      return jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)?.data;
    } finally {
      await blank.close();
    }
  }
});
