import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromEnvironment, pageLimits, toEnvironment, ENV_NAMES } from "../../config/runtime";
import { SettingSpec, SETTINGS } from "../../config/schema";
import { gone, isHttpError, notFound } from "../../handlers/errors";
import { contentDisposition } from "../../handlers/objects";
import { decodeS3Key } from "../../handlers/objectCreated";
import { pageCsp, pageHtml, QR_LIBRARY_SHA256, SCRIPT_FILES, wantsHtml } from "../../handlers/page";
import { matchPath } from "../../handlers/matchPath";
import { hashToken, tokenMatches } from "../../handlers/tokens";
import { mediaTypeEssence } from "../../handlers/validation";
import { normaliseEvent } from "../../local/s3";
import { testConfig } from "../support/harness";

describe("Handler helpers (pure)", () => {
  it("round-trips the runtime config through environment variables", () => {
    const config = testConfig({
      allowedContentTypes: ["image/png", "text/plain"],
      corsOrigins: ["https://a.example", "https://b.example"],
    });
    assert.deepEqual(fromEnvironment(toEnvironment(config)), config);
  });

  it("names the missing or malformed environment variable", () => {
    const env = toEnvironment(testConfig());
    assert.throws(
      () => fromEnvironment({ ...env, [ENV_NAMES.tableName]: undefined }),
      /FILESHARE_TABLE_NAME is not set/,
    );
    assert.throws(
      () => fromEnvironment({ ...env, [ENV_NAMES.maxFileSizeBytes]: "lots" }),
      /FILESHARE_MAX_FILE_SIZE_BYTES is not a non-negative integer/,
    );
  });

  it("keeps status, code and message on errors, and tells them from other errors", () => {
    const e = gone("expired");
    assert.ok(isHttpError(e));
    assert.deepEqual([e.httpStatus, e.code, e.message], [410, "Gone", "expired"]);
    assert.ok(isHttpError(notFound("x")));
    assert.ok(!isHttpError(new Error("x")));
    assert.ok(!isHttpError({ httpStatus: 500, name: "HttpError" }));
  });

  it("builds Content-Disposition with an ASCII fallback and an RFC 8187 UTF-8 name", () => {
    assert.equal(contentDisposition("report.pdf"), `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    assert.equal(
      contentDisposition('a"b\\c/d.txt'),
      `attachment; filename="a_b_c_d.txt"; filename*=UTF-8''a%22b%5Cc%2Fd.txt`,
    );
    assert.equal(
      contentDisposition("ü (1)*.txt"),
      `attachment; filename="_ (1)*.txt"; filename*=UTF-8''%C3%BC%20%281%29%2A.txt`,
    );
  });

  it("accepts a delete token only against the hash of that same token", () => {
    const stored = hashToken("the-token");
    assert.match(stored, /^[0-9a-f]{64}$/);
    assert.equal(tokenMatches("the-token", stored), true);
    assert.equal(tokenMatches("the-token ", stored), false);
    assert.equal(tokenMatches("another-token", stored), false);
    assert.equal(tokenMatches("the-token", "not-hex"), false);
  });

  it("decodes S3 event keys as S3 encodes them, and the local S3 events are normalised to that encoding", () => {
    assert.equal(decodeS3Key("uploads/a+b%2Bc%C3%A9"), "uploads/a b+cé");
    const event = normaliseEvent({
      Records: [{ s3: { bucket: { name: "b", arn: "arn:aws:s3: : :b" }, object: { key: "uploads/a b+cé" } } }],
    } as never);
    const record = event.Records[0]!;
    assert.equal(record.s3.bucket.arn, "arn:aws:s3:::b");
    assert.equal(decodeS3Key(record.s3.object.key), "uploads/a b+cé");
  });

  it("matches route templates and decodes parameters", () => {
    assert.deepEqual(matchPath("/files/{id}/download", "/files/abc/download"), { id: "abc" });
    assert.equal(matchPath("/files/{id}", "/files/abc/download"), undefined);
    assert.equal(matchPath("/files/{id}", "/files/"), undefined);
    assert.deepEqual(matchPath("/", "/"), {});
  });

  it("reduces media types to their lower-case essence", () => {
    assert.equal(mediaTypeEssence("Text/Plain; charset=UTF-8"), "text/plain");
  });

  it("serves HTML only to clients that prefer it", () => {
    assert.ok(wantsHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
    assert.ok(!wantsHtml("application/json"));
    assert.ok(!wantsHtml("*/*"));
    assert.ok(!wantsHtml(undefined));
    assert.ok(!wantsHtml("application/json, text/html"));
    assert.ok(wantsHtml("text/html, application/json"));
  });

  it("weighs Accept media ranges by their q-values, the most specific range deciding", () => {
    assert.ok(!wantsHtml("text/html;q=0, application/json"));
    assert.ok(!wantsHtml("text/html;q=0"));
    assert.ok(!wantsHtml("text/html;q=0.5, application/json"));
    assert.ok(wantsHtml("application/json;q=0.5, text/html"));
    assert.ok(wantsHtml("Text/HTML; Q=0.9, */*;q=0.1"));
    assert.ok(!wantsHtml("text/*;q=0.2, application/json;q=0.3"));
    assert.ok(wantsHtml("text/*, application/*;q=0.5"));
    // text/html;q=0 wins over */* for HTML: the exact range is more specific.
    assert.ok(!wantsHtml("*/*, text/html;q=0"));
    assert.ok(!wantsHtml("text/html;q=nonsense, application/json"));
    assert.ok(!wantsHtml(""));
  });

  it("puts the stack's limits into the page as a JSON data block that no text can break out of", () => {
    const config = testConfig({ maxShareTtlSeconds: 7200, allowedContentTypes: ["text/</script><script>x()"] });
    const html = pageHtml(config);
    const blocks = [...html.matchAll(/<script type="application\/json" id="limits">(.*?)<\/script>/g)];
    assert.equal(blocks.length, 1);
    assert.deepEqual(JSON.parse(blocks[0]![1]!), pageLimits(config));
    // The page gets exactly the settings the schema marks `page`: these six, and any marked later; never a
    // resource name or a setting not meant for it (corsOrigins).
    const marked = (SETTINGS as readonly SettingSpec[]).filter((spec) => spec.page).map((spec) => spec.key);
    assert.deepEqual(Object.keys(pageLimits(config)).sort(), [...marked].sort());
    for (const key of [
      "allowedContentTypes",
      "defaultMaxDownloads",
      "defaultShareTtlSeconds",
      "maxDownloadsLimit",
      "maxFileSizeBytes",
      "maxShareTtlSeconds",
    ]) {
      assert.ok(marked.includes(key), `${key} is one of the page's limits`);
    }
    assert.ok(!marked.includes("corsOrigins"), "the page is not told the allowed origins");
    assert.doesNotMatch(html, /<script>x\(\)/);
    // Nothing secret or deployment-specific leaks into the page.
    assert.doesNotMatch(html, /fileshare-test|app\.example\.com/);
  });

  it("serves web/js/*.js as ONE inline script, every file once in SCRIPT_FILES order, pinned by its hash in the CSP", () => {
    const web = join(__dirname, "..", "..", "web");
    assert.deepEqual(
      readdirSync(join(web, "js")).sort(),
      SCRIPT_FILES.map((f) => f.replace("js/", "")).sort(),
      "every file in web/js/ is listed in SCRIPT_FILES",
    );
    const html = pageHtml(testConfig());
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    assert.equal(scripts.length, 1, "the page has exactly one executable script");
    const script = scripts[0] as string;
    let at = -1;
    for (const file of SCRIPT_FILES) {
      const text = readFileSync(join(web, file), "utf8").replace(/<\//g, "<\\/");
      const found = script.indexOf(text);
      assert.ok(found > at, `${file} is in the script, after the files before it`);
      at = found;
    }
    assert.match(script, /^\n\(function \(\) \{\n"use strict";/, "the files share one strict-mode function scope");
    // The QR code library (web/js/qr.js draws with it) comes first, as published, from the exactly pinned package.
    const qr = readFileSync(require.resolve("qrcode-generator"), "utf8");
    assert.equal(createHash("sha256").update(qr, "utf8").digest("hex"), QR_LIBRARY_SHA256);
    const served = script.indexOf(qr.replace(/<\//g, "<\\/"));
    assert.ok(
      served !== -1 && served < script.indexOf("// What both views share"),
      "the library, before the page's files",
    );
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
    assert.equal(pkg.devDependencies["qrcode-generator"], "2.0.4", "pinned to the version whose hash is pinned");
    const hash = createHash("sha256").update(script, "utf8").digest("base64");
    assert.ok(
      pageCsp("https://b.s3.eu-west-1.amazonaws.com").includes(`script-src 'sha256-${hash}'`),
      "the CSP pins the served script's hash",
    );
  });
});
