// The page on a stack with sign-in (auth cognito, uploads need sign-in), in headless Chromium against npm start's
// local issuer: sign in through its page, share with a password, open the link as someone else, unlock, download;
// "My files" across pages and Delete; a recipients share refused to a non-listed user; silent refresh; sign out.
// Screenshots of each state go to <os temp>/fileshare-pageauth-screenshots/.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Page } from "playwright-core";
import { call, refreshStatus, share, tokenFor } from "../auth/support";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";

export const SIGN_IN_SCREENSHOTS = join(tmpdir(), "fileshare-pageauth-screenshots");

describe("the web page with sign-in (local issuer, headless Chromium)", function () {
  this.timeout(120000);
  // Tokens live 12 s, so the page's silent refresh (at 80% of a token's life) happens within a test.
  const fx = usePage({
    env: { FILESHARE_AUTH: "cognito", FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "true" },
    tokenTtlSeconds: 12,
    screenshots: SIGN_IN_SCREENSHOTS,
  });
  const { newPage, text, shot, openLink, signIn } = fx;

  const session = (page: Page) =>
    page.evaluate(() => JSON.parse(sessionStorage.getItem("fileshare.session") ?? "null") as Record<string, string>);

  it("signs in with code + PKCE, keeps the tokens in sessionStorage only, shares with a password, and the link asks for it (wrong, then right) before naming the file", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await page.waitForSelector("#sign-in-needed:not([hidden])");
    assert.ok(await page.isDisabled("#upload-button"), "signed out, sharing needs sign-in here");
    assert.ok(await page.isHidden("#my-files"));
    await shot(page, "01-signed-out");

    await signIn(page, "alice@example.com", "#sign-in-button", "02-issuer-sign-in-page");
    assert.equal(new URL(page.url()).search, "", "the code and state are gone from the address bar");
    const tokens = await session(page);
    assert.equal(tokens.email, "alice@example.com");
    assert.match(String(tokens.idToken), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(tokens.refreshToken, "the issuer gave the page a refresh token");
    assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing in localStorage");
    await page.waitForSelector("#my-files:not([hidden])");
    assert.ok(await page.isVisible("#restrict-fields"));
    await shot(page, "03-signed-in");

    const name = "secret-plan.txt";
    const bytes = Buffer.from("the plan: ship it\n".repeat(100));
    await page.setInputFiles("#file-input", { name, mimeType: "text/plain", buffer: bytes });
    await page.fill("#share-password", "correct horse");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    const shareUrl = await page.inputValue("#share-link");
    await page.waitForSelector(`#my-files-list li[data-id="${shareUrl.split("/").pop()}"]`);
    assert.match(await text(page, "#my-files-list"), /secret-plan\.txt.*password-protected/is);
    await shot(page, "04-shared-with-password");

    // Someone else, in another browser context (no shared storage or cookies).
    const other = await fx.browser.newContext({ acceptDownloads: true, locale: "en-US", timezoneId: "UTC" });
    try {
      const viewer = await other.newPage();
      assert.equal(await openLink(viewer, shareUrl), "locked");
      assert.ok(!(await viewer.content()).includes(name), "the file name shows before the password");
      await shot(viewer, "05-link-asks-password");
      await viewer.fill("#unlock-password", "wrong horse!");
      await viewer.click("#unlock-button");
      await viewer.waitForSelector("#error:not([hidden])");
      assert.match(await text(viewer, "#error"), /password/i);
      assert.equal(await viewer.getAttribute("#file-view", "data-state"), "locked");
      await shot(viewer, "06-wrong-password");
      await viewer.fill("#unlock-password", "correct horse");
      await viewer.click("#unlock-button");
      await viewer.waitForSelector('#file-view[data-state="available"]');
      assert.equal(await text(viewer, "#file-name"), name);
      await shot(viewer, "07-unlocked");
      const [download] = await Promise.all([viewer.waitForEvent("download"), viewer.click("#download-button")]);
      assert.ok((await readFile(await download.path())).equals(bytes), "the downloaded bytes differ");
      await viewer.waitForSelector("#download-fallback:not([hidden])");
      await shot(viewer, "08-downloaded");
    } finally {
      await other.close();
    }
  });

  it("shows the API's attempts-limited message on a share locked by too many wrong passwords, and stays on the prompt", async () => {
    const token = await tokenFor(fx.server, "alice@example.com");
    const created = await share(fx.server, token, { fileName: "locked.txt", password: "right password" });
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) {
      status = (await call(fx.server, "POST", `/files/${created.id}/unlock`, { body: { password: `wrong ${i}` } }))
        .status;
    }
    assert.equal(status, 429, "the share never locked");
    const page = await newPage();
    assert.equal(await openLink(page, created.shareUrl), "locked");
    await page.fill("#unlock-password", "right password");
    await page.click("#unlock-button");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await text(page, "#error"), /too many/i);
    assert.equal(await page.getAttribute("#file-view", "data-state"), "locked");
    assert.ok(!(await page.content()).includes("locked.txt"), "the name shows while locked");
    await shot(page, "16-too-many-attempts");
  });

  it("pages through My files with More, and deletes with the owner's token", async () => {
    // A fresh token for each share: this suite's tokens live 12 s, less than 12 shares take on a busy machine.
    for (let i = 0; i < 12; i++) {
      await share(fx.server, await tokenFor(fx.server, "dana@example.com"), { fileName: `file-${i}.txt` });
    }
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await signIn(page, "dana@example.com");
    await page.waitForSelector('#my-files[data-loaded="10"]');
    assert.ok(await page.isVisible("#my-files-more"), "a second page is offered");
    assert.match(
      await text(page, "#my-files-list li:first-child"),
      /file-11\.txt.*Expires .*Downloads left: Unlimited/s,
    );
    await shot(page, "09-my-files-page-1");
    await page.click("#my-files-more");
    await page.waitForSelector('#my-files[data-loaded="12"]');
    assert.ok(await page.isHidden("#my-files-more"), "no third page");
    await shot(page, "10-my-files-all");

    const first = (await page.getAttribute("#my-files-list li:first-child", "data-id")) as string;
    // Delete asks first, naming the file; No keeps it.
    const declined = fx.answerDialog(page, "dismiss");
    await page.click("#my-files-list li:first-child button.danger");
    const asked = await declined;
    assert.equal(asked.type, "confirm");
    assert.match(asked.message, /^Delete \u201Cfile-11\.txt\u201D\? Its link stops working for everyone/);
    assert.equal((await call(fx.server, "GET", `/files/${first}`)).status, 200, "declining deleted the share");
    assert.ok(await page.isVisible(`#my-files-list li[data-id="${first}"]`), "the row stays after No");
    const accepted = fx.answerDialog(page, "accept");
    await page.click("#my-files-list li:first-child button.danger");
    assert.equal((await accepted).type, "confirm");
    await page.waitForFunction((id) => !document.querySelector(`#my-files-list li[data-id="${id}"]`), first);
    assert.match(await text(page, "#status"), /Deleted file-11\.txt/);
    assert.equal((await call(fx.server, "GET", `/files/${first}`)).status, 404, "the deleted share still answers");
    await shot(page, "11-my-files-deleted");
  });

  it("asks a visitor to sign in for a recipients share, refuses a non-listed user clearly, and lets the listed one in after sign-out and sign-in", async () => {
    const token = await tokenFor(fx.server, "alice@example.com");
    const created = await share(fx.server, token, { fileName: "for-bob.txt", recipients: ["bob@example.com"] });
    const page = await newPage();
    assert.equal(await openLink(page, created.shareUrl), "signin");
    await shot(page, "12-recipients-sign-in");

    await signIn(page, "carol@example.com", "#file-sign-in");
    await page.waitForSelector('#file-view[data-state="refused"]');
    assert.equal(new URL(page.url()).pathname, new URL(created.shareUrl).pathname, "back at the link after sign-in");
    assert.match(await text(page, "#file-message"), /signed in as carol@example\.com, which is not one of/);
    assert.ok(!(await page.content()).includes("for-bob.txt"), "the refusal shows the file name");
    await shot(page, "13-recipients-refused");

    const { refreshToken } = await session(page);
    await page.click("#sign-out-button");
    await page.waitForSelector("#sign-in-button:not([hidden])");
    assert.equal(await session(page), null, "the tokens are gone");
    // Sign-out revoked the refresh token: a copy of it taken before signs nobody in.
    assert.deepEqual(await refreshStatus(fx.server, refreshToken!), { status: 400, error: "invalid_grant" });
    await shot(page, "14-signed-out-again");
    assert.equal(await openLink(page, created.shareUrl), "signin");
    // The issuer's session ended too: it asks for an email again instead of signing carol in silently.
    await signIn(page, "bob@example.com", "#file-sign-in");
    await page.waitForSelector('#file-view[data-state="available"]');
    assert.equal(await text(page, "#file-name"), "for-bob.txt");
    await shot(page, "15-recipients-allowed");
  });

  it("refreshes the ID token silently before it expires and keeps working", async () => {
    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await signIn(page, "erin@example.com");
    const before = await session(page);
    await waitFor(async () => (await session(page))?.idToken !== before.idToken, {
      timeoutMs: 20000,
      what: "a refreshed ID token",
    });
    const after = await session(page);
    assert.equal(after.email, "erin@example.com");
    assert.ok(Number(after.expiresAt) > Number(before.expiresAt));
    // The refreshed token is good at the API: the list reloads without an error.
    await page.click("#my-files-reload");
    await page.waitForSelector("#my-files[data-loaded]");
    assert.ok(await page.isHidden("#error"));
    assert.equal(await text(page, "#account-email"), "Signed in as erin@example.com");
  });
});
