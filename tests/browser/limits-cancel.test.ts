// What the page refuses before the server does, the server's own errors, Cancel in each step, and the
// hash-pinned Content-Security-Policy.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { headObject } from "../../handlers/objects";
import { startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { testBytes } from "../local/http";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";
import { fileKeyFor } from "../../handlers/ids";

describe("the web page: limits, errors, Cancel and its CSP", function () {
  this.timeout(60000);
  const fx = usePage();
  const { newPage, text, shot, openLink, activeId, apiInfo } = fx;

  it("offers only the expiry times the server accepts (its limits are in the page)", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
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
      FILESHARE_AUTH: "none",
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
      assert.match(
        await text(page, "#file-input-error"),
        /only files of type text\/plain, image\/png; this one is image\/jpeg/,
      );
      await page.setInputFiles("#file-input", { name: "big.txt", mimeType: "text/plain", buffer: testBytes(1001) });
      assert.match(
        await text(page, "#file-input-error"),
        /This file is 1\.0 kB \(1,001 bytes\); this server takes files of up to 1\.0 kB \(1,000 bytes\)/,
      );
      await shot(page, "17-upload-too-large-warning");

      await page.fill("#max-downloads", "6");
      await page.click("#upload-button");
      assert.match(await text(page, "#max-downloads-error"), /download limit must be a whole number from 1 to 5/);
      await page.fill("#max-downloads", "");

      // The server has the last word, in its own words.
      await page.click("#upload-button");
      await page.waitForSelector("#upload-button-error:text-matches('could not be shared')");
      assert.match(await text(page, "#upload-button-error"), /^The file could not be shared: .*1000 bytes/);
      assert.equal(await activeId(page), "upload-button", "focus returns to the upload button after an error");
    } finally {
      await strict.close();
    }
  });

  it("shows the API's error message when the server refuses the upload (a page built from stale limits)", async () => {
    const page = await newPage();
    // As if the stack's maximum had been lowered after this page was loaded: the page offers 7 days.
    await page.route(fx.server.pageUrl, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace('"maxShareTtlSeconds":86400', '"maxShareTtlSeconds":604800');
      await route.fulfill({ response, body });
    });
    await page.goto(fx.server.pageUrl);
    await page.setInputFiles("#file-input", { name: "week.txt", mimeType: "text/plain", buffer: Buffer.from("x") });
    await page.selectOption("#expiry", "604800");
    await page.click("#upload-button");
    await page.waitForSelector("#upload-button-error:not([hidden])");
    assert.match(
      await text(page, "#upload-button-error"),
      /^The file could not be shared: expiresInSeconds must be an integer from 60 to 86400/,
    );
    assert.ok(await page.isEnabled("#upload-button"), "the form stays usable after an error");
    assert.equal(await activeId(page), "upload-button");
    await shot(page, "13-upload-refused");
  });

  it("shows an error, no link and deletes the share when the bytes change on their way: S3 checks the page's SHA-256", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    const bytes = Buffer.from("the bytes the person chose");
    await page.setInputFiles("#file-input", { name: "chosen.txt", mimeType: "text/plain", buffer: bytes });
    let created!: (id: string) => void;
    const createdId = new Promise<string>((resolve) => (created = resolve));
    await page.route(`${fx.server.apiUrl}uploads`, async (route) => {
      const response = await route.fetch();
      created(((await response.json()) as { id: string }).id);
      await route.fulfill({ response });
    });
    // The same length, one byte different: only the checksum can tell.
    const changed = Buffer.from(bytes);
    changed[0] = changed[0]! ^ 1;
    await page.route(
      (url) => url.searchParams.has("X-Amz-Signature"),
      (route) => (route.request().method() === "PUT" ? route.continue({ postData: changed }) : route.continue()),
    );
    await page.click("#upload-button");
    await page.waitForSelector("#upload-button-error:not([hidden])");
    assert.match(
      await text(page, "#upload-button-error"),
      /400 BadDigest\): the bytes that arrived do not match the file's SHA-256/,
    );
    assert.ok(await page.isHidden("#result"), "a share whose bytes were refused shows a link");
    // Nothing half-made is left behind: the page deletes the share it could not fill.
    const id = await createdId;
    await waitFor(async () => (await apiInfo(id)).status === 404, { what: "the failed share to be deleted" });
    await shot(page, "13b-upload-damaged");
  });

  it("cancels while POST /uploads is still on its way: no link, and the share it created is deleted", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await page.setInputFiles("#file-input", { name: "held.txt", mimeType: "text/plain", buffer: Buffer.from("held") });
    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let answered!: (id: string) => void;
    const createdId = new Promise<string>((resolve) => (answered = resolve));
    await page.route(`${fx.server.apiUrl}uploads`, async (route) => {
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
    await waitFor(async () => (await apiInfo(id)).status === 404, { what: "the cancelled share to be deleted" });
    assert.ok(await page.isHidden("#result"), "a cancelled share shows no link");
    assert.equal(await page.inputValue("#share-link"), "");
    assert.ok(await page.isEnabled("#upload-button"));
  });

  it("cancels in the middle of the PUT: no link, no record, no bytes left in storage", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await page.setInputFiles("#file-input", {
      name: "slow.bin",
      mimeType: "application/octet-stream",
      buffer: testBytes(2 * 1024 * 1024),
    });
    const cdp = await fx.context.newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    const created = page.waitForResponse((r) => r.url() === `${fx.server.apiUrl}uploads`);
    await page.click("#upload-button");
    const id = ((await (await created).json()) as { id: string }).id;
    await page.waitForFunction(() =>
      /\((?:[1-9]|[1-9]\d)%\)/.test(document.getElementById("progress-text")!.textContent!),
    );
    const putEnded = page.waitForEvent("requestfailed", (r) => r.method() === "PUT");
    await page.click("#cancel-button");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    assert.equal(await activeId(page), "upload-button");
    await putEnded;
    await waitFor(async () => (await apiInfo(id)).status === 404, { what: "the cancelled share to be deleted" });
    // Once the browser has dropped the PUT and every S3 event is handled, storage must hold nothing for it.
    await waitFor(
      async () => {
        await fx.server.backends.idle();
        return (await headObject(fx.server.backends.deps, fileKeyFor(id))) === undefined;
      },
      { what: "no bytes left in storage for the cancelled share" },
    );
    assert.ok(await page.isHidden("#result"));
  });

  it("works under an API Gateway stage path (/dev/), as deployed: API calls and share links keep the stage", async () => {
    const staged = await startLocal({
      port: 0,
      settings: await loadSettings({ FILESHARE_AUTH: "none", FILESHARE_ENCRYPTION: "off" }),
      stage: "dev",
    });
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
});
