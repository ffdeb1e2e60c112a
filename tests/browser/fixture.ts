// The web page in a real browser (a Chromium found by scripts/chromium.ts, driven by playwright-core) against
// the local mode, started in-process with startLocal() so a test can move the handlers' clock (deps.now) to
// reach expiry. Every page state is saved as a screenshot under test-output/screenshots/ for a person to look at.
// usePage() gives each browser test file the same server, browser and helpers.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { LocalServer, startLocal } from "../../local/server";
import { loadSettings } from "../../local/settings";
import { sharedChromium } from "../../scripts/chromium";

const SCREENSHOTS = join(__dirname, "..", "..", "test-output", "screenshots");

/** What a suite may change: FILESHARE_* settings over the dev stack's (FILESHARE_ENCRYPTION "off" unless given), the issuer's token lifetime, and where
 *  its screenshots go. */
export interface PageOptions {
  env?: Record<string, string>;
  tokenTtlSeconds?: number;
  screenshots?: string;
}

/** Registers the suite's hooks (call it inside describe) and returns the server, the context and the helpers.
 *  Without `env` the suites run on an anonymous stack (auth none), the page as it is without sign-in. */
export function usePage(options: PageOptions = {}) {
  const screenshots = options.screenshots ?? SCREENSHOTS;
  let server: LocalServer;
  let browser: Browser;
  let context: BrowserContext;
  /** Console errors and page errors (a CSP violation shows up here), per page. */
  let problems: string[];

  const realNow = () => new Date();

  async function newPage(viewport = { width: 1000, height: 800 }): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("console", (m: ConsoleMessage) => {
      // The API's 4xx answers are expected in some states; Chromium logs each one as a failed load.
      const expected =
        /^Failed to load resource: the server responded with a status of (400|401|403|404|409|410|413|415|429) /;
      if (m.type() === "error" && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    return page;
  }

  async function text(page: Page, selector: string): Promise<string> {
    return (await page.textContent(selector)) ?? "";
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  /** Opens a share link as a person would (the browser asks for HTML) and waits for the view to settle. */
  async function openLink(page: Page, url: string): Promise<string> {
    await page.goto(url);
    await page.waitForSelector("#file-view[data-state]");
    return (await page.getAttribute("#file-view", "data-state")) as string;
  }

  /** WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)" / "rgba(...)"). */
  function contrast(a: string, b: string): number {
    const luminance = (css: string) => {
      const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
        const c = Number(v) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  }

  /** The focused element's id, outline colour and the background its outline is drawn on (the nearest opaque
   *  background of its ancestors: the ring sits outside the element, at outline-offset). */
  async function focusRing(page: Page): Promise<{ id: string; style: string; ring: string; behind: string }> {
    return page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      let node = el.parentElement;
      let behind = "rgb(255, 255, 255)";
      while (node) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg !== "transparent" && !/rgba\(.*, 0\)$/.test(bg)) {
          behind = bg;
          break;
        }
        node = node.parentElement;
      }
      const style = getComputedStyle(el);
      return { id: el.id, style: style.outlineStyle, ring: style.outlineColor, behind };
    });
  }

  /** Answers the next dialog the page opens (accept or dismiss) and resolves with its type and message. */
  function answerDialog(page: Page, answer: "accept" | "dismiss"): Promise<{ type: string; message: string }> {
    return new Promise((resolve, reject) => {
      page.once("dialog", (dialog) => {
        const seen = { type: dialog.type(), message: dialog.message() };
        (answer === "accept" ? dialog.accept() : dialog.dismiss()).then(() => resolve(seen), reject);
      });
    });
  }

  /** Signs in from one of the page's Sign in buttons through the local issuer's own page (a stack with sign-in);
   *  back on `page`, signed in, afterwards. `name`: a screenshot of the issuer's page. */
  async function signIn(page: Page, email: string, button = "#sign-in-button", name?: string): Promise<void> {
    await page.click(button);
    await page.waitForURL(/\/interaction\//);
    assert.match(await text(page, ".note"), /Local sign-in, for development only/);
    if (name) await shot(page, name);
    await page.fill("#email", email);
    await Promise.all([
      page.waitForURL((url) => url.origin === new URL(server.pageUrl).origin),
      page.click("button[type=submit]"),
    ]);
    await page.waitForSelector("#account-email:not([hidden])");
    assert.equal(await text(page, "#account-email"), `Signed in as ${email}`);
  }

  const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");

  async function apiInfo(id: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(new URL(`files/${id}`, server.apiUrl), { headers: { Accept: "application/json" } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  before(async function () {
    // The process's one Chromium (launched by the first browser suite); each test gets its own context below.
    browser = await sharedChromium();
    await mkdir(screenshots, { recursive: true });
    // The dev stack's settings, whatever the environment says, but with the clean-up timer at its slowest:
    // tests move the handlers' clock to show expired shares, which a clean-up run would otherwise remove.
    // Encryption off unless the suite says otherwise: the suites about plaintext flows check names and bytes the
    // server sees, and the page's Encrypt box is on by default where a stack allows it (encrypted-upload*.test.ts).
    const env = { FILESHARE_ENCRYPTION: "off", ...(options.env ?? { FILESHARE_AUTH: "none" }) };
    const settings = {
      ...(await loadSettings(env)),
      cleanupIntervalSeconds: 900,
    };
    server = await startLocal({ port: 0, settings, tokenTtlSeconds: options.tokenTtlSeconds });
  });

  after(async () => {
    await server?.close();
  });

  beforeEach(async () => {
    problems = [];
    context = await browser.newContext({ acceptDownloads: true, locale: "en-US", timezoneId: "UTC" });
    // Playwright's 30 s per action is a hang detector, not a speed test (that is npm run bench): on a loaded
    // machine handing Chromium a 14 MiB file took longer. The test's own timeout still bounds the whole.
    context.setDefaultTimeout(90_000);
    server.backends.deps.now = realNow;
  });

  afterEach(async function () {
    await context.close();
    server.backends.deps.now = realNow;
    assert.deepEqual(problems, [], "the page logged errors (a CSP violation would show here)");
  });

  return {
    get server() {
      return server;
    },
    get context() {
      return context;
    },
    /** The browser, for a second context (another person, with no shared storage). */
    get browser() {
      return browser;
    },
    /** What the page logged as errors so far; a test that provokes an error on purpose empties it. */
    get problems() {
      return problems;
    },
    set problems(value: string[]) {
      problems = value;
    },
    newPage,
    text,
    shot,
    openLink,
    contrast,
    focusRing,
    activeId,
    apiInfo,
    answerDialog,
    signIn,
  };
}
