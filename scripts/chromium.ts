// Finds a Chromium for the browser tests on a fresh machine, in this order: $CHROMIUM_PATH, the browsers
// Playwright downloads (`npx playwright-core install chromium`, also `npx playwright install chromium`), then
// Google Chrome / Chromium where Linux and macOS put them, Debian's /usr/bin/chromium last of the Linux paths.
import { existsSync, readdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { homedir } from "node:os";
import { join } from "node:path";

/** The command named when no browser is found; it installs the revision playwright-core drives. */
export const INSTALL_COMMAND = "npx playwright-core install chromium";

/** What the finder may look at, injectable so a test can describe any machine. */
export interface Machine {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  exists(path: string): boolean;
  /** The entries of a folder, or [] when there is none. */
  list(dir: string): string[];
}

/** This machine. */
export function thisMachine(): Machine {
  return {
    env: process.env,
    platform: process.platform,
    home: homedir(),
    exists: existsSync,
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}

/** Where Playwright keeps its browsers (PLAYWRIGHT_BROWSERS_PATH overrides; as Playwright computes it). */
function playwrightCache(m: Machine): string | undefined {
  const override = m.env["PLAYWRIGHT_BROWSERS_PATH"];
  if (override !== undefined && override !== "" && override !== "0") return override;
  if (m.platform === "linux") return join(m.env["XDG_CACHE_HOME"] || join(m.home, ".cache"), "ms-playwright");
  if (m.platform === "darwin") return join(m.home, "Library", "Caches", "ms-playwright");
  return undefined;
}

/** The executable inside one Playwright chromium-<revision> folder: Chrome for Testing builds (current) and the
 *  older Chromium builds. */
function playwrightExecutables(m: Machine, dir: string): string[] {
  if (m.platform === "linux") {
    return [
      join(dir, "chrome-linux64", "chrome"),
      join(dir, "chrome-linux-arm64", "chrome"),
      join(dir, "chrome-linux", "chrome"),
    ];
  }
  if (m.platform === "darwin") {
    const cft = ["Google Chrome for Testing.app", "Contents", "MacOS", "Google Chrome for Testing"];
    return [
      join(dir, "chrome-mac-arm64", ...cft),
      join(dir, "chrome-mac-x64", ...cft),
      join(dir, "chrome-mac", "Chromium.app", "Contents", "MacOS", "Chromium"),
    ];
  }
  return [];
}

/** Every place a Chromium may be, in the order they are tried (without $CHROMIUM_PATH). */
export function chromiumCandidates(m: Machine): string[] {
  const cache = playwrightCache(m);
  const revisions =
    cache === undefined
      ? []
      : m
          .list(cache)
          .filter((name) => /^chromium-\d+$/.test(name))
          .sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  const fromPlaywright = revisions.flatMap((name) => playwrightExecutables(m, join(cache as string, name)));
  if (m.platform === "darwin") {
    const apps = [
      ["Google Chrome.app", "Contents", "MacOS", "Google Chrome"],
      ["Chromium.app", "Contents", "MacOS", "Chromium"],
    ];
    const system = apps.flatMap((app) => [join("/Applications", ...app), join(m.home, "Applications", ...app)]);
    return [...fromPlaywright, ...system];
  }
  if (m.platform === "linux") {
    const system = [
      "/usr/bin/google-chrome-stable",
      "/usr/bin/google-chrome",
      "/opt/google/chrome/chrome",
      "/usr/bin/chromium-browser",
      "/snap/bin/chromium",
      "/usr/bin/chromium",
    ];
    return [...fromPlaywright, ...system];
  }
  return fromPlaywright;
}

/** An error whose report is its message alone: mocha prints one line, not a stack trace. */
function oneLine(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/** The Chromium to drive, or an error of one line that names the command installing one. */
export function findChromium(m: Machine = thisMachine()): string {
  const chosen = m.env["CHROMIUM_PATH"];
  if (chosen !== undefined && chosen !== "") {
    if (m.exists(chosen)) return chosen;
    throw oneLine(
      `CHROMIUM_PATH is ${chosen}, which does not exist: point it at a Chromium or Chrome executable, or unset it and run \`${INSTALL_COMMAND}\`.`,
    );
  }
  const found = chromiumCandidates(m).find((path) => m.exists(path));
  if (found !== undefined) return found;
  throw oneLine(
    `No Chromium found for the browser tests: run \`${INSTALL_COMMAND}\` (or set CHROMIUM_PATH to a Chrome or Chromium executable).`,
  );
}

/** The flags measured to work headless on these machines. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let shared: Promise<Browser> | undefined;

/** One Chromium for every browser test file in this process (a launch costs seconds on a busy machine). Tests
 *  share nothing through it: each works in its own context (its own cookies and storage), and closes it. The
 *  browser goes with the process: playwright kills what it launched when the process exits. */
export function sharedChromium(): Promise<Browser> {
  if (shared === undefined) {
    const launching = (async () => {
      const executablePath = findChromium();
      // Loaded here, not at the top: the finder's own tests should not pay for loading playwright.
      const { chromium } = await import("playwright-core");
      // launch() gives the browser a fresh temporary profile (user-data-dir) and removes it when it closes.
      const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      browser.on("disconnected", () => {
        if (shared === launching) shared = undefined;
      });
      return browser;
    })();
    // A failed launch is not kept: the next file tries again (and reports its own failure).
    launching.catch(() => {
      if (shared === launching) shared = undefined;
    });
    shared = launching;
  }
  return shared;
}
