// `npm run screenshots`: remakes the page's pictures in docs/images/ from the real thing. It runs `npm start`
// (in memory, on a free port), shares a small file from the page in headless Chromium as a person would, and
// photographs the result and the share link; then shares a folder of 20 files and photographs its share link on a
// laptop and on a phone. Rerun it whenever the page changes; commit the PNGs it writes.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, findChromium } from "./chromium";

const ROOT = join(__dirname, "..");
const OUT = join(ROOT, "docs", "images");
/** A laptop-sized window at 1x: readable in the README, and small files. */
const VIEWPORT = { width: 960, height: 640 };
/** A phone (an iPhone 12-15's CSS pixels), at 1x to keep the file small. */
const PHONE = { width: 390, height: 844 };

/** A folder as a person might share it: 20 files in sub-folders, under a temporary directory. */
function holidayFolder(): { root: string; folder: string } {
  const root = mkdtempSync(join(tmpdir(), "fileshare-screenshots-"));
  const names = [
    ...Array.from({ length: 12 }, (_, i) => `day 1/IMG_${String(4410 + i)}.jpg`),
    ...Array.from({ length: 5 }, (_, i) => `day 2/IMG_${String(4502 + i)}.jpg`),
    "day 2/beach.mp4",
    "itinerary.pdf",
    "notes – what to bring.txt",
  ];
  for (const [i, name] of names.entries()) {
    const path = join(root, "holiday", name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.alloc(40000 + i * 7919, i));
  }
  return { root, folder: join(root, "holiday") };
}
const START_TIMEOUT_MS = 120000;

/** `npm start -- --memory` in its own process group; resolves with the page URL it prints, and a stop. */
function startLocal(): Promise<{ url: string; stop: () => void }> {
  const child = spawn("npm", ["start", "--silent", "--", "--memory"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0" },
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGINT");
  };
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`npm start printed no URL within ${START_TIMEOUT_MS / 1000} s:\n${out}`));
    }, START_TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /fileshare is running: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1] as string, stop });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was running:\n${out}`));
    });
  });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const local = await startLocal();
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: "en-GB" });
    const page = await context.newPage();
    await page.goto(local.url);
    await page.waitForSelector("#upload-view:not([hidden])");
    const report = Buffer.from("Quarterly report\n".repeat(20000));
    await page.setInputFiles("#file-input", {
      name: "quarterly-report.pdf",
      mimeType: "application/pdf",
      buffer: report,
    });
    await page.fill("#max-downloads", "5");
    await page.click("#upload-button");
    await page.waitForSelector("#result:not([hidden])");
    await page.screenshot({ path: join(OUT, "shared.png") });

    const link = await page.inputValue("#share-link");
    const viewer = await context.newPage();
    await viewer.goto(link);
    await viewer.waitForSelector("#download-button:not([hidden])");
    await viewer.screenshot({ path: join(OUT, "share-link.png") });

    const { root, folder } = holidayFolder();
    try {
      const sender = await context.newPage();
      await sender.goto(local.url);
      await sender.waitForSelector("#upload-view:not([hidden])");
      await sender.setInputFiles("#folder-input", folder);
      await sender.fill("#share-title", "Holiday 2026");
      await sender.click("#upload-button");
      await sender.waitForSelector("#result:not([hidden])");
      const folderLink = await sender.inputValue("#share-link");
      const files = await context.newPage();
      await files.goto(folderLink);
      await files.waitForSelector("#share-files:not([hidden])");
      await files.screenshot({ path: join(OUT, "share-files.png") });
      await files.setViewportSize(PHONE);
      await files.screenshot({ path: join(OUT, "share-files-phone.png") });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    process.stdout.write(
      "screenshots: docs/images/shared.png, share-link.png, share-files.png, share-files-phone.png " +
        `(from ${local.url})\n`,
    );
  } finally {
    await browser.close();
    local.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`screenshots failed: ${(e as Error).message}\n`);
  process.exit(1);
});
