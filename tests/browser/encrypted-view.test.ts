// The share view of an end-to-end encrypted share, in headless Chromium against the local mode: shares made from
// Node with the CLI's crypto and real pre-signed PUTs (scripts/encryptedShare.ts), opened at their link
// with the key in the fragment. The page decrypts the names, sizes and title, and saves each file decrypted as it
// downloads. Headless Chromium cannot answer the native save dialog, so window.showSaveFilePicker and
// window.showDirectoryPicker, and nothing else, are replaced by functions that return a real handle in the
// origin-private file system (navigator.storage.getDirectory()); the page's own code writes there through the
// same FileSystemWritableFileStream, and the test reads the files back. A wrong key, a flipped byte or a cut-off
// object in the local S3's own file, and a link without its key are refused with a plain message and nothing
// saved; no request the page makes carries the fragment.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Download, Request } from "playwright-core";
import { keyToFragment, newShareKey } from "../../cli/crypto/shareKey";
import { keyNameFor } from "../../handlers/ids";
import { createEncryptedShare, fromBuffer, PlainFile } from "../../scripts/encryptedShare";
import { testBytes } from "../local/http";
import { assertKeyNeverSent, pickIntoOriginPrivateFiles, savedFiles, sentOf, sha256 as sha } from "./encrypted";
import { usePage } from "./fixture";

const MIB = 1024 * 1024;
const file = (fileName: string, bytes: Buffer, contentType = "application/octet-stream"): PlainFile => ({
  fileName,
  contentType,
  size: bytes.length,
  bytes: fromBuffer(bytes),
});

describe("the web page: the share view of an end-to-end encrypted share", function () {
  this.timeout(240_000);
  const fx = usePage({
    env: {
      FILESHARE_AUTH: "none",
      FILESHARE_ENCRYPTION: "allowed",
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    },
  });
  /** Every request any page of the test made: URL, headers and body. */
  let requests: Request[];

  beforeEach(async () => {
    requests = [];
    fx.context.on("request", (r) => void requests.push(r));
    // The ONLY substitute: the native pickers, which headless Chromium cannot answer, hand out handles in the
    // origin-private file system (tests/browser/encrypted.ts).
    await pickIntoOriginPrivateFiles(fx.context);
  });

  /** The local S3's own file of a share's object (file `n` of a share of several), found by its key name. */
  async function storedObject(id: string, n?: number): Promise<string> {
    const bucket = fx.server.backends.deps.config.bucketName;
    const tail = n === undefined ? [`${keyNameFor(id)}._S3rver_object`] : [keyNameFor(id), `${n}._S3rver_object`];
    for (const dir of await readdir(tmpdir())) {
      const path = join(tmpdir(), dir, "s3", bucket, "uploads", ...tail);
      if (dir.startsWith("fileshare-") && existsSync(path)) return path;
    }
    throw new Error(`no stored object for share ${id}`);
  }

  /** The key (the fragment, or its raw bytes) appears in no URL, header or body of any request made so far. */
  async function assertFragmentNeverSent(key: Buffer): Promise<void> {
    assertKeyNeverSent(await Promise.all(requests.map(sentOf)), key);
  }

  const downloadCalls = () => requests.filter((r) => r.method() === "POST" && /\/download$/.test(r.url()));
  const s3Calls = () => requests.filter((r) => r.url().startsWith(fx.server.backends.s3.endpoint));

  it("decrypts a one-file share's name, type and size in the page and saves the file decrypted; the key is in no request", async () => {
    const bytes = testBytes(200_000);
    const share = await createEncryptedShare(fx.server.apiUrl, [file("Été – plan 📄.pdf", bytes, "application/pdf")], {
      maxDownloads: 3,
    });
    await fx.server.backends.idle();
    const page = await fx.newPage();
    assert.equal(await fx.openLink(page, share.link), "available");
    assert.equal(await fx.text(page, "#file-title"), "A file was shared with you");
    assert.equal(await fx.text(page, "#file-name"), "Été – plan 📄.pdf");
    assert.equal(await fx.text(page, "#file-type"), "application/pdf");
    assert.match(await fx.text(page, "#file-size"), /^200 kB \(200,000 bytes\)$/);
    assert.match(await fx.text(page, "#encrypted-note"), /End-to-end encrypted/);
    await fx.shot(page, "encrypted-01-one-file");

    await page.click("#download-button");
    await page.waitForFunction(() =>
      /saved, decrypted and verified/.test(document.getElementById("status")!.textContent!),
    );
    assert.deepEqual(await savedFiles(page), [{ path: "Été – plan 📄.pdf", size: bytes.length, sha256: sha(bytes) }]);
    assert.equal((await fx.apiInfo(share.id)).body.downloads, 1, "one counted download");
    await assertFragmentNeverSent(share.key);
    assert.equal(s3Calls().length, 1, "the page fetched the object once");
  });

  it("saves a file uploaded in parts (11 MiB, three 5 MiB parts) decrypted, byte for byte", async () => {
    const bytes = testBytes(11 * MIB + 5);
    const share = await createEncryptedShare(fx.server.apiUrl, [file("big.bin", bytes)]);
    await fx.server.backends.idle();
    const page = await fx.newPage();
    assert.equal(await fx.openLink(page, share.link), "available");
    assert.equal(await fx.text(page, "#file-name"), "big.bin");
    await page.click("#download-button");
    await page.waitForFunction(() =>
      /saved, decrypted and verified/.test(document.getElementById("status")!.textContent!),
    );
    assert.deepEqual(await savedFiles(page), [{ path: "big.bin", size: bytes.length, sha256: sha(bytes) }]);
    await assertFragmentNeverSent(share.key);
  });

  it("shows a share of several files with its decrypted title and names, and Download all saves each into one chosen folder with its folders, for one counted download", async () => {
    const files = [
      file("trip/day1/photo.jpg", testBytes(70_000), "image/jpeg"),
      file("trip/<img src=x onerror=alert(1)>.txt", Buffer.from("only text\n"), "text/plain"),
      file("trip/video.bin", testBytes(6 * MIB)),
    ];
    const share = await createEncryptedShare(fx.server.apiUrl, files, { title: "Trip <b>2026</b>", maxDownloads: 5 });
    await fx.server.backends.idle();
    const page = await fx.newPage();
    assert.equal(await fx.openLink(page, share.link), "available");
    assert.equal(await fx.text(page, "#file-title"), "3 files were shared with you");
    assert.equal(await fx.text(page, "#file-share-title"), "Trip <b>2026</b>");
    const names = await page.$$eval("#share-files-list .share-file-name", (all) => all.map((p) => p.textContent));
    assert.deepEqual(
      names,
      files.map((f) => f.fileName),
      "each name decrypted, shown as text",
    );
    assert.equal(await page.locator("#file-view img, #file-view b").count(), 0, "no name became HTML");
    assert.match(await fx.text(page, "#file-count"), /^3 files, 6\.\d MB in all$/, "the plaintext sizes");
    assert.match(await fx.text(page, "#encrypted-note"), /one folder/);
    await fx.shot(page, "encrypted-02-several-laptop");
    await page.setViewportSize({ width: 390, height: 844 });
    await fx.shot(page, "encrypted-03-several-phone");
    await page.setViewportSize({ width: 1000, height: 800 });

    await page.click("#download-button");
    await page.waitForFunction(() =>
      /3 files saved, decrypted and verified/.test(document.getElementById("status")!.textContent!),
    );
    assert.deepEqual(
      await savedFiles(page),
      files
        .map((f) => ({ path: `picked/${f.fileName}`, size: f.size, sha256: sha(f.bytes(0, f.size)) }))
        .sort((a, b) => a.path.localeCompare(b.path)),
    );
    assert.equal((await fx.apiInfo(share.id)).body.downloads, 1, "Download all counts one download");
    assert.equal(downloadCalls().length, 1);

    // One file on its own goes through the save picker; Download all again into the same folder replaces nothing.
    await page.click('#share-files-list li[data-file="1"] button');
    await page.waitForFunction(() =>
      /photo\.jpg” saved, decrypted/.test(document.getElementById("status")!.textContent!),
    );
    await page.click("#download-button");
    await page.waitForFunction(() => /3 files saved/.test(document.getElementById("status")!.textContent!));
    const again = (await savedFiles(page)).map((f) => f.path);
    for (const path of [
      "photo.jpg",
      "picked/trip/day1/photo.jpg",
      "picked/trip/day1/photo (2).jpg",
      "picked/trip/video (2).bin",
    ]) {
      assert.ok(again.includes(path), `${path} among ${again}`);
    }
    assert.equal((await fx.apiInfo(share.id)).body.downloads, 3, "each click one counted download");
    await assertFragmentNeverSent(share.key);
  });

  it("says plainly that a link lacks its key, or that its key is malformed, and requests no bytes", async () => {
    const share = await createEncryptedShare(fx.server.apiUrl, [file("a.txt", Buffer.from("secret\n"))]);
    await fx.server.backends.idle();
    const page = await fx.newPage();
    assert.equal(await fx.openLink(page, share.shareUrl), "nokey");
    assert.equal(await fx.text(page, "#file-title"), "This link is missing its key");
    assert.match(await fx.text(page, "#file-message"), /missing the part after #, which holds the key/);
    assert.ok(await page.isHidden("#download-button"));
    assert.ok(await page.isHidden("#file-details"), "no name, size or type shown");
    await fx.shot(page, "encrypted-04-missing-key");
    await page.setViewportSize({ width: 390, height: 844 });
    await fx.shot(page, "encrypted-05-missing-key-phone");

    assert.equal(await fx.openLink(page, `${share.shareUrl}#not-a-key`), "badkey");
    assert.match(await fx.text(page, "#file-message"), /must be 22 characters of base64url/);
    assert.deepEqual([downloadCalls().length, s3Calls().length], [0, 0], "no download asked for, no bytes fetched");
    assert.equal((await fx.apiInfo(share.id)).body.downloads, 0);

    // The whole link pasted afterwards opens it.
    await page.evaluate((f) => (window.location.hash = f), keyToFragment(share.key));
    await page.waitForSelector('#file-view[data-state="available"]');
    assert.equal(await fx.text(page, "#file-name"), "a.txt");
  });

  it("says that a wrong key does not open the share, shows no name and downloads nothing", async () => {
    const share = await createEncryptedShare(fx.server.apiUrl, [file("a.txt", Buffer.from("secret\n"))]);
    await fx.server.backends.idle();
    const page = await fx.newPage();
    assert.equal(await fx.openLink(page, `${share.shareUrl}#${keyToFragment(newShareKey())}`), "wrongkey");
    assert.match(await fx.text(page, "#file-message"), /the key in this link does not open this share/i);
    assert.ok(await page.isHidden("#download-button"));
    assert.ok(await page.isHidden("#file-details"));
    assert.deepEqual([downloadCalls().length, s3Calls().length], [0, 0]);
    await fx.shot(page, "encrypted-06-wrong-key");
  });

  for (const [what, damage, expected] of [
    [
      "a flipped byte in its stored object",
      async (path: string) => {
        const stored = await readFile(path);
        stored.writeUInt8(stored.readUInt8(21 + 20 * 65536 + 100) ^ 1, 21 + 20 * 65536 + 100); // in record 20
        await writeFile(path, stored);
      },
      /record 20 was changed/,
    ],
    [
      "its stored object cut off after 20 whole records",
      (path: string) => truncate(path, 21 + 20 * 65536),
      /truncated/,
    ],
  ] as const) {
    it(`refuses a file with ${what}: the save is aborted, nothing is kept, and the page says the file was altered`, async () => {
      // 2 MiB: 33 records, so the damage lies beyond the first batch of records the page decrypts together.
      const bytes = testBytes(2 * MIB);
      const share = await createEncryptedShare(fx.server.apiUrl, [file("report.pdf", bytes)]);
      await fx.server.backends.idle();
      await damage(await storedObject(share.id));
      const page = await fx.newPage();
      assert.equal(await fx.openLink(page, share.link), "available");
      await page.click("#download-button");
      await page.waitForSelector("#error:not([hidden])");
      const error = await fx.text(page, "#error");
      assert.match(error, /“report\.pdf” was not saved: it was altered or cut short after it was shared/);
      assert.match(error, expected);
      assert.deepEqual(await savedFiles(page), [], "no file, not even an empty one, is left");
      fx.problems = fx.problems.filter((p) => !/Failed to load resource/.test(p));
      await fx.shot(page, what.startsWith("a flipped") ? "encrypted-07-tampered" : "encrypted-08-truncated");
    });
  }

  it("in a share of several files, saves the intact files and refuses the altered one", async () => {
    const files = [file("ok.bin", testBytes(100_000)), file("bad.bin", testBytes(100_000))];
    const share = await createEncryptedShare(fx.server.apiUrl, files);
    await fx.server.backends.idle();
    const path = await storedObject(share.id, 2);
    const stored = await readFile(path);
    stored.writeUInt8(stored.readUInt8(stored.length - 1) ^ 0x80, stored.length - 1); // the last record's tag
    await writeFile(path, stored);
    const page = await fx.newPage();
    assert.equal(await fx.openLink(page, share.link), "available");
    await page.click("#download-button");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await fx.text(page, "#error"), /“bad\.bin” was not saved: it was altered/);
    assert.match(await fx.text(page, "#status"), /1 of 2 files saved/);
    assert.deepEqual(
      (await savedFiles(page)).map((f) => [f.path, f.sha256]),
      [["picked/ok.bin", sha(files[0]!.bytes(0, 100_000))]],
    );
  });

  it("with a password: asks for it first, then decrypts; where the browser has no File System Access API, decrypts in memory and saves a Blob", async () => {
    const bytes = testBytes(150_000);
    const share = await createEncryptedShare(fx.server.apiUrl, [file("notes.txt", bytes, "text/plain")], {
      password: "correct horse battery",
    });
    await fx.server.backends.idle();
    const page = await fx.newPage();
    // A browser without the API (Firefox, Safari): the pickers are gone.
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      delete w["showSaveFilePicker"];
      delete w["showDirectoryPicker"];
    });
    assert.equal(await fx.openLink(page, share.link), "locked");
    assert.ok(await page.isHidden("#file-details"), "no name before the password");
    await page.fill("#unlock-password", "correct horse battery");
    await page.click("#unlock-button");
    await page.waitForSelector('#file-view[data-state="available"]');
    assert.equal(await fx.text(page, "#file-name"), "notes.txt");
    assert.match(await fx.text(page, "#encrypted-note"), /decrypts each file in memory/);
    const download = new Promise<Download>((resolve) => page.once("download", resolve));
    await page.click("#download-button");
    const d = await download;
    assert.equal(d.suggestedFilename(), "notes.txt");
    assert.equal(sha(await readFile((await d.path()) as string)), sha(bytes));
    await assertFragmentNeverSent(share.key);
  });

  it("where the browser has no File System Access API, says it cannot save a file above the in-memory limit and names the CLI, and asks for nothing", async () => {
    // The metadata (the sharer's word) says 300 MiB: the page decides on it before any download.
    const big: PlainFile = { ...file("huge.iso", Buffer.from("x")), metadataSize: 300 * MIB };
    const share = await createEncryptedShare(fx.server.apiUrl, [big]);
    await fx.server.backends.idle();
    const page = await fx.newPage();
    await page.addInitScript(() => {
      delete (window as unknown as Record<string, unknown>)["showSaveFilePicker"];
    });
    assert.equal(await fx.openLink(page, share.link), "available");
    assert.match(await fx.text(page, "#encrypted-note"), /cannot save files above [\d.]+ MB decrypted/);
    assert.match(await fx.text(page, "#encrypted-note"), /fileshare download "LINK"/);
    await page.click("#download-button");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await fx.text(page, "#error"), /This browser cannot save a file above .* fileshare download/);
    assert.deepEqual([downloadCalls().length, s3Calls().length], [0, 0]);
    await fx.shot(page, "encrypted-09-too-large-here");
  });
});
