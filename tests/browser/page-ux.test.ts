// The page's first-hour details, in headless Chromium against a stack with sign-in: errors
// beside their field and in view on a phone, the progress line (Preparing, then speed and time left), the link's
// QR code (decoded from the pixels on screen with jsQR), protections and Copy link in My files, the options locked
// during an upload and for a resumed one, and Sign out from a share page returning to that share.
// Screenshots (desktop and phone) go to <os temp>/fileshare-pageux-screenshots/.
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsQR from "jsqr";
import { Page, Request } from "playwright-core";
import { share, tokenFor } from "../auth/support";
import { testBytes } from "../local/http";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";

const SHOTS = join(tmpdir(), "fileshare-pageux-screenshots");
const MIB = 1024 * 1024;
const PHONE = { width: 390, height: 844 };

describe("the web page: errors, progress, QR code, My files, resume and sign-out", function () {
  this.timeout(120000);
  const fx = usePage({
    env: {
      FILESHARE_AUTH: "cognito",
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    },
    screenshots: SHOTS,
  });
  const { newPage, text, shot, signIn, activeId } = fx;

  before(() => mkdir(SHOTS, { recursive: true }));
  after(() => rm(join(SHOTS, "resume.bin"), { force: true }));

  /** The text of the QR code in `selector` as a phone camera would see it: the element's pixels on screen,
   *  decoded by jsQR (in Node) after a blank page (no CSP) turned the screenshot into RGBA. */
  async function decodeQr(page: Page, selector: string): Promise<string | undefined> {
    const png = await page.locator(selector).screenshot();
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

  /** Where `selector` is on the screen (viewport coordinates), failing when it has no box. */
  async function box(page: Page, selector: string) {
    const found = await page.locator(selector).boundingBox();
    assert.ok(found, `${selector} has no box on the screen`);
    return found;
  }

  it("on a phone (390x844), shows a too-short password's error beside the field, in view, announced, with focus on the field", async () => {
    const page = await newPage(PHONE);
    await page.goto(fx.server.pageUrl);
    await signIn(page, "pat@example.com");

    // No file yet: the error sits beside the file field.
    await page.click("#upload-button");
    await page.waitForSelector("#file-input-error:not([hidden])");
    assert.equal(await text(page, "#file-input-error"), "Choose a file first.");

    await page.setInputFiles("#file-input", { name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("a") });
    await page.fill("#share-password", "short");
    await page.click("#upload-button");
    await page.waitForSelector("#share-password-error:not([hidden])");
    assert.match(await text(page, "#share-password-error"), /password must be 8 to 128 characters/);
    assert.ok(await page.isHidden("#file-input-error"), "the file's error went once a file was chosen");
    assert.equal(await page.getAttribute("#share-password-error", "role"), "alert", "announced");
    assert.equal(await page.getAttribute("#share-password", "aria-invalid"), "true");
    assert.match((await page.getAttribute("#share-password", "aria-describedby")) ?? "", /share-password-error/);
    assert.equal(await activeId(page), "share-password");
    const error = await box(page, "#share-password-error");
    const field = await box(page, "#share-password");
    assert.ok(
      error.y >= 0 && error.y + error.height <= PHONE.height,
      `the error is on the screen: y=${error.y}, height ${error.height}`,
    );
    assert.ok(error.y - (field.y + field.height) < 80, `the error is beside its field: ${error.y} vs ${field.y}`);
    assert.ok(field.y >= 0, "the field is on the screen too");
    await page.screenshot({ path: join(SHOTS, "phone-password-error.png") });
    assert.equal(await page.locator("#result").isHidden(), true, "nothing was shared");

    // A field further up the form: its error comes into view too.
    await page.fill("#share-password", "");
    await page.fill("#max-downloads", "100000");
    await page.click("#upload-button");
    await page.waitForSelector("#max-downloads-error:not([hidden])");
    const limit = await box(page, "#max-downloads-error");
    assert.ok(limit.y >= 0 && limit.y + limit.height <= PHONE.height, `the limit error is on the screen: ${limit.y}`);
  });

  it("says Preparing while it hashes, then shows speed and time left, with every field (recipients too) disabled during the upload", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await signIn(page, "quinn@example.com");
    const texts: string[] = [];
    await page.exposeFunction("recordProgressText", (t: string) => texts.push(t));
    await page.evaluate(() => {
      const line = document.getElementById("progress-text")!;
      const w = window as unknown as { recordProgressText: (t: string) => void };
      new MutationObserver(() => w.recordProgressText(line.textContent ?? "")).observe(line, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.setInputFiles("#file-input", {
      name: "slow.bin",
      mimeType: "application/octet-stream",
      buffer: testBytes(MIB + MIB / 2),
    });
    await page.fill("#share-recipients", "bob@example.com");
    const cdp = await fx.context.newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 384 * 1024,
    });
    await page.click("#upload-button");
    await page.waitForSelector("#progress-box:not([hidden])");
    const enabled = await page.$$eval(
      "#upload-form input, #upload-form select, #upload-form textarea, #upload-form button",
      (all) => all.filter((el) => !(el as HTMLInputElement).disabled).map((el) => el.id),
    );
    assert.deepEqual(enabled, [], "fields left enabled during the upload");
    await page.waitForFunction(() => / left$/.test(document.getElementById("progress-text")!.textContent!));
    await shot(page, "progress-speed");
    await page.waitForSelector("#result:not([hidden])", { timeout: 90000 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    assert.equal(texts[0], "Preparing (checking the file)\u2026", texts.join("\n"));
    assert.ok(!texts.some((t) => /^0 bytes of/.test(t)), `no "0 bytes (0%)" while hashing: ${texts.join("\n")}`);
    assert.ok(
      texts.some((t) => /^[\d.]+ (kB|MB) of 1\.6 MB \(\d+%\) · [\d.]+ (kB|MB)\/s · about \d+ (s|min) left$/.test(t)),
      `speed and time left shown: ${texts.join("\n")}`,
    );
    assert.match(texts[texts.length - 1]!, /^1\.6 MB of 1\.6 MB \(100%\)$/);
  });

  it("shows a password and recipients share's protections and its QR code in the result, and in My files with Copy link (desktop and phone)", async () => {
    const page = await newPage();
    await fx.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: new URL(fx.server.pageUrl).origin,
    });
    await page.goto(fx.server.pageUrl);
    await signIn(page, "alice@example.com");
    await page.setInputFiles("#file-input", {
      name: "plans.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("the plans\n"),
    });
    await page.fill("#share-password", "correct horse");
    await page.fill("#share-recipients", "bob@example.com, Carol@Example.com");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    const shareUrl = await page.inputValue("#share-link");
    const protection = await text(page, "#result-protection");
    assert.match(protection, /Protected by a password/);
    assert.match(protection, /Only for bob@example\.com, Carol@Example\.com: they sign in/);
    assert.equal(await decodeQr(page, "#share-qr-code svg"), shareUrl, "the QR code holds the share link");

    const id = shareUrl.split("/").pop()!;
    const row = `#my-files-list li[data-id="${id}"]`;
    await page.waitForSelector(row);
    const rowText = await text(page, row);
    assert.match(rowText, /Password-protected/);
    assert.match(rowText, /only for bob@example\.com, carol@example\.com/);
    await page.evaluate(() => navigator.clipboard.writeText("something else"));
    await page.click(`${row} button:text-is("Copy link")`);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shareUrl);
    assert.equal(await text(page, "#status"), "Link copied to the clipboard.");
    await shot(page, "desktop-result-and-my-files");

    await page.setViewportSize(PHONE);
    assert.equal(await decodeQr(page, "#share-qr-code svg"), shareUrl, "the QR code decodes on a phone too");
    await shot(page, "phone-result-and-my-files");
  });

  it("locks a resumed upload's options and shows the share's real limit, expiry and protections, before and after", async () => {
    const file = join(SHOTS, "resume.bin");
    await writeFile(file, testBytes(16 * MIB)); // parts 1-3 of 5 MiB, part 4 of 1 MiB
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await signIn(page, "rita@example.com");
    const partOf = (r: Request) =>
      r.method() === "PUT" && r.url().includes("uploadId=") ? new URL(r.url()).searchParams.get("partNumber") : null;
    const sent: string[] = [];
    page.on("requestfinished", (r) => partOf(r) && sent.push(partOf(r)!));
    // Parts 3 and 4 never get their URL in the first visit: their POST /uploads/{id}/parts is held.
    await page.route(/\/uploads\/[^/]+\/parts$/, async (route) => {
      const body = route.request().postDataJSON() as { parts: { partNumber: number }[] } | null;
      if (route.request().method() === "POST" && (body?.parts[0]?.partNumber ?? 0) >= 3) return; // held
      await route.continue();
    });
    await page.setInputFiles("#file-input", file);
    await page.fill("#max-downloads", "3");
    await page.fill("#share-password", "correct horse");
    await page.fill("#share-recipients", "bob@example.com");
    await page.click("#upload-button");
    await waitFor(() => sent.length === 2, { timeoutMs: 60000, what: "parts 1 and 2 to be sent" });
    await waitFor(
      () =>
        page.evaluate(() => {
          const key = Object.keys(localStorage).find((k) => k.startsWith("fileshare:upload:"));
          return key !== undefined && Object.keys(JSON.parse(localStorage.getItem(key)!).etags).length === 2;
        }),
      { what: "the page to save the finished parts" },
    );
    await page.unroute(/\/uploads\/[^/]+\/parts$/);
    await page.reload();
    await page.waitForSelector("#resume-offer");
    await page.waitForSelector("#account-email:not([hidden])"); // still signed in (this tab's session)

    // The form now offers other settings: a resumed share cannot take them, and says what it has.
    await page.setInputFiles("#file-input", file);
    await page.waitForFunction(() => /Downloads left/.test(document.getElementById("resume-settings")!.textContent!));
    const settings = await text(page, "#resume-settings");
    assert.match(settings, /Downloads left: 3 of 3\./);
    assert.match(settings, /Expires .*\(in (1 hour|59 minutes)\)/);
    assert.match(settings, /Protected by a password/);
    assert.match(settings, /Only for bob@example\.com/);
    for (const id of ["expiry", "max-downloads", "share-password", "share-recipients"]) {
      assert.ok(await page.isDisabled(`#${id}`), `#${id} is locked for a resumed share`);
    }
    assert.ok(await page.isEnabled("#upload-button"));
    assert.ok(await page.isEnabled("#file-input"));
    await shot(page, "resume-settings");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])", { timeout: 60000 });
    assert.match(await text(page, "#result-details"), /Downloads left: 3 of 3\./);
    assert.match(await text(page, "#result-protection"), /Protected by a password.*Only for bob@example\.com/);
    await shot(page, "resume-result");
  });

  it("returns to the share page after Sign out from it", async () => {
    const token = await tokenFor(fx.server, "sam@example.com");
    const created = await share(fx.server, token, { fileName: "notes.txt" });
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await signIn(page, "sam@example.com");
    assert.equal(await fx.openLink(page, created.shareUrl), "available");
    const visited: string[] = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && visited.push(frame.url()));
    await page.click("#sign-out-button");
    const path = new URL(created.shareUrl).pathname;
    // Through the sign-in service's logout and the page's root (its registered logout URI), back to the share.
    await waitFor(() => visited.length >= 2 && new URL(visited[visited.length - 1]!).pathname === path, {
      timeoutMs: 20000,
      what: `a return to the share after sign-out (visited: ${visited.join(", ")})`,
    });
    assert.ok(
      visited.some((url) => url === fx.server.pageUrl),
      `the sign-out went by the page's root: ${visited.join(", ")}`,
    );
    await page.waitForSelector('#file-view[data-state="available"]');
    await page.waitForSelector("#sign-in-button:not([hidden])");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("fileshare.session")), null, "signed out");
    assert.equal(await text(page, "#file-name"), "notes.txt");
  });
});
