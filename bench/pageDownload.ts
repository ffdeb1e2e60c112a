// `npm run bench`, page download rows: the share view saving a large end-to-end encrypted file (2 GiB by default;
// FILESHARE_BENCH_PAGE_MIB changes it) in Chromium, decrypting as it downloads and writing through a
// FileSystemWritableFileStream, against the same file shared without encryption, in the same run:
//   - plain through the same pipe without decryption (fetch → the same kind of writable): the cost of decrypting;
//   - plain as the page saves it today (a navigation to the URL; the browser's download manager writes it).
// Memory is sampled every 200 ms while each runs: the page's JS heap (CDP Runtime.getHeapUsage) and the resident
// memory of every Chromium process (/proc), so "flat" is a number. The save picker is the one thing replaced: it
// hands out a file in the origin-private file system, which a persistent profile keeps on disk (an off-the-record
// context would keep it in memory). The shares are made from Node with scripts/encryptedShare.ts.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, Page } from "playwright-core";
import { loadSettings } from "../local/settings";
import { startLocal } from "../local/server";
import { CHROMIUM_ARGS, findChromium } from "../scripts/chromium";
import { createEncryptedShare, createPlainShare, PlainFile, streamOf } from "../scripts/encryptedShare";
import { ratioOf, Row } from "./report";
import { row } from "./support";

const MIB = 1024 * 1024;
const SIZE = Number(process.env["FILESHARE_BENCH_PAGE_MIB"] ?? "2048") * MIB;
const PAGE = "page download";

/** Resident memory (bytes) of each process descended from this one (Chromium and its helpers). */
function chromiumRss(): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  const out: number[] = [];
  for (const pid of parent.keys()) {
    if (!ours(pid)) continue;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) out.push(Number(m[1]) * 1024);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

interface Sampled {
  seconds: number;
  /** Peak of the page's used JS heap, and of the largest and of all Chromium processes' RSS, in bytes. */
  heap: number;
  largestRss: number;
  totalRss: number;
  /** The same before the run started. */
  before: { heap: number; largestRss: number; totalRss: number };
}

/** Runs `work` while sampling the page's heap and Chromium's memory. */
async function sampled(page: Page, context: BrowserContext, work: () => Promise<void>): Promise<Sampled> {
  const cdp = await context.newCDPSession(page);
  const heap = async () => ((await cdp.send("Runtime.getHeapUsage")) as { usedSize: number }).usedSize;
  const rss = chromiumRss();
  const before = { heap: await heap(), largestRss: Math.max(...rss), totalRss: rss.reduce((a, b) => a + b, 0) };
  const peak = { ...before };
  let running = true;
  const sampler = (async () => {
    while (running) {
      const now = chromiumRss();
      peak.heap = Math.max(peak.heap, await heap().catch(() => 0));
      peak.largestRss = Math.max(peak.largestRss, ...now);
      peak.totalRss = Math.max(
        peak.totalRss,
        now.reduce((a, b) => a + b, 0),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const started = process.hrtime.bigint();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await cdp.detach();
  return { seconds, ...peak, before };
}

const mib = (b: number) => `${(b / MIB).toFixed(0)} MiB`;
const speed = (s: Sampled) => `${s.seconds.toFixed(1)} s (${(SIZE / MIB / s.seconds).toFixed(0)} MiB/s)`;
const memory = (s: Sampled) =>
  `JS heap peak ${mib(s.heap)} (${mib(s.before.heap)} before); largest Chromium process ${mib(s.largestRss)} (${mib(s.before.largestRss)} before); all ${mib(s.totalRss)} (${mib(s.before.totalRss)} before)`;

/** Checks the saved file in the origin-private file system: its size, and 16 slices against the plaintext. */
async function checkSaved(page: Page, name: string, plain: PlainFile): Promise<void> {
  const offsets = Array.from({ length: 16 }, (_, i) => Math.floor(((SIZE - 65536) * i) / 15));
  const got = await page.evaluate(
    async ({ name, offsets }) => {
      const f = await (await (await navigator.storage.getDirectory()).getFileHandle(name)).getFile();
      const slices = [];
      for (const at of offsets) slices.push([...new Uint8Array(await f.slice(at, at + 65536).arrayBuffer())]);
      return { size: f.size, slices };
    },
    { name, offsets },
  );
  if (got.size !== SIZE) throw new Error(`${name}: ${got.size} bytes saved, ${SIZE} expected`);
  offsets.forEach((at, i) => {
    if (!Buffer.from(got.slices[i] as number[]).equals(plain.bytes(at, at + 65536))) {
      throw new Error(`${name}: the bytes at ${at} differ from the plaintext`);
    }
  });
}

export async function benchPageDownload(): Promise<Row[]> {
  const plain: PlainFile = {
    fileName: "large.bin",
    contentType: "application/octet-stream",
    size: SIZE,
    bytes: streamOf("page"),
  };
  const settings = await loadSettings({
    FILESHARE_AUTH: "none",
    FILESHARE_MAX_FILE_SIZE_BYTES: String(SIZE + 64 * MIB),
    FILESHARE_MAX_SHARE_SIZE_BYTES: String(SIZE + 64 * MIB),
    FILESHARE_MULTIPART_THRESHOLD_BYTES: String(64 * MIB),
    FILESHARE_MULTIPART_PART_SIZE_BYTES: String(64 * MIB),
    // The page starts each download at once; a slow machine must not see the URL expire before it is used.
    FILESHARE_DOWNLOAD_URL_TTL_SECONDS: "300",
  });
  const server = await startLocal({ port: 0, settings });
  const profile = await mkdtemp(join(tmpdir(), "fileshare-bench-profile-"));
  const { chromium } = await import("playwright-core");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
  });
  try {
    await context.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w["showSaveFilePicker"] = async (o: { suggestedName: string }) =>
        (await navigator.storage.getDirectory()).getFileHandle(o.suggestedName, { create: true });
    });
    const encrypted = await createEncryptedShare(server.apiUrl, [plain]);
    const clear = await createPlainShare(server.apiUrl, plain);
    await server.backends.idle();
    const page = await context.newPage();
    page.setDefaultTimeout(30 * 60_000);

    // Encrypted: the share view, Download, decrypted into the picked file.
    await page.goto(encrypted.link);
    await page.waitForSelector('#file-view[data-state="available"]');
    const enc = await sampled(page, context, async () => {
      await page.click("#download-button");
      await page.waitForFunction(() =>
        /saved, decrypted and verified|not saved/.test(
          document.getElementById("status")!.textContent! + document.getElementById("error")!.textContent!,
        ),
      );
    });
    const error = await page.textContent("#error");
    if (await page.isVisible("#error")) {
      // Still a result: how far it got, with the memory it used on the way.
      const saved = await page.evaluate(async () => {
        const root = await navigator.storage.getDirectory();
        return (await (await root.getFileHandle("large.bin")).getFile()).size;
      });
      return [
        row(
          PAGE,
          `${mib(SIZE)} encrypted: decrypt + write (File System Access)`,
          `failed after ${speed(enc)}: ${error} (${saved} bytes in the file)`,
          null,
          "",
          "encryption < 15% cost",
        ),
        row(PAGE, `memory while decrypting ${mib(SIZE)}`, memory(enc), undefined, "", "flat"),
      ];
    }
    await checkSaved(page, "large.bin", plain);
    await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry("large.bin"));

    // Plain, the same pipe without decryption.
    const grant = (await (
      await fetch(new URL(`files/${clear.id}/download`, server.apiUrl), { method: "POST" })
    ).json()) as { downloadUrl: string };
    const piped = await sampled(page, context, () =>
      page.evaluate(async (url) => {
        const handle = await (await navigator.storage.getDirectory()).getFileHandle("plain.bin", { create: true });
        await (
          await fetch(url, { cache: "no-store", credentials: "omit" })
        ).body!.pipeTo(await handle.createWritable());
      }, grant.downloadUrl),
    );
    await checkSaved(page, "plain.bin", plain);
    await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry("plain.bin"));

    // Plain, as the page saves it today: the browser's own download.
    await page.goto(clear.shareUrl);
    await page.waitForSelector('#file-view[data-state="available"]');
    const native = await sampled(page, context, async () => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-button")]);
      await download.path();
      await download.delete();
    });

    const goal = "encryption < 15% cost; memory flat";
    return [
      row(
        PAGE,
        `${mib(SIZE)} encrypted: decrypt + write (File System Access)`,
        speed(enc),
        ratioOf(enc.seconds, piped.seconds),
        `plain, same pipe: ${speed(piped)}`,
        goal,
      ),
      row(
        PAGE,
        `${mib(SIZE)} encrypted vs the browser's own download`,
        speed(enc),
        ratioOf(enc.seconds, native.seconds),
        `plain, navigation: ${speed(native)}`,
        "(what a person sees)",
      ),
      row(
        PAGE,
        `memory while decrypting ${mib(SIZE)}`,
        memory(enc),
        undefined,
        `plain, same pipe: ${memory(piped)}`,
        "flat",
      ),
    ];
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await server.close();
  }
}

if (require.main === module) {
  const started = Date.now();
  void benchPageDownload()
    .then(async (rows) => (await import("./report")).report(rows, started))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
