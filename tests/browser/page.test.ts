// The web page in a real browser (Debian's headless Chromium driven by playwright-core) against the local mode,
// started in-process with startLocal() so a test can move the handlers' clock (deps.now) to reach expiry.
// Every page state is saved as a screenshot under test-output/screenshots/ for a person to look at.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Browser, BrowserContext, chromium, ConsoleMessage, Page } from "playwright-core";
import { headObject } from "../../handlers/objects";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { eventually, shareWithFetch, testBytes } from "../local/http";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** The flags FACTS.md found to work headless on these machines. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOTS = join(__dirname, "..", "..", "test-output", "screenshots");

describe("the web page in headless Chromium", function () {
  this.timeout(60000);
  let server: LocalServer;
  let browser: Browser;
  let context: BrowserContext;
  /** Console errors and page errors (a CSP violation shows up here), per page. */
  let problems: string[];

  const realNow = () => new Date();

  async function newPage(viewport = { width: 1000, height: 800 }): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("console", (m: ConsoleMessage) => {
      // The API's 4xx answers are expected in some states; Chromium logs each one as a failed load.
      const expected = /^Failed to load resource: the server responded with a status of (400|404|409|410|413|415) /;
      if (m.type() === "error" && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    return page;
  }

  async function text(page: Page, selector: string): Promise<string> {
    return (await page.textContent(selector)) ?? "";
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** Opens a share link as a person would (the browser asks for HTML) and waits for the view to settle. */
  async function openLink(page: Page, url: string): Promise<string> {
    await page.goto(url);
    await page.waitForSelector("#file-view[data-state]");
    return (await page.getAttribute("#file-view", "data-state")) as string;
  }

  /** WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)" / "rgba(...)"). */
  function contrast(a: string, b: string): number {
    const luminance = (css: string) => {
      const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
        const c = Number(v) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  }

  /** The focused element's id, outline colour and the background its outline is drawn on (the nearest opaque
   *  background of its ancestors: the ring sits outside the element, at outline-offset). */
  async function focusRing(page: Page): Promise<{ id: string; style: string; ring: string; behind: string }> {
    return page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      let node = el.parentElement;
      let behind = "rgb(255, 255, 255)";
      while (node) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg !== "transparent" && !/rgba\(.*, 0\)$/.test(bg)) {
          behind = bg;
          break;
        }
        node = node.parentElement;
      }
      const style = getComputedStyle(el);
      return { id: el.id, style: style.outlineStyle, ring: style.outlineColor, behind };
    });
  }

  const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");

  async function apiInfo(id: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(new URL(`files/${id}`, server.apiUrl), { headers: { Accept: "application/json" } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    }
    await mkdir(SCREENSHOTS, { recursive: true });
    // The dev stack's settings, whatever the environment says.
    const settings = await loadSettings({});
    server = await startLocal({ port: 0, settings });
    // playwright's launch() gives every run a fresh temporary profile (user-data-dir) and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    problems = [];
    context = await browser.newContext({ acceptDownloads: true, locale: "en-US", timezoneId: "UTC" });
    server.backends.deps.now = realNow;
  });

  afterEach(async function () {
    await context.close();
    server.backends.deps.now = realNow;
    assert.deepEqual(problems, [], "the page logged errors (a CSP violation would show here)");
  });

  it("shares a file: picks it, shows progress up to 100%, gives a share link; the link shows and downloads it", async () => {
    const bytes = testBytes(3 * 1024 * 1024 + 17);
    const name = "Été – résumé 📄.pdf";
    const page = await newPage();
    await page.goto(server.pageUrl);
    await page.waitForSelector("#upload-view:not([hidden])");
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
    const cdp = await context.newCDPSession(page);
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
    assert.match(shareUrl, new RegExp(`^${server.apiUrl}files/[A-Za-z0-9_-]{22}$`));
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
    assert.equal((await apiInfo(id)).body["downloads"], 0, "viewing the link consumed a download");

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

    // Back on the sharing page: delete it; the link then says so.
    await page.click("#delete-button");
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
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.pageUrl.slice(0, -1) });
    const page = await newPage();
    await page.goto(server.pageUrl);
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
    await page.goto(server.pageUrl);
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

  it("says when the link has expired", async () => {
    const upload = await shareWithFetch(server.apiUrl, {
      name: "old.txt",
      type: "text/plain",
      bytes: Buffer.from("old"),
      expiresInSeconds: 60,
    });
    // Two minutes later, for the handlers (the browser's clock is not involved).
    server.backends.deps.now = () => new Date(Date.now() + 120_000);
    const page = await newPage();
    assert.equal(await openLink(page, upload.shareUrl), "expired");
    assert.equal(await text(page, "#file-title"), "This link has expired");
    assert.match(await text(page, "#file-message"), /expired at .*Ask the sender for a new link\./);
    assert.ok(await page.isHidden("#download-button"));
    assert.ok(await page.isHidden("#file-details"));
    await shot(page, "09-link-expired");
  });

  it("says when no downloads are left", async () => {
    const upload = await shareWithFetch(server.apiUrl, {
      name: "once.txt",
      type: "text/plain",
      bytes: Buffer.from("once"),
      maxDownloads: 1,
    });
    const grant = await fetch(`${upload.shareUrl}/download`, { method: "POST" });
    assert.equal(grant.status, 200);
    const page = await newPage();
    assert.equal(await openLink(page, upload.shareUrl), "exhausted");
    assert.equal(await text(page, "#file-title"), "No downloads left");
    assert.match(await text(page, "#file-message"), /no downloads left/);
    assert.ok(await page.isHidden("#download-button"));
    await shot(page, "10-link-exhausted");
  });

  it("turns the last download into a clear message when someone else took it first", async () => {
    const upload = await shareWithFetch(server.apiUrl, {
      name: "race.txt",
      type: "text/plain",
      bytes: Buffer.from("race"),
      maxDownloads: 1,
    });
    const page = await newPage();
    assert.equal(await openLink(page, upload.shareUrl), "available");
    assert.equal((await fetch(`${upload.shareUrl}/download`, { method: "POST" })).status, 200);
    await page.click("#download-button");
    await page.waitForSelector('#file-view[data-state="exhausted"]');
    assert.equal(await text(page, "#file-title"), "No downloads left");
  });

  it("says when the link leads nowhere", async () => {
    const page = await newPage();
    assert.equal(await openLink(page, `${server.apiUrl}files/AAAAAAAAAAAAAAAAAAAAAA`), "notfound");
    assert.equal(await text(page, "#file-title"), "File not found");
    await shot(page, "11-link-unknown");
    assert.equal(await openLink(page, `${server.apiUrl}files/truncated-li`), "notfound");
  });

  it("says when the file is not uploaded yet, and shows it once it is", async () => {
    const bytes = Buffer.from("arriving later");
    const upload = await shareWithFetch(
      server.apiUrl,
      { name: "later.txt", type: "text/plain", bytes },
      { put: false },
    );
    const page = await newPage();
    assert.equal(await openLink(page, upload.shareUrl), "pending");
    assert.equal(await text(page, "#file-title"), "Not uploaded yet");
    assert.ok(await page.isHidden("#download-button"));
    assert.ok(await page.isVisible("#recheck-button"));
    await shot(page, "12-link-pending");

    const put = await fetch(upload.uploadUrl, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) });
    assert.equal(put.status, 200);
    await eventually("the upload to be confirmed", async () =>
      (await apiInfo(upload.id)).body["status"] === "available" ? true : undefined,
    );
    await page.click("#recheck-button");
    await page.waitForSelector('#file-view[data-state="available"]');
    assert.equal(await text(page, "#file-name"), "later.txt");
  });

  it("offers only the expiry times the server accepts (its limits are in the page)", async () => {
    const page = await newPage();
    await page.goto(server.pageUrl);
    const limits = JSON.parse((await page.textContent("#limits")) ?? "") as Record<string, number>;
    // The dev stack: shares of at most one day, one hour by default.
    assert.equal(limits["maxShareTtlSeconds"], 86400);
    const options = await page.$$eval("#expiry option", (all) =>
      all.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent ?? "" })),
    );
    assert.deepEqual(options[0], { value: "", label: "Server default (1 hour)" });
    const offered = options.slice(1).map((o) => Number(o.value));
    assert.ok(offered.length >= 2, JSON.stringify(options));
    for (const seconds of offered) assert.ok(seconds >= 60 && seconds <= 86400, `offers ${seconds} s`);
    assert.equal(Math.max(...offered), 86400, "the longest allowed share is offered");
    assert.equal(await page.getAttribute("#max-downloads", "max"), String(limits["maxDownloadsLimit"]));

    // The longest one the page offers is one the server takes.
    await page.setInputFiles("#file-input", { name: "day.txt", mimeType: "text/plain", buffer: Buffer.from("x") });
    await page.selectOption("#expiry", String(Math.max(...offered)));
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    assert.match(await text(page, "#result-details"), /\(in (1 day|24 hours)\)/);
  });

  it("warns early about a file the server will refuse, and still shows the server's own message", async () => {
    const settings = await loadSettings({
      FILESHARE_MAX_FILE_SIZE_BYTES: "1000",
      FILESHARE_ALLOWED_CONTENT_TYPES: "text/plain,image/png",
      FILESHARE_MAX_SHARE_TTL_SECONDS: "7200",
      FILESHARE_MAX_DOWNLOADS_LIMIT: "5",
    });
    const strict = await startLocal({ port: 0, settings });
    try {
      const page = await newPage();
      await page.goto(strict.pageUrl);
      const values = await page.$$eval("#expiry option", (all) => all.map((o) => (o as HTMLOptionElement).value));
      assert.deepEqual(values, ["", "600", "3600", "7200"]);
      assert.equal(await page.getAttribute("#file-input", "accept"), "text/plain,image/png");
      assert.match(await text(page, "#size-hint"), /^Up to 1\.0 kB\.$/);

      await page.setInputFiles("#file-input", { name: "photo.jpg", mimeType: "image/jpeg", buffer: Buffer.from("j") });
      assert.match(await text(page, "#error"), /only files of type text\/plain, image\/png; this one is image\/jpeg/);
      await page.setInputFiles("#file-input", { name: "big.txt", mimeType: "text/plain", buffer: testBytes(1001) });
      assert.match(
        await text(page, "#error"),
        /This file is 1\.0 kB \(1,001 bytes\); this server takes files of up to 1\.0 kB \(1,000 bytes\)/,
      );
      await shot(page, "17-upload-too-large-warning");

      await page.fill("#max-downloads", "6");
      await page.click("#upload-button");
      assert.match(await text(page, "#error"), /download limit must be a whole number from 1 to 5/);
      await page.fill("#max-downloads", "");

      // The server has the last word, in its own words.
      await page.click("#upload-button");
      await page.waitForSelector("#error:text-matches('could not be shared')");
      assert.match(await text(page, "#error"), /^The file could not be shared: .*1000 bytes/);
      assert.equal(await activeId(page), "upload-button", "focus returns to the upload button after an error");
    } finally {
      await strict.close();
    }
  });

  it("shows the API's error message when the server refuses the upload (a page built from stale limits)", async () => {
    const page = await newPage();
    // As if the stack's maximum had been lowered after this page was loaded: the page offers 7 days.
    await page.route(server.pageUrl, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace('"maxShareTtlSeconds":86400', '"maxShareTtlSeconds":604800');
      await route.fulfill({ response, body });
    });
    await page.goto(server.pageUrl);
    await page.setInputFiles("#file-input", { name: "week.txt", mimeType: "text/plain", buffer: Buffer.from("x") });
    await page.selectOption("#expiry", "604800");
    await page.click("#upload-button");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(
      await text(page, "#error"),
      /^The file could not be shared: expiresInSeconds must be an integer from 60 to 86400/,
    );
    assert.ok(await page.isEnabled("#upload-button"), "the form stays usable after an error");
    assert.equal(await activeId(page), "upload-button");
    await shot(page, "13-upload-refused");
  });

  it("cancels while POST /uploads is still on its way: no link, and the share it created is deleted", async () => {
    const page = await newPage();
    await page.goto(server.pageUrl);
    await page.setInputFiles("#file-input", { name: "held.txt", mimeType: "text/plain", buffer: Buffer.from("held") });
    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let answered!: (id: string) => void;
    const createdId = new Promise<string>((resolve) => (answered = resolve));
    await page.route(`${server.apiUrl}uploads`, async (route) => {
      arrived();
      await released;
      const response = await route.fetch();
      answered(((await response.json()) as { id: string }).id);
      await route.fulfill({ response });
    });

    await page.click("#upload-button");
    await requested;
    assert.equal(await activeId(page), "cancel-button", "focus moves to Cancel when the upload starts");
    await page.click("#cancel-button");
    assert.ok(await page.isHidden("#progress-box"));
    assert.match(await text(page, "#status"), /cancelled/);
    assert.equal(await activeId(page), "upload-button", "focus returns to the upload button after Cancel");
    await shot(page, "18-upload-cancelled");

    release();
    const id = await createdId;
    await eventually("the cancelled share to be deleted", async () =>
      (await apiInfo(id)).status === 404 ? true : undefined,
    );
    assert.ok(await page.isHidden("#result"), "a cancelled share shows a link");
    assert.equal(await page.inputValue("#share-link"), "");
    assert.ok(await page.isEnabled("#upload-button"));
  });

  it("cancels in the middle of the PUT: no link, no record, no bytes left in storage", async () => {
    const page = await newPage();
    await page.goto(server.pageUrl);
    await page.setInputFiles("#file-input", {
      name: "slow.bin",
      mimeType: "application/octet-stream",
      buffer: testBytes(2 * 1024 * 1024),
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    const created = page.waitForResponse((r) => r.url() === `${server.apiUrl}uploads`);
    await page.click("#upload-button");
    const id = ((await (await created).json()) as { id: string }).id;
    await page.waitForFunction(() =>
      /\((?:[1-9]|[1-9]\d)%\)/.test(document.getElementById("progress-text")!.textContent!),
    );
    await page.click("#cancel-button");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    assert.equal(await activeId(page), "upload-button");
    await eventually("the cancelled share to be deleted", async () =>
      (await apiInfo(id)).status === 404 ? true : undefined,
    );
    await server.backends.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await headObject(server.backends.deps, `uploads/${id}`), undefined, "bytes left in storage");
    assert.ok(await page.isHidden("#result"));
  });

  it("moves focus to the title when the last download is taken and the button goes away", async () => {
    const upload = await shareWithFetch(server.apiUrl, {
      name: "last.txt",
      type: "text/plain",
      bytes: Buffer.from("last"),
      maxDownloads: 1,
    });
    const page = await newPage();
    assert.equal(await openLink(page, upload.shareUrl), "available");
    await page.focus("#download-button");
    await Promise.all([page.waitForEvent("download"), page.click("#download-button")]);
    await page.waitForSelector("#download-button", { state: "hidden" });
    assert.equal(await activeId(page), "file-title");
    assert.match(await text(page, "#status"), /last download/);
  });

  it("works under an API Gateway stage path (/dev/), as deployed: API calls and share links keep the stage", async () => {
    const staged = await startLocal({ port: 0, settings: await loadSettings({}), stage: "dev" });
    try {
      assert.match(staged.pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/dev\/$/);
      const bytes = testBytes(4096);
      const page = await newPage();
      // API Gateway also serves the stage root without the trailing slash.
      await page.goto(staged.pageUrl.slice(0, -1));
      await page.setInputFiles("#file-input", {
        name: "staged.bin",
        mimeType: "application/octet-stream",
        buffer: bytes,
      });
      await page.click("#upload-button");
      await page.waitForSelector("#result:not([hidden])");
      const shareUrl = await page.inputValue("#share-link");
      assert.match(shareUrl, new RegExp(`^${staged.pageUrl}files/[A-Za-z0-9_-]{22}$`));
      assert.equal(await page.getAttribute("#home-link", "href"), staged.pageUrl);

      assert.equal(await openLink(page, shareUrl), "available");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-button")]);
      assert.ok((await readFile(await download.path())).equals(bytes));
      assert.equal(await page.getAttribute("#own-link", "href"), staged.pageUrl);
    } finally {
      await staged.close();
    }
  });

  it("runs its own inline script and style under a hash-pinned CSP that blocks any other script", async () => {
    const page = await newPage();
    const response = await page.goto(server.pageUrl);
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
      document.body.appendChild(script);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    assert.equal(ran, false, "an injected inline script ran");
    assert.ok(
      problems.some((p) => /Content Security Policy/.test(p)),
      "no CSP violation was reported",
    );
    problems = [];
  });

  it("fits a phone screen without sideways scrolling", async () => {
    const phone = { width: 360, height: 740 };
    const upload = await shareWithFetch(server.apiUrl, {
      name: "a-rather-long-file-name-that-could-overflow-a-small-screen-2026-11-21.tar.gz",
      type: "application/gzip",
      bytes: testBytes(2048),
      maxDownloads: 5,
    });
    const page = await newPage(phone);
    await page.goto(server.pageUrl);
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
