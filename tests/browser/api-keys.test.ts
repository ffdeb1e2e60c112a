// The page on a stack with fileshare:apiKeys (and sign-in, uploads otherwise open): a visitor who is not signed in
// would get 403 from POST /uploads (the page has no key), so the page says so up front and offers sign-in; signed
// in, the form works. Headless Chromium against the local gateway's key check and the local issuer.
import assert from "node:assert/strict";
import { usePage } from "./fixture";

describe("the web page on a stack with API keys (local gateway, headless Chromium)", function () {
  this.timeout(120000);
  const fx = usePage({
    env: { FILESHARE_AUTH: "cognito", FILESHARE_AUTH_UPLOADS_REQUIRE_SIGN_IN: "false", FILESHARE_API_KEYS: "true" },
  });
  const { newPage, text, shot } = fx;

  it("tells a visitor who is not signed in to sign in (the service needs sign-in or an API key), with the form disabled; signed in, the form is enabled", async () => {
    // What the page reads: GET /config says keys are needed, and an anonymous upload is indeed refused.
    const config = (await (await fetch(new URL("config", fx.server.apiUrl))).json()) as Record<string, unknown>;
    assert.equal(config["apiKeys"], true);
    assert.deepEqual((config["auth"] as { required: unknown }).required, { upload: false, download: false });
    const anonymous = await fetch(new URL("uploads", fx.server.apiUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ fileName: "a.txt", contentType: "text/plain", size: 1 }),
    });
    assert.equal(anonymous.status, 403);

    const page = await newPage();
    await page.goto(fx.server.pageUrl);
    await page.waitForSelector("#sign-in-needed:not([hidden])");
    assert.equal(
      await text(page, "#sign-in-needed-text"),
      "Sign in to share (this service needs sign-in or an API key).",
    );
    assert.ok(await page.isVisible("#sign-in-to-share"));
    assert.ok(await page.isDisabled("#upload-button"), "no upload that would end in 403");
    await shot(page, "api-keys-01-signed-out");

    await page.click("#sign-in-to-share");
    await page.waitForURL(/\/interaction\//);
    await page.fill("#email", "alice@example.com");
    await Promise.all([
      page.waitForURL((url) => url.origin === new URL(fx.server.pageUrl).origin),
      page.click("button[type=submit]"),
    ]);
    await page.waitForSelector("#account-email:not([hidden])");
    assert.ok(await page.isHidden("#sign-in-needed"));
    assert.ok(await page.isEnabled("#file-input"), "signed in, the page needs no key");
    await shot(page, "api-keys-02-signed-in");
  });
});
