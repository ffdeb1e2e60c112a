// What a share link shows in each state: expired, no downloads left, unknown, not uploaded yet, last download.
import assert from "node:assert/strict";
import { shareWithFetch } from "../local/http";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";

describe("the web page: what a share link says", function () {
  this.timeout(60000);
  const fx = usePage();
  const { newPage, text, shot, openLink, activeId, apiInfo } = fx;

  it("says when the link has expired", async () => {
    const upload = await shareWithFetch(fx.server.apiUrl, {
      name: "old.txt",
      type: "text/plain",
      bytes: Buffer.from("old"),
      expiresInSeconds: 60,
    });
    // Two minutes later, for the handlers (the browser's clock is not involved).
    fx.server.backends.deps.now = () => new Date(Date.now() + 120_000);
    const page = await newPage();
    assert.equal(await openLink(page, upload.shareUrl), "expired");
    assert.equal(await text(page, "#file-title"), "This link has expired");
    assert.match(await text(page, "#file-message"), /expired at .*Ask the sender for a new link\./);
    assert.ok(await page.isHidden("#download-button"));
    assert.ok(await page.isHidden("#file-details"));
    await shot(page, "09-link-expired");
  });

  it("says when no downloads are left", async () => {
    const upload = await shareWithFetch(fx.server.apiUrl, {
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
    const upload = await shareWithFetch(fx.server.apiUrl, {
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
    assert.equal(await openLink(page, `${fx.server.apiUrl}files/AAAAAAAAAAAAAAAAAAAAAA`), "notfound");
    assert.equal(await text(page, "#file-title"), "File not found");
    await shot(page, "11-link-unknown");
    assert.equal(await openLink(page, `${fx.server.apiUrl}files/truncated-li`), "notfound");
  });

  it("says when the file is not uploaded yet, and shows it once it is", async () => {
    const bytes = Buffer.from("arriving later");
    const upload = await shareWithFetch(
      fx.server.apiUrl,
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
    await waitFor(async () => (await apiInfo(upload.id)).body["status"] === "available", {
      what: "the upload to be confirmed",
    });
    await page.click("#recheck-button");
    await page.waitForSelector('#file-view[data-state="available"]');
    assert.equal(await text(page, "#file-name"), "later.txt");
  });

  it("moves focus to the title when the last download is taken and the button goes away", async () => {
    const upload = await shareWithFetch(fx.server.apiUrl, {
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
});
