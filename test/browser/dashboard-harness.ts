// The dashboard's browser tests: the built dashboard in the dev admin frame (scripts/admin-frame.mjs,
// a stand-in Shopify admin playing App Bridge), in front of the whole dev stack (real workerd, real
// Postgres), driven in Debian's Chromium. One stack per test file, with a database of its own:
//
//   const dash = await startDashboard({ name: "settings" });
//   await dash.app.getByRole("button", { name: "Save" }).click();   // inside the app's iframe
//   await dash.admin.saveBar.getByRole("button", { name: "Save" })  // the admin's save bar
//   await dash.close();
//
// `page` is the admin's page; `app` the app's frame (a Playwright Frame, renewed by reload/goto).
// `open()` gives another tab (another shop, staff user or locale); `installShop()` installs a
// second shop through the real token exchange, for the tests that a shop sees only its own data.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Frame, type Locator, type Page } from "playwright-core";
import { buildDashboardForFrame, DASHBOARD_DIST, signSessionToken } from "../../scripts/admin-frame.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";

export { DEMO_SHOP };

const ROOT = resolve(import.meta.dirname, "../..");
export const SCREENSHOTS = resolve(ROOT, "test-results/browser");
// Without the background-networking flags Chromium dials out at start, and the closed network here refuses it.
export const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export type DevStack = Awaited<ReturnType<typeof startDevStack>>;
type AdminFrame = NonNullable<DevStack["adminFrame"]>;

export interface DashboardOptions {
  /** Names the test file's database (loyalnest_browser_dashboard_<name>) and state directory. */
  name: string;
  /** Shops besides the demo shop the admin frame may sign in to (install them with installShop). */
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
  /** Reloads the admin page (and so the app): what "survives a reload" means. */
  reload(): Promise<Frame>;
  /** Saves a screenshot of the whole admin page under test-results/browser/dashboard-<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface Dashboard extends DashboardTab {
  stack: DevStack;
  frame: AdminFrame;
  browser: Browser;
  apiKey: string;
  apiSecret: string;
  open(path?: string, options?: OpenOptions): Promise<DashboardTab>;
  /** A session token as the admin mints it, for calling the API directly. */
  sessionToken(shop?: string, user?: string): string;
  /** Installs `shop` through POST /auth/token-exchange (the Shopify emulator answers). */
  installShop(shop: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if (!/^[a-z0-9_]+$/.test(options.name)) throw new Error(`startDashboard: name must be [a-z0-9_]+, got ${options.name}`);
  const executablePath = ensureChromium();
  const vars = readDevVars();
  const apiKey = vars.SHOPIFY_API_KEY!;
  const apiSecret = vars.SHOPIFY_API_SECRET!;
  await buildOnce(apiKey);
  const persistTo = mkdtempSync(join(tmpdir(), `loyalnest-browser-dashboard-${options.name}-`));
  let stack: DevStack | undefined;
  let browser: Browser | undefined;
  try {
    stack = await startDevStack({
      port: await freePort(),
      persistTo,
      quiet: true,
      emulatorPort: 0,
      database: `loyalnest_browser_dashboard_${options.name}`,
      adminFramePort: 0,
      adminFrameShops: options.extraShops ?? [],
    });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  } catch (error) {
    await browser?.close();
    await stack?.stop();
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const frame = stack.adminFrame!;
  const liveStack = stack;
  const liveBrowser = browser;
  const tabs = new Set<DashboardTab>();

  async function open(path = "/", openOptions: OpenOptions = {}): Promise<DashboardTab> {
    const tab = await openTab(liveBrowser, frame, path, openOptions);
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
    stack: { value: liveStack },
    frame: { value: frame },
    browser: { value: liveBrowser },
    apiKey: { value: apiKey },
    apiSecret: { value: apiSecret },
    open: { value: open },
    sessionToken: { value: (shop = DEMO_SHOP, user = "1") => signSessionToken({ apiKey, apiSecret, shop, userId: user }) },
    installShop: {
      async value(shop: string) {
        const res = await fetch(`${liveStack.url}/auth/token-exchange`, { method: "POST", headers: { authorization: `Bearer ${signSessionToken({ apiKey, apiSecret, shop })}` } });
        if (res.status !== 200) throw new Error(`installing ${shop}: ${res.status} ${await res.text()}`);
      },
    },
    close: {
      async value() {
        for (const tab of [...tabs]) await tab.close().catch(() => {});
        await liveBrowser.close();
        await liveStack.stop();
        rmSync(persistTo, { recursive: true, force: true });
      },
    },
  });
  return dashboard;
}

async function openTab(browser: Browser, frame: AdminFrame, path: string, options: OpenOptions): Promise<DashboardTab> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 }, locale: options.locale ?? "en-US" });
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
    async reload() {
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
  const built = resolve(DASHBOARD_DIST, "index.html");
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  const sources = [resolve(ROOT, "dashboard/index.html"), resolve(ROOT, "dashboard/build.mjs"), ...walk(resolve(ROOT, "dashboard/src")), ...walk(resolve(ROOT, "widget/src"))]; // the content preview bundles the widget's views
  return sources.every((file) => statSync(file).mtimeMs < builtAt);
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().once("error", fail).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}
