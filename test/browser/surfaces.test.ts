// The storefront's surfaces besides the panel, as a shopper meets them: points on the product page,
// the sticky bar, the email-capture and exit-intent popups, each only when the merchant turns it on
// (PUT /v1/api/settings `storefront`), with the merchant's copy or the widget's strings; and the
// panel's signed-out introduction. The built widget.js on theme pages, the real Worker behind the
// stand-in App Proxy, Debian's Chromium. (Setup as in widget.test.ts, with a database of its own.)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { buildWidget } from "../../widget/build.mjs";
import { sessionToken, useCredentials } from "../helpers/shopify";
import { CUSTOMER_COOKIE, PROXY_PREFIX, startStorefront } from "./storefront";
import { freePort } from "../../scripts/free-port.mjs";

const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/browser");
// Without the background-networking flags Chromium dials out at start, and the closed network here refuses it.
const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const DAY_MS = 24 * 3600 * 1000;
/** surfaces/surfaces.tsx EMAIL_POPUP_DELAY_MS */
const EMAIL_POPUP_DELAY_MS = 5_000;
const ALL_OFF = { product_points: false, email_popup: false, exit_popup: false, sticky_bar: false };
/** The account pages the theme app embed names (Liquid's routes), not the classic paths. */
const LOGIN_URL = "/customer_authentication/login?locale=en";
const REGISTER_URL = "/customer_authentication/register?locale=en";

const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-browser-surfaces-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let storefront: Awaited<ReturnType<typeof startStorefront>>;
let browser: Browser;

const newCustomerId = () => String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));

beforeAll(async () => {
  const executablePath = ensureChromium();
  const { file } = await buildWidget({ log: () => {} });
  stack = await startDevStack({ port: await freePort(), persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_browser_surfaces" });
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: stack.url });
  await merchant("/v1/api/points-program", { config: { purchase: 10, signup: 200 } });
  storefront = await startStorefront({ widgetFile: file, appOrigin: stack.url, apiSecret: vars.SHOPIFY_API_SECRET, shop: DEMO_SHOP });
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await storefront?.close();
  await stack?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

/** A change the merchant saves from the dashboard. */
async function merchant(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${stack.url}${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${await sessionToken(DEMO_SHOP)}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

const setStorefront = (storefront: Record<string, unknown>) => merchant("/v1/api/settings", { storefront });

interface PageOptions {
  lang?: string;
  /** The product-points block's attributes; none: a page without the block. */
  product?: { cents: string; currency: string };
  /** Shopify's presentment currency and its rate to the shop's. */
  currency?: { active: string; rate: string };
  /** The embed's account links (data-login-url / data-register-url). */
  embedLinks?: boolean;
}

/** A theme page as Shopify renders one with the app embed (and, on a product page, the product-points block). */
function themePage(options: PageOptions): string {
  const lang = options.lang ?? "en";
  const shopify = { locale: lang, currency: options.currency ?? { active: "USD", rate: "1.0" }, routes: { root: "/" } };
  const block = options.product
    ? `<div class="product-points" data-loyalnest-product-points data-price-cents="${options.product.cents}" data-currency="${options.product.currency}"></div>`
    : "";
  const embed = options.embedLinks ? `<div hidden data-login-url="${LOGIN_URL}" data-register-url="${REGISTER_URL}"></div>` : "";
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>Linen shirt</title>
<script>window.Shopify = ${JSON.stringify(shopify)};</script>
<style>body { margin: 0; padding: 80px 32px; font: 16px/1.5 Georgia, serif; background: #faf7f2; } .product-points { color: #1d6b52; }</style>
</head><body>
<h1>Linen shirt</h1><p>Price: <span class="price">$25.00</span></p>${block}<button>Add to cart</button>
${embed}
<script src="/widget.js" data-proxy-base="${PROXY_PREFIX}" defer></script>
</body></html>`;
}

/**
 * A fresh tab on a product page (`/products/linen-shirt`, served as the theme would). A signed-in
 * shopper has the storefront's session cookie and their id in ShopifyAnalytics, as on Shopify.
 * Posts to /contact are recorded and answered as Shopify answers a newsletter signup (`contact`).
 */
async function visit(options: { customerId?: string; context?: BrowserContextOptions; contact?: "subscribed" | "refused"; clock?: boolean } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...options.context });
  if (options.customerId) {
    await context.addCookies([{ name: CUSTOMER_COOKIE, value: options.customerId, url: storefront.url }]);
    await context.addInitScript((id) => {
      (window as unknown as { ShopifyAnalytics: unknown }).ShopifyAnalytics = { meta: { page: { customerId: Number(id) } } };
    }, options.customerId);
  }
  const page = await context.newPage();
  if (options.clock) await page.clock.install();
  const requests: string[] = [];
  page.on("request", (request) => requests.push(new URL(request.url()).pathname));
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const contacts: URLSearchParams[] = [];
  await page.route("**/contact", async (route) => {
    contacts.push(new URLSearchParams(route.request().postData() ?? ""));
    if (options.contact === "refused") await route.fulfill({ status: 200, contentType: "text/html", body: "<form>Email can't be blank</form>" });
    else await route.fulfill({ status: 302, headers: { location: "/?customer_posted=true" } });
  });
  let pageOptions: PageOptions = {};
  await page.route("**/products/linen-shirt*", (route) => route.fulfill({ status: 200, contentType: "text/html", body: themePage(pageOptions) }));
  const surfaces = page.locator("#loyalnest-surfaces");
  const widget = page.locator("#loyalnest-widget");
  return {
    page,
    requests,
    errors,
    contacts,
    surfaces,
    launcher: widget.locator(".ln-launcher"),
    panel: widget.getByRole("dialog"),
    block: page.locator("[data-loyalnest-product-points]"),
    /** Opens the product page and waits for the widget config's answer. */
    go: async (next: PageOptions = {}) => {
      pageOptions = next;
      const config = page.waitForResponse((response) => response.url().includes(`${PROXY_PREFIX}/widget/config`));
      await page.goto(`${storefront.url}/products/linen-shirt`);
      await config;
      await widget.locator(".ln-launcher").waitFor();
    },
    /** The surfaces' script has run (its shadow host is on the page). */
    mounted: () => surfaces.waitFor({ state: "attached" }),
    close: () => context.close(),
  };
}

type Tab = Awaited<ReturnType<typeof visit>>;

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
const fetchedSurfaces = (tab: Tab) => tab.requests.filter((path) => path.endsWith("/widget-surfaces.js")).length;

/** The id or class of the element with focus inside the surfaces' shadow root. */
const focusedInSurfaces = (page: Page) =>
  page.evaluate(() => {
    const active = document.getElementById("loyalnest-surfaces")?.shadowRoot?.activeElement;
    return active ? active.id || active.getAttribute("aria-label") || active.textContent : null;
  });

/** Moves the pointer onto the page, then out through its top edge, as a shopper heading for the tabs. */
async function leaveThroughTop(page: Page) {
  await page.mouse.move(550, 300);
  await page.mouse.move(550, 2, { steps: 4 });
  await page.mouse.move(550, -20);
}

beforeEach(async () => {
  await setStorefront({ surfaces: { ...ALL_OFF, product_points: true }, popup_every_days: 30, copy: { en: { sticky_bar: null, email_popup_title: null, exit_popup_title: null } } });
});

describe("surfaces the merchant left off", () => {
  it("never fetch widget-surfaces.js: a page without a product block, with popups and bar off (the defaults)", async () => {
    const tab = await visit();
    await tab.go();
    await tab.page.mouse.move(550, 300);
    await tab.page.waitForTimeout(300);
    expect(fetchedSurfaces(tab)).toBe(0);
    expect(await tab.surfaces.count()).toBe(0);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("leave the product block empty when product points are off", async () => {
    await setStorefront({ surfaces: ALL_OFF });
    const tab = await visit();
    await tab.go({ product: { cents: "2500", currency: "USD" } });
    await tab.page.waitForTimeout(300);
    expect(fetchedSurfaces(tab)).toBe(0);
    expect(await tab.block.textContent()).toBe("");
    await tab.close();
  });
});

describe("product-page points", () => {
  it("shows what the price earns at the program's rate, follows the variant's price, and speaks the page's language", async () => {
    const tab = await visit();
    await tab.go({ product: { cents: "2500", currency: "USD" } });
    await expect.poll(() => tab.block.textContent()).toBe("Earn 250 points with this purchase");
    expect(fetchedSurfaces(tab)).toBe(1);
    await shot(tab.page, "surfaces-product-points");

    // The theme writes the chosen variant's price into the block: $19.99 earns 199 (rounded down).
    await tab.block.evaluate((block) => block.setAttribute("data-price-cents", "1999"));
    await expect.poll(() => tab.block.textContent()).toBe("Earn 199 points with this purchase");
    // A price with nothing to earn: the block says nothing.
    await tab.block.evaluate((block) => block.setAttribute("data-price-cents", "5"));
    await expect.poll(() => tab.block.textContent()).toBe("");

    await tab.go({ lang: "es", product: { cents: "2500", currency: "USD" } });
    await expect.poll(() => tab.block.textContent()).toBe("Gana 250 puntos con esta compra");
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("brings a price in another presentment currency back to the shop's with Shopify's rate", async () => {
    const tab = await visit();
    // €27.00 at 0.9 euros per dollar is $30.00: 300 points.
    await tab.go({ product: { cents: "2700", currency: "EUR" }, currency: { active: "EUR", rate: "0.9" } });
    await expect.poll(() => tab.block.textContent()).toBe("Earn 300 points with this purchase");
    await tab.close();
  });
});

describe("sticky bar", () => {
  it("shows the merchant's copy with a join link, stays dismissed for popup_every_days, and uses the widget's strings where the merchant wrote none", async () => {
    await setStorefront({ surfaces: { ...ALL_OFF, sticky_bar: true }, popup_every_days: 7, copy: { en: { sticky_bar: "Members get free shipping over $50" } } });
    const tab = await visit();
    await tab.go({ embedLinks: true });
    const bar = tab.surfaces.getByRole("region", { name: "Rewards program" });
    await bar.getByText("Members get free shipping over $50", { exact: true }).waitFor();
    expect(await bar.getByRole("link", { name: "Join now" }).getAttribute("href")).toBe(REGISTER_URL);
    await shot(tab.page, "surfaces-sticky-bar");

    await bar.getByRole("button", { name: "Dismiss" }).click();
    await bar.waitFor({ state: "detached" });
    await tab.go({ embedLinks: true });
    await tab.mounted();
    await tab.page.waitForTimeout(300);
    expect(await bar.count(), "dismissed for 7 days").toBe(0);

    // Eight days later it comes back; the Spanish page has no Spanish copy: the widget's own.
    await tab.page.evaluate((at) => localStorage.setItem("loyalnest_sticky_bar_dismissed", String(at)), Date.now() - 8 * DAY_MS);
    await tab.go({ lang: "es" });
    const barEs = tab.surfaces.getByRole("region", { name: "Programa de recompensas" });
    await barEs.getByText("Únete a nuestro programa de recompensas: gana puntos en cada pedido", { exact: true }).waitFor();
    expect(await barEs.getByRole("link", { name: "Únete ahora" }).getAttribute("href"), "no embed links: the classic path").toBe("/account/register");
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("opens the panel for a signed-in member", async () => {
    await setStorefront({ surfaces: { ...ALL_OFF, sticky_bar: true } });
    const tab = await visit({ customerId: newCustomerId() });
    await tab.go();
    await tab.surfaces.getByRole("button", { name: "See rewards" }).click();
    await tab.panel.waitFor();
    await tab.close();
  });

  it("opens the panel when the merchant turned the launcher off, and no launcher is painted", async () => {
    await setStorefront({ surfaces: { ...ALL_OFF, sticky_bar: true, launcher: false } });
    try {
      const tab = await visit({ customerId: newCustomerId() });
      const config = tab.page.waitForResponse((response) => response.url().includes(`${PROXY_PREFIX}/widget/config`));
      await tab.page.goto(`${storefront.url}/products/linen-shirt`);
      await config;
      await tab.surfaces.getByRole("button", { name: "See rewards" }).click();
      await tab.panel.waitFor();
      expect(await tab.launcher.count()).toBe(0);
      await tab.close();
    } finally {
      await setStorefront({ surfaces: { launcher: true } });
    }
  });
});

describe("email-capture popup", () => {
  beforeEach(async () => {
    await setStorefront({ surfaces: { ...ALL_OFF, email_popup: true }, popup_every_days: 14 });
  });

  it("offers the signup points a few seconds in, keeps focus inside, closes on Escape, and stays away for popup_every_days", async () => {
    const tab = await visit({ clock: true });
    await tab.go();
    await tab.mounted();
    const dialog = tab.surfaces.getByRole("dialog", { name: "Get 200 points when you join" });
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS - 1_000);
    expect(await dialog.count(), "not at once").toBe(0);
    await tab.page.clock.fastForward(1_000);
    await dialog.waitFor();
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    expect(await dialog.getAttribute("aria-describedby")).toBe("lns-email-body");
    expect(await focusedInSurfaces(tab.page)).toBe("lns-email-input");
    await shot(tab.page, "surfaces-email-popup");

    // Tab order: the field, Subscribe, No thanks, Close; then round again, both ways.
    for (const expected of ["Subscribe", "No thanks", "Close", "lns-email-input"]) {
      await tab.page.keyboard.press("Tab");
      expect(await focusedInSurfaces(tab.page)).toBe(expected);
    }
    await tab.page.keyboard.press("Shift+Tab");
    expect(await focusedInSurfaces(tab.page)).toBe("Close");
    await tab.page.keyboard.press("Shift+Tab");
    expect(await focusedInSurfaces(tab.page), "wraps back to the last").toBe("No thanks");
    await tab.page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    await tab.go();
    await tab.mounted();
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS * 2);
    expect(await dialog.count(), "once per 14 days").toBe(0);
    await tab.page.evaluate((at) => localStorage.setItem("loyalnest_popup_email", String(at)), Date.now() - 15 * DAY_MS);
    await tab.go();
    await tab.mounted();
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS);
    await dialog.waitFor();
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("checks the email, posts Shopify's customer form to /contact tagged loyalnest, then offers the join link", async () => {
    const tab = await visit({ clock: true });
    await tab.go({ embedLinks: true });
    await tab.mounted();
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS);
    const dialog = tab.surfaces.getByRole("dialog", { name: "Get 200 points when you join" });
    const field = dialog.getByRole("textbox", { name: "Email address" });
    await field.fill("not an email");
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByRole("alert").getByText("Enter a valid email address, like name@example.com.").waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect(tab.contacts, "nothing sent").toEqual([]);

    await field.fill("ada@example.com");
    expect(await dialog.getByRole("alert").count(), "the error goes as the shopper types").toBe(0);
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByText("Thanks, you're subscribed!").waitFor();
    expect(tab.contacts.map((form) => Object.fromEntries(form))).toEqual([
      { form_type: "customer", utf8: "✓", "contact[email]": "ada@example.com", "contact[tags]": "loyalnest" },
    ]);
    await dialog.getByText("Create an account and get 200 points").waitFor();
    expect(await dialog.getByRole("link", { name: "Join now" }).getAttribute("href")).toBe(REGISTER_URL);
    expect(await focusedInSurfaces(tab.page), "focus follows to the join link, inside the dialog").toBe("Join now");
    await shot(tab.page, "surfaces-email-popup-done");
    await tab.page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await tab.close();
  });

  it("says so when Shopify refuses the form, and keeps what was typed", async () => {
    const tab = await visit({ clock: true, contact: "refused" });
    await tab.go();
    await tab.mounted();
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS);
    const dialog = tab.surfaces.getByRole("dialog");
    await dialog.getByRole("textbox", { name: "Email address" }).fill("ada@example.com");
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByRole("alert").getByText("We couldn't subscribe you. Please try again.").waitFor();
    expect(await dialog.getByRole("textbox").inputValue()).toBe("ada@example.com");
    expect(tab.contacts).toHaveLength(1);
    await tab.close();
  });

  it("uses the merchant's copy in the shopper's language", async () => {
    await setStorefront({ copy: { es: { email_popup_title: "¡Bienvenido al club!", email_popup_body: "Déjanos tu correo." } } });
    const tab = await visit({ clock: true });
    await tab.go({ lang: "es" });
    await tab.mounted();
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS);
    const dialog = tab.surfaces.getByRole("dialog", { name: "¡Bienvenido al club!" });
    await dialog.getByText("Déjanos tu correo.", { exact: true }).waitFor();
    await dialog.getByRole("button", { name: "Suscribirme" }).waitFor();
    await setStorefront({ copy: { es: { email_popup_title: null, email_popup_body: null } } });
    await tab.close();
  });

  it("is never shown to a signed-in member", async () => {
    const tab = await visit({ clock: true, customerId: newCustomerId() });
    await tab.go();
    await tab.page.clock.fastForward(EMAIL_POPUP_DELAY_MS * 2);
    expect(await tab.surfaces.getByRole("dialog").count()).toBe(0);
    expect(fetchedSurfaces(tab), "nothing else on: the surfaces' script is not even fetched").toBe(0);
    await tab.close();
  });
});

describe("exit-intent popup", () => {
  beforeEach(async () => {
    await setStorefront({ surfaces: { ...ALL_OFF, exit_popup: true }, popup_every_days: 30, copy: { en: { exit_popup_title: "Wait! Your points are waiting" } } });
  });

  it("shows when the pointer leaves through the top, with join and sign-in links, returns focus on close, once per popup_every_days", async () => {
    const tab = await visit();
    await tab.go({ embedLinks: true });
    await tab.mounted();
    await tab.page.getByRole("button", { name: "Add to cart" }).focus();
    await leaveThroughTop(tab.page);
    const dialog = tab.surfaces.getByRole("dialog", { name: "Wait! Your points are waiting" });
    await dialog.waitFor();
    await dialog.getByText("Join our rewards program and earn points on every order.").waitFor();
    expect(await dialog.getByRole("link", { name: "Join now" }).getAttribute("href")).toBe(REGISTER_URL);
    expect(await dialog.getByRole("link", { name: "Sign in to earn and redeem points" }).getAttribute("href")).toBe(LOGIN_URL);
    await shot(tab.page, "surfaces-exit-popup");

    await dialog.getByRole("button", { name: "No thanks" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await tab.page.evaluate(() => document.activeElement?.textContent)).toBe("Add to cart");

    await tab.go();
    await tab.mounted();
    await leaveThroughTop(tab.page);
    await tab.page.waitForTimeout(300);
    expect(await dialog.count(), "once per 30 days").toBe(0);
    await tab.close();
  });

  it("takes a member to their rewards", async () => {
    const tab = await visit({ customerId: newCustomerId() });
    await tab.go();
    await tab.mounted();
    await leaveThroughTop(tab.page);
    const dialog = tab.surfaces.getByRole("dialog");
    await dialog.getByText("Your points are waiting: see which rewards they get you.").waitFor();
    await dialog.getByRole("button", { name: "See rewards" }).click();
    await tab.panel.waitFor();
    expect(await dialog.count()).toBe(0);
    await tab.close();
  });

  it("is not armed on a touch screen", async () => {
    const tab = await visit({ context: { hasTouch: true, isMobile: true, viewport: { width: 390, height: 760 } } });
    await tab.go();
    await tab.mounted();
    await tab.page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientY: -5, relatedTarget: null, bubbles: true })));
    await tab.page.waitForTimeout(300);
    expect(await tab.surfaces.getByRole("dialog").count()).toBe(0);
    await tab.close();
  });
});

describe("the panel, signed out", () => {
  it("tells how the program works, with join and sign-in links to the embed's account pages", async () => {
    const tab = await visit();
    await tab.go({ embedLinks: true });
    await tab.launcher.click();
    await tab.panel.getByText("Create an account and get 200 points", { exact: true }).waitFor();
    await tab.panel.getByText("Earn points on every order, then spend them on rewards.").waitFor();
    expect(await tab.panel.getByRole("link", { name: "Join now" }).getAttribute("href")).toBe(REGISTER_URL);
    expect(await tab.panel.getByRole("link", { name: "Sign in to earn and redeem points" }).getAttribute("href")).toBe(LOGIN_URL);
    await shot(tab.page, "surfaces-panel-signed-out");

    await tab.go({ lang: "fr" });
    await tab.launcher.click();
    await tab.panel.getByText("Créez un compte et recevez 200 points", { exact: true }).waitFor();
    expect(await tab.panel.getByRole("link", { name: "Rejoindre" }).getAttribute("href")).toBe("/account/register");
    expect(tab.errors).toEqual([]);
    await tab.close();
  });
});
