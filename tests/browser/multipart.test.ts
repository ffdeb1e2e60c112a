// The page sending a large file in parts (web/js/multipart.js) against the local mode with 5 MiB parts (S3's
// minimum): progress to 100% and a byte-identical download, a reload mid-way that resumes without re-sending
// the finished parts, and Cancel that leaves no part in storage. Screenshots go to the OS temp folder.
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Page, Request } from "playwright-core";
import { isNoSuchUpload, listParts } from "../../handlers/multipart";
import { getRecord } from "../../handlers/store/records";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { testBytes } from "../local/http";
import { waitFor } from "../support/wait";
import { usePage } from "./fixture";
import { fileKeyFor, keyNameFor } from "../../handlers/ids";

const MIB = 1024 * 1024;
const SHOTS = join(tmpdir(), "fileshare-multipart-screenshots");

describe("the web page: large files in parts", function () {
  this.timeout(120000);
  const fx = usePage();
  let server: LocalServer;

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    const settings = await loadSettings({
      FILESHARE_AUTH: "none",
      FILESHARE_ENCRYPTION: "off", // plaintext parts; encrypted ones: encrypted-upload.test.ts
      FILESHARE_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      FILESHARE_MULTIPART_PART_SIZE_BYTES: String(5 * MIB),
    });
    server = await startLocal({ port: 0, settings: { ...settings, cleanupIntervalSeconds: 900 } });
  });
  after(async () => {
    await server?.close();
    await rm(SHOTS + "/resume.bin", { force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /** The part number of an UploadPart PUT to the local S3, or undefined for any other request. */
  const partOf = (r: Request) =>
    r.method() === "PUT" && r.url().includes("uploadId=")
      ? Number(new URL(r.url()).searchParams.get("partNumber"))
      : undefined;
  const createdId = (page: Page) =>
    page
      .waitForResponse((r) => r.url() === `${server.apiUrl}uploads` && r.request().method() === "POST")
      .then(async (r) => ((await r.json()) as { id: string; method: string }).id);

  async function downloaded(id: string): Promise<Buffer> {
    const granted = await fetch(new URL(`files/${id}/download`, server.apiUrl), { method: "POST" });
    assert.equal(granted.status, 200, await granted.clone().text());
    const { downloadUrl } = (await granted.json()) as { downloadUrl: string };
    return Buffer.from(await (await fetch(downloadUrl)).arrayBuffer());
  }

  it("sends a 14 MiB file as three SHA-256-checked parts in parallel, retries a failed part, reaches 100% and downloads byte-identical", async () => {
    const bytes = testBytes(14 * MIB);
    const page = await fx.newPage();
    // The first request for part 2's URL fails with a 503: the page must try that part again.
    const asked: number[] = [];
    await page.route(/\/uploads\/[^/]+\/parts$/, async (route) => {
      const n = (route.request().postDataJSON() as { parts: { partNumber: number }[] } | null)?.parts[0]?.partNumber;
      if (n !== undefined) asked.push(n);
      if (n === 2 && asked.filter((a) => a === 2).length === 1) {
        const error = { error: { code: "ServiceUnavailable", message: "try again" } };
        return route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify(error) });
      }
      await route.continue();
    });
    const parts: Request[] = [];
    page.on("request", (r) => partOf(r) !== undefined && parts.push(r));
    const seen: number[] = [];
    await page.exposeFunction("recordProgress", (v: number) => seen.push(v));
    await page.goto(server.pageUrl);
    await page.evaluate(() => {
      const bar = document.getElementById("progress") as HTMLProgressElement;
      const w = window as unknown as { recordProgress: (v: number) => void };
      new MutationObserver(() => w.recordProgress(bar.value)).observe(bar, { attributes: true });
    });
    await page.setInputFiles("#file-input", { name: "video.bin", mimeType: "application/octet-stream", buffer: bytes });
    const id = createdId(page);
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])", { timeout: 60000 });
    await shot(page, "multipart-1-done");
    assert.equal(await page.$eval("#progress", (el) => (el as HTMLProgressElement).value), 100);
    assert.match(await fx.text(page, "#progress-text"), /\(100%\)$/);
    assert.ok(
      seen.some((v) => v > 0 && v < 100),
      `the bar moved through intermediate values: ${seen.join(",")}`,
    );
    assert.deepEqual(parts.map(partOf).sort(), [1, 2, 3], "each part sent once");
    assert.deepEqual(asked.sort(), [1, 2, 2, 3], "part 2's URL was asked for again after the 503");
    fx.problems = fx.problems.filter((p) => !/status of 503/.test(p)); // the 503 was provoked on purpose
    for (const r of parts) {
      assert.match((await r.allHeaders())["x-amz-checksum-sha256"] ?? "", /^[A-Za-z0-9+/]{43}=$/, "part SHA-256 sent");
    }
    const info = await fetch(new URL(`files/${await id}`, server.apiUrl)).then((r) => r.json());
    assert.equal((info as { status: string }).status, "available");
    assert.ok((await downloaded(await id)).equals(bytes), "the download is the file, byte for byte");
    assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing left to resume");
  });

  it("offers to resume after a reload mid-way, and sends only the parts S3 does not hold", async () => {
    const bytes = testBytes(16 * MIB); // parts 1-3 of 5 MiB, part 4 of 1 MiB
    // A file on disk, as a person would pick it twice: the same name, size and modification time.
    const file = join(SHOTS, "resume.bin");
    await writeFile(file, bytes);
    const page = await fx.newPage();
    const sent: number[] = [];
    page.on("requestfinished", (r) => {
      const n = partOf(r);
      if (n !== undefined) sent.push(n);
    });
    // Parts 3 and 4 never get their URL in the first visit: their POST /uploads/{id}/parts is held.
    await page.route(/\/uploads\/[^/]+\/parts$/, async (route) => {
      const body = route.request().postDataJSON() as { parts: { partNumber: number }[] } | null;
      if (route.request().method() === "POST" && (body?.parts[0]?.partNumber ?? 0) >= 3) return; // held
      await route.continue();
    });
    await page.goto(server.pageUrl);
    await page.setInputFiles("#file-input", file);
    const id = createdId(page);
    await page.click("#upload-button");
    await waitFor(() => sent.length === 2, { timeoutMs: 60000, what: "parts 1 and 2 to be sent" });
    await waitFor(
      () => page.evaluate(() => Object.keys(JSON.parse(localStorage.getItem(localStorage.key(0)!)!).etags).length),
      { what: "the page to save the finished parts" },
    );
    await shot(page, "multipart-2-held-midway");
    assert.deepEqual([...sent].sort(), [1, 2]);

    sent.length = 0;
    // Reload before letting the held requests go: unrouted first, a held POST for part 3 could be answered and its
    // PUT reach S3 while the page unloads, so the reloaded page would rightly find part 3 stored.
    await page.reload();
    await page.unroute(/\/uploads\/[^/]+\/parts$/);
    await page.waitForSelector("#resume-offer");
    assert.match(await fx.text(page, "#resume-offer"), /resume\.bin .* did not finish: 2 of 4 parts are sent/);
    await shot(page, "multipart-3-resume-offered");
    await page.setInputFiles("#file-input", file);
    assert.equal(await fx.text(page, "#upload-button"), "Resume upload");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])", { timeout: 60000 });
    await shot(page, "multipart-4-resumed-done");
    assert.deepEqual([...sent].sort(), [3, 4], "only the parts S3 did not hold were sent again");
    assert.ok(await page.isHidden("#resume-offer").catch(() => true), "nothing left to resume");
    assert.equal(await page.inputValue("#share-link"), `${server.apiUrl}files/${await id}`);
    assert.ok((await downloaded(await id)).equals(bytes), "the resumed file downloads byte for byte");
  });

  it("Cancel aborts the multipart upload: no share, no part left in storage", async () => {
    const page = await fx.newPage();
    await page.goto(server.pageUrl);
    await page.setInputFiles("#file-input", {
      name: "cancel.bin",
      mimeType: "application/octet-stream",
      buffer: testBytes(12 * MIB),
    });
    const finished: number[] = [];
    page.on("requestfinished", (r) => partOf(r) !== undefined && finished.push(partOf(r) as number));
    // Slow the uplink so Cancel lands while parts are on their way.
    const cdp = await fx.context.newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 2 * MIB,
    });
    const id = createdId(page);
    await page.click("#upload-button");
    await waitFor(() => finished.length >= 1, { timeoutMs: 60000, what: "a first part to reach storage" });
    const record = await getRecord(server.backends.deps, keyNameFor(await id));
    const target = { key: fileKeyFor(await id), uploadId: record?.multipart?.uploadId ?? "" };
    assert.ok(target.uploadId, "the share is a multipart upload");
    await page.click("#cancel-button");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    assert.match(await fx.text(page, "#status"), /cancelled/);
    await shot(page, "multipart-5-cancelled");
    const shareId = await id;
    await waitFor(async () => (await fetch(new URL(`files/${shareId}`, server.apiUrl))).status === 404, {
      what: "the share to be deleted",
    });
    // Aborted: S3 no longer knows the upload, so it holds none of its parts.
    const listed = await listParts(server.backends.deps, target).then(
      (parts) => parts,
      (e: unknown) => e,
    );
    assert.ok(isNoSuchUpload(listed), `ListParts after Cancel: ${JSON.stringify(listed)}`);
    assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing saved to resume");
  });
});
