import assert from "node:assert/strict";
import { chromiumCandidates, findChromium, INSTALL_COMMAND, Machine } from "../../scripts/chromium";

/** A machine with exactly these files (and the folders above them). */
function machine(files: string[], over: Partial<Machine> = {}): Machine {
  return {
    env: {},
    platform: "linux",
    home: "/home/ada",
    exists: (path) => files.includes(path),
    list: (dir) => [
      ...new Set(
        files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split("/")[0] as string),
      ),
    ],
    ...over,
  };
}

describe("the browser tests' Chromium finder", () => {
  it("takes CHROMIUM_PATH first when it exists", () => {
    const m = machine(["/opt/my/chrome", "/usr/bin/chromium"], { env: { CHROMIUM_PATH: "/opt/my/chrome" } });
    assert.equal(findChromium(m), "/opt/my/chrome");
  });

  it("refuses a CHROMIUM_PATH that does not exist rather than silently using another browser", () => {
    const m = machine(["/usr/bin/chromium"], { env: { CHROMIUM_PATH: "/nope/chrome" } });
    assert.throws(() => findChromium(m), /^Error: CHROMIUM_PATH is \/nope\/chrome, which does not exist/);
  });

  it("finds the newest Chromium that `playwright install` put in ~/.cache/ms-playwright on Linux, before system browsers", () => {
    const m = machine([
      "/home/ada/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome",
      "/home/ada/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome",
      "/home/ada/.cache/ms-playwright/chromium_headless_shell-1255/chrome-headless-shell-linux64/chrome-headless-shell",
      "/usr/bin/chromium",
    ]);
    assert.equal(findChromium(m), "/home/ada/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome");
  });

  it("finds older Playwright builds (chrome-linux/chrome) and honours XDG_CACHE_HOME and PLAYWRIGHT_BROWSERS_PATH", () => {
    assert.equal(
      findChromium(
        machine(["/xdg/ms-playwright/chromium-1000/chrome-linux/chrome"], { env: { XDG_CACHE_HOME: "/xdg" } }),
      ),
      "/xdg/ms-playwright/chromium-1000/chrome-linux/chrome",
    );
    assert.equal(
      findChromium(machine(["/pw/chromium-1255/chrome-linux64/chrome"], { env: { PLAYWRIGHT_BROWSERS_PATH: "/pw" } })),
      "/pw/chromium-1255/chrome-linux64/chrome",
    );
  });

  it("finds Playwright's Chrome for Testing in ~/Library/Caches/ms-playwright on macOS", () => {
    const app = "/Users/ada/Library/Caches/ms-playwright/chromium-1255/chrome-mac-arm64/Google Chrome for Testing.app";
    const m = machine([`${app}/Contents/MacOS/Google Chrome for Testing`], { platform: "darwin", home: "/Users/ada" });
    assert.equal(findChromium(m), `${app}/Contents/MacOS/Google Chrome for Testing`);
  });

  it("finds Google Chrome and Chromium where macOS installs them", () => {
    const chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    const chromium = "/Users/ada/Applications/Chromium.app/Contents/MacOS/Chromium";
    const mac = { platform: "darwin" as const, home: "/Users/ada" };
    assert.equal(findChromium(machine([chrome, chromium], mac)), chrome);
    assert.equal(findChromium(machine([chromium], mac)), chromium);
  });

  it("finds Google Chrome on Linux, and Debian's /usr/bin/chromium when nothing else is there", () => {
    assert.equal(findChromium(machine(["/usr/bin/google-chrome", "/usr/bin/chromium"])), "/usr/bin/google-chrome");
    assert.equal(findChromium(machine(["/usr/bin/chromium"])), "/usr/bin/chromium");
    assert.equal(chromiumCandidates(machine([])).at(-1), "/usr/bin/chromium");
  });

  it("fails with one line naming the command that installs a browser when there is none", () => {
    let error: Error | undefined;
    try {
      findChromium(machine([]));
    } catch (e) {
      error = e as Error;
    }
    assert.ok(error, "findChromium throws when no browser exists");
    assert.ok(error.message.includes(INSTALL_COMMAND), error.message);
    assert.equal(INSTALL_COMMAND, "npx playwright-core install chromium");
    // mocha prints the stack when it has one: it must be the message alone, on one line.
    assert.equal(error.stack, error.message);
    assert.doesNotMatch(error.message, /\n/);
  });
});
