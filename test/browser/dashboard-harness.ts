// The dashboard's browser tests: the built dashboard in the dev admin frame (scripts/admin-frame.mjs,
// a stand-in Shopify admin playing App Bridge), in front of the whole dev stack (real workerd, real
// Postgres), driven in Debian's Chromium. The stack and the Chromium are one for the whole run
// (test/browser/dashboard-stack.ts, the config's globalSetup); each test file has a shop of its own
// in it, seeded as the demo shop is, and an admin frame of its own that signs in to that shop:
//
//   const dash = await startDashboard({ name: "settings" });
//   await dash.app.getByRole("button", { name: "Save" }).click();   // inside the app's iframe
//   await dash.admin.saveBar.getByRole("button", { name: "Save" })  // the admin's save bar
//   await dash.close();
//
// `DEMO_SHOP` (and `dash.shop`) is the file's shop, not demo-shop.myshopify.com: a file sees only
// its own shop's data, whichever files ran before it. `page` is the admin's page; `app` the app's
// frame (a Playwright Frame, renewed by reload/goto). `open()` gives another tab (another shop,
// staff user or locale); `installShop()` installs a second shop through the real token exchange,
// for the tests that a shop sees only its own data (its name must be the file's alone in the run).
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Frame, type Locator, type Page } from "playwright-core";
import { expect, inject } from "vitest";
import { CONSOLE_DIST } from "../../dashboard/build.mjs";
import { buildDashboardForFrame, DASHBOARD_DIST, signSessionToken, startAdminFrame } from "../../scripts/admin-frame.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { CHROMIUM_ARGS, shopOfFile, type SharedStack, type ShopClaim } from "./dashboard-stack";
import { freePort } from "../../scripts/free-port.mjs";
export { freePort };

export { CHROMIUM_ARGS };

const ROOT = resolve(import.meta.dirname, "../..");
export const SCREENSHOTS = resolve(ROOT, "test-results/browser");

/** The test file importing this module (each file imports it afresh: vitest isolates files). */
const TEST_FILE = expect.getState().testPath;
/**
 * This file's shop, seeded as the demo shop: `dashboard-home.test.ts` → dashboard-home.myshopify.com.
 * Named DEMO_SHOP as the file's stand-in for the demo shop of a stack of its own.
 */
export const DEMO_SHOP = TEST_FILE ? shopOfFile(TEST_FILE) : "demo-shop.myshopify.com";

type AdminFrame = Awaited<ReturnType<typeof startAdminFrame>>;

export interface DashboardOptions {
  /** The file's short name, [a-z0-9_]+ (its shop is named after the file itself, see DEMO_SHOP). */
  name: string;
  /** Shops besides the file's own the admin frame may sign in to (install them with installShop). */
  extraShops?: string[];
  /** The first tab's app path (default "/"). */
  path?: string;
}

export interface OpenOptions {
  shop?: string;
  /** The staff user id in the session token's `sub` (default "1"). */
  user?: string;
  locale?: string;
  viewport?: { width: number; height: number };
  /** The browser's user agent (default Chromium's own, which says HeadlessChrome). */
  userAgent?: string;
  /** Runs on the tab's context before the admin page loads (routes to record, init scripts). */
  beforeLoad?: (context: BrowserContext) => Promise<void>;
}

/** One admin tab with the app inside it. */
export interface DashboardTab {
  context: BrowserContext;
  /** The admin's page (top bar, side nav, title bar, save bar, toasts). */
  page: Page;
  /** The app's frame: the dashboard itself. */
  readonly app: Frame;
  admin: {
    /** The admin's side nav (the app's <ui-nav-menu> links appear under "LoyalNest"). */
    nav: Locator;
    /** The page title the app set with <ui-title-bar>. */
    title: Locator;
    /** The contextual save bar (hidden unless the app shows its <ui-save-bar>). */
    saveBar: Locator;
    /** Toasts: `toasts.getByText("Saved")`. */
    toasts: Locator;
  };
  /** Uncaught errors and console errors of the app and the admin page. */
  errors: string[];
  /** Opens the app at `path` (a fresh admin page load, as typing the admin's URL). */
  goto(path: string): Promise<Frame>;
  /**
   * Reloads the admin page (and so the app): what "survives a reload" means. First waits until
   * the admin's URL shows the app's current path (the app tells the admin after it navigates),
   * and, given `at`, until that path matches it: a form moves from …/new to the saved item's
   * address only after the save has shown, and a reload before would reopen an empty form.
   */
  reload(options?: { at?: RegExp }): Promise<Frame>;
  /** Saves a screenshot of the whole admin page under test-results/browser/dashboard-<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface Dashboard extends DashboardTab {
  /** The run's shared stack: the Worker's `url`, the emulator's, the Postgres database's. */
  stack: SharedStack;
  /** This file's shop (= DEMO_SHOP): the first tab's, and sessionToken()'s by default. */
  shop: string;
  /** The Postgres database behind the Worker (every file's shop is in it). */
  databaseUrl: string;
  frame: AdminFrame;
  browser: Browser;
  apiKey: string;
  apiSecret: string;
  open(path?: string, options?: OpenOptions): Promise<DashboardTab>;
  /** A session token as the admin mints it, for calling the API directly. */
  sessionToken(shop?: string, user?: string): string;
  /** Installs `shop` through POST /auth/token-exchange (the Shopify emulator answers). */
  installShop(shop: string): Promise<void>;
  /** Closes the file's tabs and admin frame; the shared stack and Chromium stay for the run. */
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if (!/^[a-z0-9_]+$/.test(options.name)) throw new Error(`startDashboard: name must be [a-z0-9_]+, got ${options.name}`);
  if (!TEST_FILE) throw new Error("startDashboard: run it from a vitest test file of test/browser (its shop is named after the file)");
  const vars = readDevVars();
  const apiKey = vars.SHOPIFY_API_KEY!;
  const apiSecret = vars.SHOPIFY_API_SECRET!;
  const shop = DEMO_SHOP;
  const extraShops = options.extraShops ?? [];
  await buildOnce(apiKey);
  const stack = await control<SharedStack>("/stack");
  await control("/shops", { file: TEST_FILE, shop, extra: extraShops } satisfies ShopClaim);
  let frame: AdminFrame | undefined;
  let browser: Browser | undefined;
  try {
    frame = await startAdminFrame({ port: 0, workerOrigin: stack.url, apiKey, apiSecret, shops: [shop, ...extraShops] });
    browser = await chromium.connect(stack.browserWsEndpoint);
  } catch (error) {
    await browser?.close();
    await frame?.close();
    throw error;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const liveFrame = frame;
  const liveBrowser = browser;
  const tabs = new Set<DashboardTab>();

  async function open(path = "/", openOptions: OpenOptions = {}): Promise<DashboardTab> {
    const tab = await openTab(liveBrowser, liveFrame, path, openOptions);
    tabs.add(tab);
    const close = tab.close;
    tab.close = async () => {
      tabs.delete(tab);
      await close();
    };
    return tab;
  }

  const first = await open(options.path ?? "/");
  const dashboard: Dashboard = Object.create(first, {
    stack: { value: stack },
    shop: { value: shop },
    databaseUrl: { value: stack.databaseUrl },
    frame: { value: liveFrame },
    browser: { value: liveBrowser },
    apiKey: { value: apiKey },
    apiSecret: { value: apiSecret },
    open: { value: open },
    sessionToken: { value: (tokenShop = shop, user = "1") => signSessionToken({ apiKey, apiSecret, shop: tokenShop, userId: user }) },
    installShop: {
      async value(other: string) {
        if (other !== shop && !extraShops.includes(other)) throw new Error(`installShop: ${other} is not among startDashboard's extraShops (the run's files share one stack, so each names its shops up front)`);
        const res = await fetch(`${stack.url}/auth/token-exchange`, { method: "POST", headers: { authorization: `Bearer ${signSessionToken({ apiKey, apiSecret, shop: other })}` } });
        if (res.status !== 200) throw new Error(`installing ${other}: ${res.status} ${await res.text()}`);
      },
    },
    close: {
      async value() {
        for (const tab of [...tabs]) await tab.close().catch(() => {});
        // A connected browser's close() only disconnects: the run's Chromium stays for the other files.
        await liveBrowser.close();
        await liveFrame.close();
      },
    },
  });
  return dashboard;
}

/**
 * Asks the run's stack (dashboard-stack.ts) over node:http, without fetch's 300 s header timeout:
 * the stack's first start has taken over five minutes on this shared machine.
 */
function control<T = unknown>(path: string, body: unknown = {}): Promise<T> {
  const base = inject("dashboardStack");
  if (!base) throw new Error("startDashboard: no shared stack; run the browser tests with test/browser/vitest.config.ts (its globalSetup starts it)");
  return new Promise((done, fail) => {
    const req = request(new URL(path, base), { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        if (res.statusCode === 200) return done(JSON.parse(text) as T);
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {
          // not JSON: the text as it came
        }
        fail(new Error(`the shared dashboard stack (${path}): ${res.statusCode} ${message}`));
      });
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(JSON.stringify(body));
  });
}

async function openTab(browser: Browser, frame: AdminFrame, path: string, options: OpenOptions): Promise<DashboardTab> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 }, locale: options.locale ?? "en-US", ...(options.userAgent ? { userAgent: options.userAgent } : {}) });
  await options.beforeLoad?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  let app: Frame | null = null;
  const appFrame = async (): Promise<Frame> => {
    const found = await (await page.waitForSelector("#app-frame", { state: "attached" })).contentFrame();
    if (!found) throw new Error("the admin page has no app frame");
    await found.waitForLoadState("load");
    app = found;
    return found;
  };
  const url = (target: string) => frame.adminUrl(target, { shop: options.shop, user: options.user, locale: options.locale });
  await page.goto(url(path));
  await appFrame();
  return {
    context,
    page,
    get app() {
      if (!app) throw new Error("the app frame is not loaded");
      return app;
    },
    admin: {
      nav: page.getByRole("navigation", { name: "Admin" }),
      title: page.locator("#page-title"),
      saveBar: page.getByRole("region", { name: "Unsaved changes" }),
      toasts: page.getByRole("status", { name: "Notifications" }),
    },
    errors,
    async goto(target: string) {
      await page.goto(url(target));
      return appFrame();
    },
    async reload({ at }: { at?: RegExp } = {}) {
      const adminShows = () => {
        const appPath = app ? new URL(app.url()).pathname : "/";
        const adminPath = new URL(page.url()).pathname;
        return (appPath === "/" || adminPath.endsWith(appPath)) && (!at || at.test(appPath));
      };
      // A loop, not expect.poll: reload() is also called from beforeAll, outside any test.
      for (const deadline = Date.now() + 15_000; !adminShows(); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() > deadline) throw new Error(`the admin's URL ${page.url()} did not follow the app's (${app?.url()})${at ? ` to ${at}` : ""} within 15 s`);
      }
      await page.reload();
      return appFrame();
    },
    async screenshot(name: string) {
      await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
    },
  };
}

// --- Building dashboard/dist once for all test files of a run -----------------------------------
// Test files run in parallel processes; each would rebuild dist/ under the others' feet. A lock
// directory serialises them, and a dist newer than every source is kept.
const LOCK = resolve(ROOT, "dashboard/.build-lock");

async function buildOnce(apiKey: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${LOCK} held for 3 minutes: a crashed build? remove it`);
      await new Promise((next) => setTimeout(next, 250));
    }
  }
  try {
    if (!isFresh()) await buildDashboardForFrame({ apiKey });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function isFresh(): boolean {
  // One build writes both entries: the merchant's app and the admin console.
  const built = [resolve(DASHBOARD_DIST, "index.html"), resolve(CONSOLE_DIST, "index.html")];
  if (!built.every((file) => existsSync(file))) return false;
  const builtAt = Math.min(...built.map((file) => statSync(file).mtimeMs));
  const sources = [
    resolve(ROOT, "dashboard/index.html"),
    resolve(ROOT, "dashboard/console.html"),
    resolve(ROOT, "dashboard/build.mjs"),
    ...walk(resolve(ROOT, "dashboard/src")),
    ...walk(resolve(ROOT, "widget/src")), // the content preview bundles the widget's views
  ];
  return sources.every((file) => statSync(file).mtimeMs < builtAt);
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
}

// Auto-waiting checks on what the merchant sees (playwright-core has no expect of its own).
export const see = (locator: Locator) => ({
  toBeVisible: () => locator.waitFor({ state: "visible" }),
  toBeHidden: () => locator.waitFor({ state: "hidden" }),
  toHaveValue: (value: string) => expect.poll(() => locator.inputValue()).toBe(value),
  toBeChecked: (checked = true) => expect.poll(() => locator.isChecked()).toBe(checked),
  toHaveAttribute: (name: string, value: string) => expect.poll(() => locator.getAttribute(name)).toBe(value),
  /** The text of the elements its aria-describedby names: the help text and the inline error. */
  toHaveAccessibleDescription: (pattern: RegExp) =>
    expect
      .poll(() =>
        locator.evaluate((el) =>
          (el.getAttribute("aria-describedby") ?? "")
            .split(" ")
            .map((id) => document.getElementById(id)?.textContent ?? "")
            .join(" "),
        ),
      )
      .toMatch(pattern),
});
