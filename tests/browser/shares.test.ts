// The page with shares of several files (docs/api.md "Shares of several files"), in headless Chromium against the
// local mode: a folder of 20 files (one above the multipart threshold, sent in 5 MiB parts) shared and downloaded
// byte for byte with one counted download; a reload in the middle that resumes only the files that did not
// finish; the limits named before anything is sent; hostile names shown as text; My files with a share's title,
// count and size. Screenshots (the share view on a desktop and on a phone) go to test-output/screenshots/.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Download, Page, Request } from "playwright-core";
import { testBytes } from "../local/http";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";

const MIB = 1024 * 1024;
/** A hostile name: were it ever put into the page as HTML, it would make an img element. */
const HOSTILE = "<img src=x onerror=alert(1)>.txt";

/** The folder as it sits on disk: 20 files in sub-folders, the first 6 MiB (two parts), the others small. */
function folderFiles(): { name: string; bytes: Buffer }[] {
  const files = [{ name: "holiday/video/clip.bin", bytes: testBytes(6 * MIB) }];
  for (let i = 1; i <= 17; i++) {
    const day = i <= 9 ? "day1" : "day2";
    files.push({ name: `holiday/${day}/photo-${String(i).padStart(2, "0")}.jpg`, bytes: testBytes(1000 + i * 137) });
  }
  files.push({ name: `holiday/${HOSTILE}`, bytes: Buffer.from("only text\n") });
  files.push({ name: "holiday/Caf\u00e9 notes \u2013 r\u00e9sum\u00e9.txt", bytes: Buffer.from("notes\n") });
  return files;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("the web page: shares of several files", function () {
  this.timeout(240000);
  const fx = usePage({
    env: {
      FILESHARE_AUTH: "none",
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
      FILESHARE_MAX_FILE_SIZE_BYTES: String(8 * MIB),
      FILESHARE_MAX_SHARE_SIZE_BYTES: String(8 * MIB),
      FILESHARE_MAX_FILES_PER_SHARE: "20",
    },
  });
  let root: string;
  let folder: string;
  const files = folderFiles();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "fileshare-page-shares-"));
    folder = join(root, "holiday");
    for (const f of files) {
      await mkdir(dirname(join(root, f.name)), { recursive: true });
      await writeFile(join(root, f.name), f.bytes);
    }
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** The file number an S3 PUT (a single PUT, or a part) is for: the last segment of uploads/<key name>/<n>. */
  const fileOf = (r: Request) =>
    r.method() === "PUT" && /\/uploads\/[^/]+\/\d+$/.test(new URL(r.url()).pathname)
      ? Number(new URL(r.url()).pathname.split("/").pop())
      : undefined;
  const created = (page: Page) =>
    page
      .waitForResponse((r) => r.url() === `${fx.server.apiUrl}shares` && r.request().method() === "POST")
      .then(async (r) => (await r.json()) as { id: string; files: { file: number; method: string }[] });

  it("shares a folder of 20 files (one in parts) with a title, lists them as text, and Download all saves each byte for byte for one counted download", async () => {
    const page = await fx.newPage();
    await page.goto(fx.server.pageUrl);
    await page.waitForSelector("#upload-view:not([hidden])");
    await page.setInputFiles("#folder-input", folder);
    assert.match(await fx.text(page, "#file-summary"), /^20 files · 6\.\d MB \([\d,]+ bytes\) in all$/);
    assert.equal(await page.locator("#chosen-files li").count(), 20);
    await page.fill("#share-title", "Holiday <b>2026</b>");
    await page.fill("#max-downloads", "3");
    await fx.shot(page, "shares-01-folder-chosen");
    const share = created(page);
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])", { timeout: 120000 });
    const { id, files: plan } = await share;
    assert.deepEqual(
      plan.filter((f) => f.method === "MULTIPART").length,
      1,
      "the 6 MiB file goes in parts, the others in one PUT",
    );
    assert.equal(await page.locator('#progress-files li[data-state="sent"]').count(), 20, "every file says sent");
    assert.match(await fx.text(page, "#result-details"), /^20 files, 6\.\d MB in all\. Expires/);
    assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing left to resume");

    // The link, as the person it was sent to sees it.
    const viewer = await fx.newPage();
    assert.equal(await fx.openLink(viewer, await page.inputValue("#share-link")), "available");
    assert.equal(await fx.text(viewer, "#file-title"), "20 files were shared with you");
    assert.equal(await fx.text(viewer, "#file-share-title"), "Holiday <b>2026</b>");
    assert.equal(await viewer.locator("#share-files-list li").count(), 20);
    const names = await viewer.$$eval("#share-files-list .share-file-name", (all) => all.map((p) => p.textContent));
    assert.deepEqual([...names].sort(), files.map((f) => f.name).sort(), "each name with its folder, as text");
    assert.equal(await viewer.locator("#file-view img, #file-view b").count(), 0, "no name became HTML");
    assert.equal(await fx.text(viewer, "#download-button"), "Download all (20 files)");
    await fx.shot(viewer, "shares-02-share-view-desktop");
    await viewer.setViewportSize({ width: 390, height: 844 });
    await fx.shot(viewer, "shares-03-share-view-phone");
    await viewer.setViewportSize({ width: 1000, height: 800 });

    const downloads: Download[] = [];
    viewer.on("download", (d) => downloads.push(d));
    await viewer.click("#download-button");
    await waitFor(() => downloads.length === 20, { timeoutMs: 120000, what: "20 downloads to start" });
    const saved = new Map<string, string>();
    for (const d of downloads) saved.set(d.suggestedFilename(), sha(await readFile((await d.path()) as string)));
    // A browser makes no folders: Chromium saves "holiday/day1/photo-01.jpg" as holiday_day1_photo-01.jpg (and
    // the hostile name's < and > as _ too).
    // Each file under its own name, byte for byte.
    assert.deepEqual(
      [...saved.entries()].sort(),
      files.map((f) => [f.name.replace(/[/<>]/g, "_"), sha(f.bytes)] as [string, string]).sort(),
    );
    const info = await fx.apiInfo(id);
    assert.equal(info.body.downloadsRemaining, 2, "Download all of 20 files counted one download");
    assert.match(await fx.text(viewer, "#file-left"), /^2 of 3$/);
    assert.match(await fx.text(viewer, "#status"), /20 files has started: your browser saves them one after another/);

    // One file alone: its own counted download.
    const one = viewer.waitForEvent("download");
    await viewer.click('#share-files-list li:has-text("photo-03.jpg") button');
    const single = await one;
    assert.equal(single.suggestedFilename(), "holiday_day1_photo-03.jpg");
    assert.equal(sha(await readFile((await single.path()) as string)), sha(files[3]!.bytes));
    assert.equal((await fx.apiInfo(id)).body.downloadsRemaining, 1);
  });

  it("after a reload in the middle, resumes the share when the same folder is chosen again and sends only the files that did not finish", async () => {
    const page = await fx.newPage();
    const sent: number[] = [];
    page.on("requestfinished", (r) => {
      const n = fileOf(r);
      if (n !== undefined) sent.push(n);
    });
    // The first visit's PUTs to S3 after the eighth are held: those files never finish.
    // (Still held when the page reloads, which cancels them: unrouting first would let them through.)
    const PASSED = 8;
    let passed = 0;
    let holding = true;
    await page.route(/\/uploads\/[^/]+\/\d+(\?|$)/, async (route) => {
      if (!holding || route.request().method() !== "PUT" || passed++ < PASSED) return route.continue();
      // held: no answer until the page goes away
    });
    await page.goto(fx.server.pageUrl);
    await page.setInputFiles("#folder-input", folder);
    await page.fill("#share-title", "Resumed");
    const share = created(page);
    await page.click("#upload-button");
    const { id, files: plan } = await share;
    await waitFor(() => sent.length === PASSED, { timeoutMs: 60000, what: `${PASSED} PUTs to reach S3` });
    // Finished: each single PUT that went through, and the file in parts if both its parts did.
    const inParts = plan.find((f) => f.method === "MULTIPART")!.file;
    const finished = new Set(sent.filter((n) => n !== inParts || sent.filter((m) => m === inParts).length === 2));
    await waitFor(
      async () =>
        (await page.evaluate(() => JSON.parse(localStorage.getItem(localStorage.key(0)!)!).done.length)) ===
        finished.size,
      { what: `the page to save that ${finished.size} files are sent` },
    );
    await fx.shot(page, "shares-04-held-midway");

    sent.length = 0;
    await page.reload();
    holding = false;
    await page.waitForSelector("#resume-offer");
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem(localStorage.key(0)!)!).done as number[]);
    assert.deepEqual([...before].sort(), [...finished].sort(), "the page kept exactly the finished files");
    assert.match(
      await fx.text(page, "#resume-offer"),
      new RegExp(`The share “Resumed” did not finish: ${before.length} of 20 files are sent`),
    );
    await page.setInputFiles("#folder-input", folder);
    assert.equal(await fx.text(page, "#upload-button"), "Resume upload");
    assert.ok(await page.isDisabled("#share-title"), "a resumed share keeps its title");
    await fx.shot(page, "shares-05-resume-offered");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])", { timeout: 120000 });
    assert.equal(await page.inputValue("#share-link"), `${fx.server.apiUrl}files/${id}`);
    const again = new Set(sent);
    assert.deepEqual(
      before.filter((n) => again.has(n)),
      [],
      `no finished file was sent again (before: ${before}, after: ${[...again]})`,
    );
    assert.equal(before.length + again.size, 20, "the others were all sent");
    const info = await fx.apiInfo(id);
    assert.equal(info.body.status, "available");
    assert.equal(info.body.fileCount, 20);
  });

  it("names the file and the limit before anything is sent: too many files, a repeated name, a file or a share too large", async () => {
    const page = await fx.newPage();
    let posted = 0;
    page.on("request", (r) => r.url() === `${fx.server.apiUrl}shares` && posted++);
    await page.goto(fx.server.pageUrl);
    await page.waitForSelector("#upload-view:not([hidden])");
    assert.match(await fx.text(page, "#share-hint"), /up to 20 files, 8\.4 MB in all/);
    const small = (name: string) => ({ name, mimeType: "text/plain", buffer: Buffer.from(name) });

    await page.setInputFiles(
      "#file-input",
      Array.from({ length: 21 }, (_, i) => small(`f${i}.txt`)),
    );
    await page.click("#upload-button");
    assert.equal(
      await fx.text(page, "#file-input-error"),
      "You chose 21 files; this server takes up to 20 in one share. Share the rest with another link.",
    );

    await page.evaluate(() => {
      // Two names that differ only in case (a drop from two folders could bring them); set as a picked list.
      const transfer = new DataTransfer();
      transfer.items.add(new File(["a"], "Photo.JPG", { type: "image/jpeg" }));
      transfer.items.add(new File(["b"], "photo.jpg", { type: "image/jpeg" }));
      const zone = document.getElementById("drop-zone") as HTMLElement;
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    assert.equal(
      await fx.text(page, "#file-input-error"),
      // The page lists (and checks) the files in name order, so the small letters come first here.
      "“Photo.JPG” has the same name as “photo.jpg” (capitals and small letters count as the same). Rename it and choose the files again.",
    );

    await page.setInputFiles("#file-input", [
      small("fine.txt"),
      { name: "huge.bin", mimeType: "application/octet-stream", buffer: testBytes(8 * MIB + 1) },
    ]);
    assert.match(
      await fx.text(page, "#file-input-error"),
      /^“huge\.bin” is 8\.4 MB \(8,388,609 bytes\); this server takes files of up to 8\.4 MB \(8,388,608 bytes\)\./,
    );

    const half = (name: string) => ({ name, mimeType: "application/octet-stream", buffer: testBytes(4.5 * MIB) });
    await page.setInputFiles("#file-input", [half("a.bin"), half("b.bin")]);
    assert.equal(
      await fx.text(page, "#file-input-error"),
      "These 2 files come to 9.4 MB; this server takes up to 8.4 MB in one share. Leave some out and share them with another link.",
    );
    await fx.shot(page, "shares-06-share-too-large");
    await page.click("#upload-button");
    assert.equal(posted, 0, "nothing was sent");
  });
});

describe("the web page: My files with shares of several files (sign-in)", function () {
  this.timeout(120000);
  const fx = usePage({ env: { FILESHARE_AUTH: "cognito", FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "true" } });

  it("shows a share's title, its file count and total size", async () => {
    const page = await fx.newPage();
    await page.goto(fx.server.pageUrl);
    await fx.signIn(page, "erin@example.com");
    await page.setInputFiles("#file-input", [
      { name: "one.txt", mimeType: "text/plain", buffer: Buffer.alloc(1500, 1) },
      { name: "two.txt", mimeType: "text/plain", buffer: Buffer.alloc(2500, 2) },
      { name: "three.txt", mimeType: "text/plain", buffer: Buffer.alloc(1000, 3) },
    ]);
    await page.fill("#share-title", "Three notes");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    const id = (await page.inputValue("#share-link")).split("/").pop() as string;
    const row = `#my-files-list li[data-id="${id}"]`;
    await page.waitForSelector(row);
    assert.equal(await fx.text(page, `${row} a`), "Three notes");
    assert.match(await fx.text(page, `${row} .hint`), /^3 files, 5\.0 kB in all\. Expires/);
    await fx.shot(page, "shares-07-my-files");
  });
});
