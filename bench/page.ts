// `npm run bench`, page: the web page in headless Chromium uploading one 512 MiB file in parts through the local
// mode (npm start's servers, in this process; 16 MiB parts above a 64 MiB threshold, as in peers.ts), plain and
// end-to-end encrypted (the Encrypt box), and `fileshare upload` (the CLI, in its own process) of the same file,
// in a rotating order, several times; medians are reported. A page upload is timed from the click on "Upload and
// get link" to the link shown (which waits, as the CLI does, until the share is confirmed).
// FILESHARE_BENCH_QUICK=1 uses 96 MiB and one run (development only).
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { fileKeyFor } from "../handlers/ids";
import { LocalServer, startLocal } from "../local/server";
import { loadSettings } from "../local/settings";
import { sharedChromium } from "../scripts/chromium";
import { flushWrites, makeFile, MIB, now, timed } from "./processes";
import { ratioOf, Row, table } from "./report";
import { median, row } from "./support";

const QUICK = process.env["FILESHARE_BENCH_QUICK"] === "1";
const SIZE = (QUICK ? 96 : 512) * MIB;
const RUNS = QUICK ? 1 : 3;
const CLI = join(__dirname, "..", "cli", "fileshare.js");

type Way = "page" | "page encrypted" | "cli";

const seconds = (s: number | undefined) => (s === undefined ? "failed" : `${s.toFixed(2)} s`);
const rate = (s: number | undefined) =>
  s === undefined ? "failed" : `${seconds(s)} (${(SIZE / MIB / s).toFixed(0)} MiB/s)`;

/** The file id at the end of a share link (its fragment, the key, left out). */
const idOf = (link: string) => new URL(link).pathname.split("/").filter(Boolean).pop() as string;

/** One upload from the page, encrypted or not; resolves with its seconds and the link shown. */
async function pageUpload(browser: Browser, url: string, file: string, encrypt: boolean) {
  const context = await browser.newContext();
  try {
    const page: Page = await context.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(url);
    await page.setChecked("#encrypt", encrypt);
    await page.setInputFiles("#file-input", file);
    const started = now();
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden]), #upload-button-error:not([hidden])");
    const took = now() - started;
    const error = await page.textContent("#upload-button-error");
    if (await page.isVisible("#upload-button-error")) throw new Error(`the page: ${error}`);
    return { seconds: took, link: await page.inputValue("#share-link") };
  } finally {
    await context.close();
  }
}

export async function benchPage(): Promise<Row[]> {
  const rows: Row[] = [];
  await timed(process.execPath, [join(__dirname, "..", "cli", "build.js")]); // the CLI as users run it
  const settings = await loadSettings({
    FILESHARE_AUTH: "none",
    FILESHARE_ENCRYPTION: "allowed",
    FILESHARE_MAX_FILE_SIZE_BYTES: String(1024 * MIB),
    FILESHARE_MAX_SHARE_SIZE_BYTES: String(1024 * MIB),
    FILESHARE_MULTIPART_THRESHOLD_BYTES: String(64 * MIB),
    FILESHARE_MULTIPART_PART_SIZE_BYTES: String(16 * MIB),
  });
  const dir = await mkdtemp(join(tmpdir(), "fileshare-bench-page-"));
  let server: LocalServer | undefined;
  try {
    server = await startLocal({ port: 0, settings });
    const local = server;
    const browser = await sharedChromium();
    const file = join(dir, "file.bin");
    await makeFile(file, SIZE);
    const cliEnv = { FILESHARE_CONFIG_DIR: join(dir, "config") };
    const remove = (link: string) =>
      local.backends.deps.s3
        .send(new DeleteObjectCommand({ Bucket: local.backends.deps.config.bucketName, Key: fileKeyFor(idOf(link)) }))
        .catch(() => undefined);
    const ways: Record<Way, () => Promise<{ seconds: number; link: string }>> = {
      page: () => pageUpload(browser, local.pageUrl, file, false),
      "page encrypted": () => pageUpload(browser, local.pageUrl, file, true),
      cli: async () => {
        const t = await timed(process.execPath, [CLI, "upload", file, "--api", local.apiUrl], cliEnv);
        return { seconds: t.seconds, link: /^link: (\S+)$/m.exec(t.stdout)?.[1] ?? "" };
      },
    };
    const order = Object.keys(ways) as Way[];
    const times: Partial<Record<Way, number[]>> = {};
    const failed = new Set<Way>();
    for (let run = 0; run < RUNS; run++) {
      for (const way of order.map((_, i) => order[(i + run) % order.length] as Way)) {
        await flushWrites();
        try {
          const { seconds: s, link } = await ways[way]();
          (times[way] ??= []).push(s);
          await remove(link); // keeps the disk from filling; the record expires on its own
        } catch (e) {
          failed.add(way);
          console.log(`page: ${way} upload failed: ${(e as Error).message.split("\n")[0]}`);
        }
      }
    }
    const med = (way: Way) => (times[way] && !failed.has(way) ? median(times[way]) : undefined);
    const name = `${SIZE / MIB} MiB`;
    rows.push(
      row(
        "page",
        `upload ${name} in parts (Chromium): encrypted vs plain`,
        rate(med("page encrypted")),
        ratioOf(med("page"), med("page encrypted")),
        `plain ${rate(med("page"))}`,
        "≥ 0.87 (costs < 15%)",
      ),
      row(
        "page",
        `upload ${name} in parts: the page (plain, Chromium) vs fileshare upload`,
        rate(med("page")),
        ratioOf(med("cli"), med("page")),
        `CLI ${rate(med("cli"))}`,
        "≥ 0.8",
      ),
    );
    // The page's downloads (the share view saving a file decrypted as it streams) are bench/pageDownload.ts.
    console.log(`\npage, ${name} (medians of ${RUNS}):\n${table(rows)}`);
  } finally {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    const browser = await sharedChromium().catch(() => undefined);
    await browser?.close();
  }
  return rows;
}

if (require.main === module) {
  const started = Date.now();
  benchPage()
    .then(async (rows) => (await import("./report")).report(rows, started))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
