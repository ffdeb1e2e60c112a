// The page's Encrypt box as the stack's setting says (FILESHARE_ENCRYPTION, limits.encryption): on and fixed
// where required, absent where off; an encrypted share with a password and recipients, and how "My files" shows
// it (the server has no names, and the key was only in the link shown at upload); and an encrypted upload in
// parts that resumes after a reload, sending byte for byte the ciphertext it would have sent.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Page, Request } from "playwright-core";

import { decryptMetadata } from "../../cli/crypto/metadata";
import { keyFromLink } from "../../cli/crypto/shareKey";
import { fileKeyFor } from "../../handlers/ids";
import { LocalServer } from "../../local/server";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";
import { decryptWhole } from "../support/decrypt";

const MIB = 1024 * 1024;

/** The object S3 holds for one-file share `id`. */
async function stored(server: LocalServer, id: string): Promise<Buffer> {
  const deps = server.backends.deps;
  const got = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: fileKeyFor(id) }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Uploads one file from the form and returns what POST /uploads got and answered, and the link shown. */
async function uploadOne(page: Page, server: LocalServer, name: string, bytes: Buffer) {
  await page.setInputFiles("#file-input", { name, mimeType: "application/octet-stream", buffer: bytes });
  const answer = page.waitForResponse((r) => r.url() === `${server.apiUrl}uploads` && r.request().method() === "POST");
  await page.click("#upload-button");
  const response = await answer;
  await page.waitForSelector("#result:not([hidden])");
  return {
    sent: response.request().postDataJSON() as Record<string, unknown>,
    id: ((await response.json()) as { id: string }).id,
    link: await page.inputValue("#share-link"),
  };
}

describe("the web page: Encrypt where the stack requires it", function () {
  this.timeout(120_000);
  const fx = usePage({ env: { FILESHARE_AUTH: "none", FILESHARE_ENCRYPTION: "required" } });

  it("shows the box checked and not changeable, before and after a share, and encrypts", async () => {
    const page = await fx.newPage();
    await page.goto(fx.server.pageUrl);
    const fixed = async (when: string) => {
      assert.equal(await page.isVisible("#encrypt"), true, `the box is shown ${when}`);
      assert.equal(await page.isChecked("#encrypt"), true, `checked ${when}`);
      assert.equal(await page.isDisabled("#encrypt"), true, `not changeable ${when}`);
    };
    await fixed("on load");
    assert.match(await fx.text(page, "#encrypt-hint"), /only encrypted files/);
    await page.setInputFiles("#file-input", { name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("a") });
    await fixed("with a file chosen");
    await fx.shot(page, "encrypt-required");
    const bytes = randomBytes(5000);
    const { sent, id, link } = await uploadOne(page, fx.server, "b.bin", bytes);
    assert.equal(sent["encryption"], "aes128gcm");
    const key = keyFromLink(link);
    assert.ok(key, "the link carries the key");
    await fx.server.backends.idle();
    assert.ok((await decryptWhole(key, await stored(fx.server, id))).equals(bytes));
    await page.click("#again-button");
    await fixed("after Share another file");
  });
});

describe("the web page: Encrypt where the stack has it off", function () {
  this.timeout(120_000);
  const fx = usePage({ env: { FILESHARE_AUTH: "none", FILESHARE_ENCRYPTION: "off" } });

  it("shows no box and sends the file in clear, with a link without a fragment", async () => {
    const page = await fx.newPage();
    await page.goto(fx.server.pageUrl);
    assert.equal(await page.isVisible("#encrypt-field"), false, "no Encrypt box");
    const { sent, id, link } = await uploadOne(page, fx.server, "c.txt", Buffer.from("plain"));
    assert.equal(sent["encryption"], undefined);
    assert.equal(sent["fileName"], "c.txt");
    assert.equal(link, `${fx.server.apiUrl}files/${id}`);
  });
});

describe("the web page: an encrypted share with a password and recipients, in My files (sign-in)", function () {
  this.timeout(120_000);
  const fx = usePage({ env: { FILESHARE_AUTH: "cognito", FILESHARE_ENCRYPTION: "allowed" } });

  it("sends password and recipients with the encrypted share; My files says what it can (count, size) and that the key was only in the link shown", async () => {
    const page = await fx.newPage();
    await page.goto(fx.server.pageUrl);
    await fx.signIn(page, "erin@example.com");
    await page.fill("#share-password", "correct horse battery");
    await page.fill("#share-recipients", "frank@example.com");
    const bytes = randomBytes(40_000);
    const { sent, id, link } = await uploadOne(page, fx.server, "salaries.csv", bytes);
    assert.equal(sent["encryption"], "aes128gcm");
    assert.equal(sent["password"], "correct horse battery");
    assert.deepEqual(sent["recipients"], ["frank@example.com"]);
    const key = keyFromLink(link);
    assert.ok(key);
    assert.equal(decryptMetadata(key, sent["encryptedMetadata"] as string).fileName, "salaries.csv");
    await fx.server.backends.idle();
    assert.ok(
      (await decryptWhole(key, await stored(fx.server, id))).equals(bytes),
      "decrypts with the key in the link",
    );
    assert.match(await fx.text(page, "#result-protection"), /password.*frank@example\.com/s);
    const row = `#my-files-list li[data-id="${id}"]`;
    await page.click("#my-files-reload");
    await page.waitForSelector(row);
    assert.equal(await fx.text(page, `${row} a`), "Encrypted share");
    assert.match(
      await fx.text(page, `${row} .hint`),
      /^1 file, 40 kB encrypted\. .*the link with its key was shown only when it was uploaded/,
    );
    assert.ok(!(await fx.text(page, row)).includes("salaries"), "no name (the server has none)");
    assert.equal(await page.locator(`${row} button`, { hasText: "Copy link" }).count(), 0, "no link to copy");
    await fx.shot(page, "encrypt-my-files");
  });
});

describe("the web page: an encrypted upload in parts resumes after a reload", function () {
  this.timeout(180_000);
  const fx = usePage({
    env: {
      FILESHARE_AUTH: "none",
      FILESHARE_ENCRYPTION: "allowed",
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    },
  });
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "fileshare-encrypted-resume-"))));
  after(async () => dir && (await rm(dir, { recursive: true, force: true })));

  const partOf = (r: Request) =>
    r.method() === "PUT" && r.url().includes("uploadId=")
      ? Number(new URL(r.url()).searchParams.get("partNumber"))
      : undefined;

  it("keeps the key and salt with the saved parts, sends only the missing parts after a reload, and the whole decrypts", async () => {
    const bytes = randomBytes(16 * MIB);
    const file = join(dir, "resume-secret.bin");
    await writeFile(file, bytes);
    const page = await fx.newPage();
    const sent: number[] = [];
    page.on("requestfinished", (r) => {
      const n = partOf(r);
      if (n !== undefined) sent.push(n);
    });
    // Parts 3 and 4 get no URL in the first visit.
    await page.route(/\/uploads\/[^/]+\/parts$/, async (route) => {
      const body = route.request().postDataJSON() as { parts: { partNumber: number }[] } | null;
      if (route.request().method() === "POST" && (body?.parts[0]?.partNumber ?? 0) >= 3) return; // held
      await route.continue();
    });
    await page.goto(fx.server.pageUrl);
    await page.setInputFiles("#file-input", file);
    const answer = page.waitForResponse(
      (r) => r.url() === `${fx.server.apiUrl}uploads` && r.request().method() === "POST",
    );
    await page.click("#upload-button");
    const id = ((await (await answer).json()) as { id: string }).id;
    await waitFor(() => sent.length === 2, { timeoutMs: 90_000, what: "parts 1 and 2 to be sent" });
    const saved = () =>
      page.evaluate(() => JSON.parse(localStorage.getItem(localStorage.key(0)!)!) as Record<string, unknown>);
    await waitFor(async () => Object.keys((await saved())["etags"] as object).length === 2, {
      what: "the page to save the finished parts",
    });
    const kept = await saved();
    assert.match(String(kept["linkKey"]), /^[A-Za-z0-9_-]{22}$/, "the key is kept with the resume state");
    assert.match(String(kept["salt"]), /^[A-Za-z0-9_-]{22}$/, "so is the file's salt");

    sent.length = 0;
    // Reload before letting the held requests go: unrouted first, a held POST for part 3 could be answered and its
    // PUT reach S3 while the page unloads, so the reloaded page would rightly find part 3 stored.
    await page.reload();
    await page.unroute(/\/uploads\/[^/]+\/parts$/);
    await page.waitForSelector("#resume-offer");
    await page.setInputFiles("#file-input", file);
    assert.equal(await fx.text(page, "#upload-button"), "Resume upload");
    assert.equal(await page.isDisabled("#encrypt"), true, "a resumed share keeps its encryption");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
    assert.deepEqual([...sent].sort(), [3, 4], "only the parts S3 did not hold were sent again");
    const link = await page.inputValue("#share-link");
    assert.equal(keyFromLink(link)?.toString("base64url"), kept["linkKey"], "the link shown has the kept key");
    assert.equal(await page.evaluate(() => localStorage.length), 0, "the key is gone from storage once sent");
    await fx.server.backends.idle();
    const key = keyFromLink(link)!;
    assert.ok((await decryptWhole(key, await stored(fx.server, id))).equals(bytes), "the resumed upload decrypts");
  });
});
