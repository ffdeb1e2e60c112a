// End-to-end encrypted shares page to page in one Chromium against the local mode: the page uploads with its
// Encrypt box on (as by default), the link it shows (with the key in its fragment) is opened in a new page of the
// same context as a recipient would, the names and title it shows are the decrypted ones, and what it saves
// through the File System Access API is compared, path and SHA-256, with the original: one small file, one in
// parts, several files with a title, a folder with sub-folders. The native pickers are the one substitute
// (tests/browser/encrypted.ts); no request either page makes carries the key.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Page } from "playwright-core";
import { keyFromLink } from "../../cli/crypto/shareKey";
import { assertKeyNeverSent, pickIntoOriginPrivateFiles, recordRequests, savedFiles, Sent, sha256 } from "./encrypted";
import { usePage } from "./fixture";

const MIB = 1024 * 1024;

describe("the web page: encrypted shares round trip page to page (upload, open the link, save, bytes compared)", function () {
  this.timeout(240_000);
  const fx = usePage({
    env: {
      FILESHARE_AUTH: "none",
      FILESHARE_ENCRYPTION: "allowed",
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    },
  });
  /** Every request any page of the test's context makes (the sender's and the recipient's). */
  let requests: () => Promise<Sent[]>;
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "fileshare-encrypted-roundtrip-"));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    requests = recordRequests(fx.context);
    await pickIntoOriginPrivateFiles(fx.context);
  });

  /** The sender: a fresh page, Encrypt on as it comes, `choose` picks the files, Upload; the link shown and its key
   *  once the page says the link is ready and the stack has settled. */
  async function upload(choose: (page: Page) => Promise<void>): Promise<{ link: string; key: Buffer }> {
    const sender = await fx.newPage();
    await sender.goto(fx.server.pageUrl);
    assert.equal(await sender.isChecked("#encrypt"), true, "Encrypt is on by default where the stack allows it");
    await choose(sender);
    await sender.click("#upload-button");
    await sender.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
    const link = await sender.inputValue("#share-link");
    const key = keyFromLink(link);
    assert.ok(key, `the link shown carries a key in its fragment: ${link}`);
    await fx.server.backends.idle();
    return { link, key };
  }

  /** The recipient: the link opened in a new page of the same context; the share is available. */
  async function open(link: string): Promise<Page> {
    const recipient = await fx.newPage();
    assert.equal(await fx.openLink(recipient, link), "available");
    assert.match(await fx.text(recipient, "#encrypted-note"), /End-to-end encrypted/);
    return recipient;
  }

  /** Clicks the Download (all) button and waits for the page to say every file was saved, decrypted and verified. */
  async function save(recipient: Page, said: RegExp): Promise<void> {
    await recipient.click("#download-button");
    await recipient.waitForFunction(
      (source) => new RegExp(source).test(document.getElementById("status")!.textContent!),
      said.source,
    );
  }

  /** No request of either page carried the key, and both pages' requests were captured (an upload and a download). */
  async function assertKeyStayedHome(key: Buffer): Promise<void> {
    const sent = await requests();
    const api = fx.server.apiUrl;
    assert.ok(
      sent.some((r) => r.url === `${api}uploads` || r.url === `${api}shares`),
      "the sender's POST was seen",
    );
    assert.ok(
      sent.some((r) => r.url.startsWith(`${api}files/`) && r.url.endsWith("/download")),
      "and the recipient's",
    );
    assertKeyNeverSent(sent, key);
  }

  /** The part numbers of the multipart PUTs the sender made, in order sent. */
  const partsSent = async () =>
    (await requests()).flatMap((r) => {
      const n = new URL(r.url).searchParams.get("partNumber");
      return n === null ? [] : [Number(n)];
    });

  const names = (page: Page) =>
    page.$$eval("#share-files-list .share-file-name", (all) => all.map((p) => p.textContent ?? ""));

  it("one small file: the recipient sees its decrypted name, type and size and saves it through the save picker, byte for byte", async () => {
    const bytes = randomBytes(300_000);
    const name = "Été – contrat signé 📄.pdf";
    const { link, key } = await upload((page) =>
      page.setInputFiles("#file-input", { name, mimeType: "application/pdf", buffer: bytes }),
    );
    const recipient = await open(link);
    assert.equal(await fx.text(recipient, "#file-title"), "A file was shared with you");
    assert.equal(await fx.text(recipient, "#file-name"), name);
    assert.equal(await fx.text(recipient, "#file-type"), "application/pdf");
    assert.match(await fx.text(recipient, "#file-size"), /\(300,000 bytes\)$/);
    await save(recipient, /saved, decrypted and verified/);
    assert.deepEqual(await savedFiles(recipient), [{ path: name, size: bytes.length, sha256: sha256(bytes) }]);
    await assertKeyStayedHome(key);
  });

  it("a file in parts (11 MiB and a few bytes: three 5 MiB parts): saved through the save picker, byte for byte", async () => {
    const bytes = randomBytes(11 * MIB + 5);
    const { link, key } = await upload((page) =>
      page.setInputFiles("#file-input", { name: "launch.mov", mimeType: "video/quicktime", buffer: bytes }),
    );
    assert.deepEqual((await partsSent()).sort(), [1, 2, 3], "sent in three parts");
    const recipient = await open(link);
    assert.equal(await fx.text(recipient, "#file-name"), "launch.mov");
    assert.match(
      await fx.text(recipient, "#file-size"),
      new RegExp(`\\(${bytes.length.toLocaleString("en-US")} bytes\\)$`),
    );
    await save(recipient, /saved, decrypted and verified/);
    assert.deepEqual(await savedFiles(recipient), [{ path: "launch.mov", size: bytes.length, sha256: sha256(bytes) }]);
    await assertKeyStayedHome(key);
  });

  it("several files (one in parts) with a title: the recipient sees the decrypted title and names, and Download all saves each into the chosen folder", async () => {
    const files = [
      { name: "minutes – board.txt", type: "text/plain", bytes: randomBytes(5000) },
      { name: "budget draft.xlsx", type: "application/vnd.ms-excel", bytes: randomBytes(6 * MIB) },
      { name: "photo-ceo.jpg", type: "image/jpeg", bytes: randomBytes(70_000) },
    ];
    const { link, key } = await upload(async (page) => {
      await page.setInputFiles(
        "#file-input",
        files.map((f) => ({ name: f.name, mimeType: f.type, buffer: f.bytes })),
      );
      await page.fill("#share-title", "Board pack – March");
    });
    assert.deepEqual((await partsSent()).sort(), [1, 2], "the 6 MiB file went in two parts");
    const recipient = await open(link);
    assert.equal(await fx.text(recipient, "#file-title"), "3 files were shared with you");
    assert.equal(await fx.text(recipient, "#file-share-title"), "Board pack – March");
    // The page lists the files in name order.
    assert.deepEqual(await names(recipient), ["budget draft.xlsx", "minutes – board.txt", "photo-ceo.jpg"]);
    await save(recipient, /3 files saved, decrypted and verified/);
    assert.deepEqual(await savedFiles(recipient), [
      { path: "picked/budget draft.xlsx", size: 6 * MIB, sha256: sha256(files[1]!.bytes) },
      { path: "picked/minutes – board.txt", size: 5000, sha256: sha256(files[0]!.bytes) },
      { path: "picked/photo-ceo.jpg", size: 70_000, sha256: sha256(files[2]!.bytes) },
    ]);
    await assertKeyStayedHome(key);
  });

  it("a folder with sub-folders: the recipient sees each path, and Download all saves the same tree into the chosen folder", async () => {
    const files = [
      { path: "field-trip/notes.txt", bytes: randomBytes(2000) },
      { path: "field-trip/data/measurements.csv", bytes: randomBytes(90_000) },
      { path: "field-trip/data/raw/day 2.bin", bytes: randomBytes(40_000) },
      { path: "field-trip/photos/lake.jpg", bytes: randomBytes(120_000) },
    ];
    for (const f of files) {
      await mkdir(dirname(join(root, f.path)), { recursive: true });
      await writeFile(join(root, f.path), f.bytes);
    }
    const { link, key } = await upload((page) => page.setInputFiles("#folder-input", join(root, "field-trip")));
    const recipient = await open(link);
    assert.equal(await fx.text(recipient, "#file-title"), "4 files were shared with you");
    assert.deepEqual(await names(recipient), [
      "field-trip/data/measurements.csv",
      "field-trip/data/raw/day 2.bin",
      "field-trip/notes.txt",
      "field-trip/photos/lake.jpg",
    ]);
    await save(recipient, /4 files saved, decrypted and verified/);
    const bytesOf = (path: string) => files.find((f) => f.path === path)!.bytes;
    assert.deepEqual(await savedFiles(recipient), [
      {
        path: "picked/field-trip/data/measurements.csv",
        size: 90_000,
        sha256: sha256(bytesOf("field-trip/data/measurements.csv")),
      },
      {
        path: "picked/field-trip/data/raw/day 2.bin",
        size: 40_000,
        sha256: sha256(bytesOf("field-trip/data/raw/day 2.bin")),
      },
      { path: "picked/field-trip/notes.txt", size: 2000, sha256: sha256(bytesOf("field-trip/notes.txt")) },
      {
        path: "picked/field-trip/photos/lake.jpg",
        size: 120_000,
        sha256: sha256(bytesOf("field-trip/photos/lake.jpg")),
      },
    ]);
    await assertKeyStayedHome(key);
  });
});
