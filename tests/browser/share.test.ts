// Sharing a file from the page and fetching it from its link, with the mouse, the keyboard, under a stage path
// and on a phone screen.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { shareWithFetch, testBytes } from "../local/http";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";

describe("the web page: sharing a file and fetching it", function () {
  this.timeout(60000);
  const fx = usePage();
  const { newPage, text, shot, openLink, contrast, focusRing, activeId, apiInfo } = fx;

  it("shares a file: picks it, shows progress up to 100%, gives a share link; the link shows and downloads it", async () => {
    const bytes = testBytes(3 * 1024 * 1024 + 17);
    const name = "Été – résumé 📄.pdf";
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await page.waitForSelector("#upload-view:not([hidden])");
    // auth none: no sign-in, no "My files", no password or recipients fields; the page as before sign-in existed.
    for (const part of ["#account", "#my-files", "#restrict-fields", "#sign-in-needed"]) {
      assert.ok(await page.isHidden(part), `${part} shows on a stack without sign-in`);
    }
    await shot(page, "01-upload-empty");

    await page.setInputFiles("#file-input", { name, mimeType: "application/pdf", buffer: bytes });
    await page.fill("#max-downloads", "2");
    assert.match(await text(page, "#file-summary"), /Été – résumé 📄\.pdf · 3\.1 MB \(3,145,745 bytes\)/);
    await shot(page, "02-upload-file-chosen");

    // Record every progress text the page shows; slow the upload down so the bar is seen moving.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      const target = document.getElementById("progress-text") as HTMLElement;
      new MutationObserver(() => seen.push(target.textContent ?? "")).observe(target, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    const cdp = await fx.context.newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 2 * 1024 * 1024,
    });
    await page.click("#upload-button");
    // Bounded by the test timeout; also ends if the upload finished before a frame showed it moving.
    const midway = await page.waitForFunction(() =>
      /\((?:[1-9]|[1-9]\d)%\)/.test(document.getElementById("progress-text")!.textContent!)
        ? "midway"
        : !document.getElementById("result")!.hidden
          ? "done"
          : false,
    );
    if ((await midway.jsonValue()) === "midway") await shot(page, "03-uploading");
    await page.waitForSelector("#result:not([hidden])");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const progress = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    assert.ok(
      progress.some((t) => /\((?:[1-9]|[1-9]\d)%\)/.test(t)),
      `no intermediate progress: ${progress.join(" | ")}`,
    );
    assert.match(progress[progress.length - 1] as string, /^3\.1 MB of 3\.1 MB \(100%\)$/);
    assert.equal(await page.getAttribute("#progress", "value"), "100");

    const shareUrl = await page.inputValue("#share-link");
    assert.match(shareUrl, new RegExp(`^${fx.server.apiUrl}files/[A-Za-z0-9_-]{22}$`));
    assert.match(await text(page, "#result-details"), /Downloads left: 2 of 2\./);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "result-title", "focus moves to the result");
    await shot(page, "04-upload-done-link");
    const id = shareUrl.split("/").pop() as string;

    // The share link, in a new page: details shown, and looking did not consume a download.
    const viewer = await newPage();
    assert.equal(await openLink(viewer, shareUrl), "available");
    assert.equal(await text(viewer, "#file-name"), name);
    assert.equal(await text(viewer, "#file-size"), "3.1 MB (3,145,745 bytes)");
    assert.equal(await text(viewer, "#file-left"), "2 of 2");
    assert.equal(await text(viewer, "#file-title"), "A file was shared with you");
    assert.match(await text(viewer, "#file-expires"), /\(in (\d+ minutes|1 hour|\d+ hours)\)$/);
    await shot(viewer, "05-link-available");
    const info = (await apiInfo(id)).body;
    assert.equal(info["downloads"], 0, "viewing the link consumed a download");
    // A file that goes up in one PUT carries its SHA-256, signed into the URL, so downloaders can check it.
    assert.equal(info["sha256"], createHash("sha256").update(bytes).digest("base64"));

    const [download] = await Promise.all([viewer.waitForEvent("download"), viewer.click("#download-button")]);
    assert.equal(download.suggestedFilename(), name);
    const saved = await download.path();
    assert.ok((await readFile(saved)).equals(bytes), "the downloaded bytes differ from the uploaded file");
    await viewer.waitForSelector("#download-fallback:not([hidden])");
    assert.equal(await text(viewer, "#file-left"), "1 of 2");
    assert.match(await text(viewer, "#status"), /download of .* has started/);
    assert.equal(await activeId(viewer), "download-button", "focus stays on Download while downloads remain");
    await shot(viewer, "06-link-downloaded");
    assert.equal((await apiInfo(id)).body["downloads"], 1);

    // Back on the sharing page: "Delete file now" asks first, naming the file; No keeps it.
    const declined = fx.answerDialog(page, "dismiss");
    await page.click("#delete-button");
    assert.deepEqual(await declined, {
      type: "confirm",
      message: `Delete \u201C${name}\u201D? Its link stops working for everyone, and this cannot be undone.`,
    });
    assert.equal((await apiInfo(id)).status, 200, "declining deleted the share");
    assert.ok(await page.isEnabled("#delete-button"), "the button works again after No");
    // Yes deletes it; the link then says so.
    const accepted = fx.answerDialog(page, "accept");
    await page.click("#delete-button");
    assert.equal((await accepted).type, "confirm");
    await page.waitForFunction(() => document.getElementById("result-title")!.textContent === "File deleted");
    assert.match(await text(page, "#status"), /deleted/);
    assert.ok(await page.isHidden("#share-link"), "a deleted file's link is still offered");
    await shot(page, "07-upload-deleted");
    await page.click("#again-button");
    await page.waitForSelector("#upload-form:not([hidden])");
    assert.equal(await text(page, "#file-summary"), "");
    assert.ok(await page.isEnabled("#upload-button"));
    assert.equal(await page.evaluate(() => document.activeElement?.id), "file-input");
    assert.equal(await openLink(viewer, shareUrl), "notfound");
  });

  it("takes a file dropped on the drop zone, and copies the link with the Copy button", async () => {
    await fx.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: fx.server.pageUrl.slice(0, -1),
    });
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    // The drop zone listens once the page has read GET /config and shown the upload view; a drop before that is
    // lost (as it would be for a person), so wait for the view, as a person would.
    await page.waitForSelector("#upload-view:not([hidden])");
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
      const zone = document.getElementById("drop-zone") as HTMLElement;
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    assert.equal(await text(page, "#file-summary"), "dropped.txt · 13 bytes");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    await page.click("#copy-button");
    await page.waitForFunction(() => /copied/i.test(document.getElementById("status")!.textContent!));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.inputValue("#share-link"));
  });

  it("can be used with the keyboard, with a visible focus", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    // The form is hidden until the page has read GET /config; on a slow machine a Tab before that passes it by.
    await page.waitForSelector("#upload-view:not([hidden])");
    await page.keyboard.press("Tab"); // skip link
    await page.keyboard.press("Tab"); // home link
    await page.keyboard.press("Tab"); // the file input
    assert.equal(await page.evaluate(() => document.activeElement?.id), "file-input");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.equal(outline, "solid", "the focused control shows no focus ring");
    await shot(page, "08-keyboard-focus");
    // WCAG 1.4.11: the ring must stand out 3:1 from what it is drawn on, on the panel and on the page, light and dark.
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.focus("#file-input");
      if (scheme === "dark") await shot(page, "08-keyboard-focus-dark");
      for (let i = 0; i < 3; i++) {
        const ring = await focusRing(page);
        assert.equal(ring.style, "solid", `${scheme}: #${ring.id} shows no focus ring`);
        const ratio = contrast(ring.ring, ring.behind);
        assert.ok(
          ratio >= 3,
          `${scheme}: the focus ring of #${ring.id} (${ring.ring} on ${ring.behind}) is ${ratio.toFixed(2)}:1`,
        );
        await page.keyboard.press("Tab");
      }
    }
    await page.emulateMedia({ colorScheme: "light" });
    // The native file dialog is the browser's, not the page's; choose the file the way the dialog would.
    await page.setInputFiles("#file-input", { name: "keys.txt", mimeType: "text/plain", buffer: Buffer.from("typed") });
    await page.focus("#file-input");
    await page.keyboard.press("Tab"); // expiry
    await page.keyboard.press("Tab"); // download limit
    await page.keyboard.type("3");
    await page.keyboard.press("Tab"); // the submit button
    assert.equal(await page.evaluate(() => document.activeElement?.id), "upload-button");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#result:not([hidden])");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "share-link");
    assert.match(await text(page, "#result-details"), /Downloads left: 3 of 3\./);
  });

  it("runs its own inline script and style under a hash-pinned CSP that blocks any other script", async () => {
    const page = await newPage();
    const response = await page.goto(fx.server.pageUrl);
    const csp = response?.headers()["content-security-policy"] ?? "";
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    // The page's own script ran (it shows the upload view) and its style applied (the drop zone is dashed).
    await page.waitForSelector("#upload-view:not([hidden])");
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.getElementById("drop-zone")!).borderStyle),
      "dashed",
    );
    // Anything injected does not.
    const ran = await page.evaluate(async () => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true;";
      // An allowed inline script runs as it is inserted: if it has not run now, it never will.
      document.body.appendChild(script);
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    assert.equal(ran, false, "an injected inline script does not run");
    await waitFor(() => fx.problems.some((p) => /Content Security Policy/.test(p)), {
      what: "the browser to report the blocked script as a CSP violation",
    });
    fx.problems = [];
  });

  it("fits a phone screen without sideways scrolling", async () => {
    const phone = { width: 360, height: 740 };
    const upload = await shareWithFetch(fx.server.apiUrl, {
      name: "a-rather-long-file-name-that-could-overflow-a-small-screen-2026-11-21.tar.gz",
      type: "application/gzip",
      bytes: testBytes(2048),
      maxDownloads: 5,
    });
    const page = await newPage(phone);
    await page.goto(fx.server.pageUrl);
    await page.setInputFiles("#file-input", {
      name: "holiday-photo.jpg",
      mimeType: "image/jpeg",
      buffer: Buffer.from("jpeg"),
    });
    await shot(page, "14-phone-upload");
    const fits = () => document.documentElement.scrollWidth <= window.innerWidth;
    assert.ok(await page.evaluate(fits), "the upload view scrolls sideways on a phone");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    assert.ok(await page.evaluate(fits), "the result scrolls sideways on a phone");
    await shot(page, "15-phone-upload-done");
    assert.equal(await openLink(page, upload.shareUrl), "available");
    assert.ok(await page.evaluate(fits), "the share view scrolls sideways on a phone");
    await shot(page, "16-phone-link");
  });
});
