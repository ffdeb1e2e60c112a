// The page's single PUT when its upload URL has expired by the time the bytes go (a slow start, a laptop that
// slept): S3 answers 403 "Request has expired", and the page asks POST /uploads/{id}/url for a fresh URL and sends
// the file again. The expired URL is real: POST /uploads's answer reaches the page with its uploadUrl replaced by
// one the server signs for the same share 301 s in the past (a 300 s lifetime).
import assert from "node:assert/strict";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";
import { signUpload } from "../../handlers/objects";
import { getRecord } from "../../handlers/store/records";
import { inlineFile } from "../../handlers/store/shareFiles";
import { testBytes } from "../local/http";
import { usePage } from "./fixture";

describe("the web page: an upload URL that expired before the PUT", function () {
  this.timeout(60000);
  const fx = usePage();

  it("gets a fresh URL from POST /uploads/{id}/url and finishes the share", async () => {
    const deps = fx.server.backends.deps;
    const page = await fx.newPage();
    const renewals: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && /\/uploads\/[A-Za-z0-9_-]{22}\/url$/.test(r.url())) renewals.push(r.url());
    });
    await page.route(/\/uploads$/, async (route) => {
      const response = await route.fetch();
      const created = (await response.json()) as { id: string; uploadUrl: string };
      const record = await getRecord(deps, keyNameFor(created.id));
      assert.ok(record, "the share was created");
      const past = { ...deps, now: () => new Date(Date.now() - 301_000) };
      const expired = await signUpload(past, fileKeyFor(created.id), inlineFile(record), 300);
      await route.fulfill({ response, json: { ...created, uploadUrl: expired.url } });
    });

    await page.goto(fx.server.pageUrl);
    await page.waitForSelector("#upload-view:not([hidden])");
    const bytes = testBytes(20_000);
    await page.setInputFiles("#file-input", { name: "late.txt", mimeType: "text/plain", buffer: bytes });
    // The first PUT's 403 is expected; Chromium logs it as a failed load.
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden]), #upload-button-error:not(:empty)");
    assert.equal(await fx.text(page, "#upload-button-error"), "", "the page showed an error instead of retrying");
    assert.equal(renewals.length, 1, "one fresh URL was asked for");
    const id = (await page.inputValue("#share-link")).split("/").pop() as string;
    assert.equal((await fx.apiInfo(id)).body["status"], "available");
    fx.problems = fx.problems.filter((p) => !/status of 403/.test(p));
    await fx.shot(page, "upload-url-renewed");
  });
});
