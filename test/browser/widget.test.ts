// The storefront widget as a shopper sees it: the built widget.js on a theme page, the real Worker
// behind a stand-in App Proxy, Debian's Chromium driven by Playwright. Screenshots go to
// test-results/browser/ for review.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { buildWidget } from "../../widget/build.mjs";
import { orderBody, useCredentials, webhookRequest } from "../helpers/shopify";
import { CUSTOMER_COOKIE, PROXY_PREFIX, startStorefront } from "./storefront";

const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/browser");
// Without the background-networking flags Chromium dials out at start, and the closed network here refuses it.
const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-browser-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let storefront: Awaited<ReturnType<typeof startStorefront>>;
let browser: Browser;

let nextOrderId = 8_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n;
const newCustomerId = () => String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));
const silver = newCustomerId(); // 1,250 points
const bronze = newCustomerId(); // 1 point

beforeAll(async () => {
  const executablePath = ensureChromium();
  const { file } = await buildWidget({ log: () => {} });

  const port = await freePort();
  stack = await startDevStack({ port, persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_browser" });
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: stack.url });
  await earn(silver, "125.00");
  await earn(bronze, "0.10");

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

async function earn(customerId: string, subtotal: string) {
  const body = orderBody({ id: String(nextOrderId++), customerId, subtotal });
  const response = await fetch(await webhookRequest("orders/paid", DEMO_SHOP, body));
  expect(response.status).toBe(200);
}

/** A fresh shopper's tab; every request it makes is recorded. */
async function visit(options: { customerId?: string; query?: string; viewport?: { width: number; height: number } } = {}) {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1100, height: 760 } });
  if (options.customerId) {
    await context.addCookies([{ name: CUSTOMER_COOKIE, value: options.customerId, url: storefront.url }]);
  }
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const widget = page.locator("#loyalnest-widget");
  return {
    page,
    requests,
    errors,
    launcher: widget.locator(".ln-launcher"),
    dialog: widget.getByRole("dialog"),
    go: () => page.goto(`${storefront.url}/${options.query ?? ""}`),
    close: () => context.close(),
  };
}

async function openPanel(launcher: Locator, dialog: Locator) {
  await launcher.click();
  await dialog.waitFor();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

/** Which element of the widget has focus: its class, or the dialog's id. */
const focusedInWidget = (page: Page) =>
  page.evaluate(() => {
    const active = document.getElementById("loyalnest-widget")?.shadowRoot?.activeElement;
    return active ? active.id || active.className : null;
  });

const rewardRow = (dialog: Locator, title: string) => dialog.getByRole("listitem").filter({ hasText: title });

describe("signed-in shopper", () => {
  it("shows balance, tier, progress to the next tier and the rewards they can afford", async () => {
    const tab = await visit({ customerId: silver });
    await tab.go();
    expect(await tab.launcher.textContent()).toBe("Rewards");
    expect(await tab.launcher.getAttribute("aria-expanded")).toBe("false");
    expect(await tab.dialog.isHidden()).toBe(true);

    await openPanel(tab.launcher, tab.dialog);
    expect(await tab.launcher.getAttribute("aria-expanded")).toBe("true");
    await tab.dialog.getByText("You have 1250 points", { exact: true }).waitFor();
    await tab.dialog.getByText("Your tier: Silver", { exact: true }).waitFor();
    const progress = tab.dialog.getByRole("progressbar", { name: "3750 more points to reach Gold" });
    expect(await progress.getAttribute("aria-valuenow")).toBe("1250");
    expect(await progress.getAttribute("aria-valuemax")).toBe("5000");

    expect(await tab.dialog.getByRole("listitem").count()).toBe(3);
    for (const [title, cost] of [["$5 off your order", "500 points"], ["Free shipping", "1000 points"]] as const) {
      const row = rewardRow(tab.dialog, title);
      await row.getByText(cost, { exact: true }).waitFor();
      expect(await row.getByRole("button", { name: "Redeem" }).isEnabled()).toBe(true);
    }
    const product = rewardRow(tab.dialog, "A free product");
    await product.getByText("1500 points", { exact: true }).waitFor();
    expect(await product.getByRole("button", { name: "250 more points needed" }).isDisabled()).toBe(true);
    await shot(tab.page, "signed-in-en");

    const before = tab.requests.length;
    await rewardRow(tab.dialog, "Free shipping").getByRole("button", { name: "Redeem" }).click();
    await tab.page.waitForTimeout(300);
    expect(tab.requests.slice(before), "Redeem is not wired to an endpoint yet").toEqual([]);

    const origins = new Set(tab.requests.map((url) => new URL(url).origin));
    expect([...origins], "no fonts or other requests leave the storefront").toEqual([storefront.url]);
    expect(tab.requests.filter((url) => url.includes(PROXY_PREFIX)).map((url) => new URL(url).pathname).sort()).toEqual([
      `${PROXY_PREFIX}/customer`,
      `${PROXY_PREFIX}/widget/config`,
    ]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("uses the singular for one point, and shows every reward out of reach", async () => {
    const tab = await visit({ customerId: bronze });
    await tab.go();
    await openPanel(tab.launcher, tab.dialog);
    await tab.dialog.getByText("You have 1 point", { exact: true }).waitFor();
    await tab.dialog.getByText("Your tier: Bronze", { exact: true }).waitFor();
    await tab.dialog.getByRole("progressbar", { name: "999 more points to reach Silver" }).waitFor();
    for (const needed of ["499", "999", "1499"]) {
      expect(await tab.dialog.getByRole("button", { name: `${needed} more points needed`, exact: true }).isDisabled()).toBe(true);
    }
    expect(await tab.dialog.getByRole("button", { name: "Redeem" }).count()).toBe(0);
    await tab.close();
  });

  it("fits a phone's screen", async () => {
    const viewport = { width: 375, height: 667 };
    const tab = await visit({ customerId: silver, viewport });
    await tab.go();
    await openPanel(tab.launcher, tab.dialog);
    await tab.dialog.getByText("You have 1250 points").waitFor();
    const box = (await tab.dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    await shot(tab.page, "signed-in-phone");
    await tab.close();
  });

  it("speaks French when the theme's <html lang> is fr", async () => {
    const tab = await visit({ customerId: silver, query: "?lang=fr" });
    await tab.go();
    await tab.launcher.getByText("Récompenses").waitFor();
    await openPanel(tab.launcher, tab.dialog);
    expect(await tab.page.locator("#loyalnest-widget").getByRole("dialog", { name: "Récompenses" }).count()).toBe(1);
    await tab.dialog.getByText("Vous avez 1250 points", { exact: true }).waitFor();
    await tab.dialog.getByText("Votre niveau : Silver", { exact: true }).waitFor();
    await tab.dialog.getByRole("progressbar", { name: "Encore 3750 points pour atteindre Gold" }).waitFor();
    expect(await tab.dialog.getByRole("button", { name: "Utiliser" }).count()).toBe(2);
    expect(await tab.dialog.getByRole("button", { name: "Encore 250 points nécessaires" }).isDisabled()).toBe(true);
    expect(await tab.dialog.getByRole("button", { name: "Fermer" }).count()).toBe(1);
    await shot(tab.page, "signed-in-fr");
    await tab.close();
  });

  it("falls back to Shopify.locale when <html> has no lang", async () => {
    const tab = await visit({ customerId: silver, query: "?shopify_locale=es" });
    await tab.go();
    await tab.launcher.getByText("Recompensas").waitFor();
    await openPanel(tab.launcher, tab.dialog);
    await tab.dialog.getByText("Tienes 1250 puntos", { exact: true }).waitFor();
    await tab.close();
  });
});

describe("signed-out shopper", () => {
  it("is asked to sign in, and sees what rewards cost without any action", async () => {
    const tab = await visit();
    await tab.go();
    await openPanel(tab.launcher, tab.dialog);
    const signIn = tab.dialog.getByRole("link", { name: "Sign in to earn and redeem points" });
    await signIn.waitFor();
    expect(await signIn.getAttribute("href")).toBe("/account/login");
    expect(await tab.dialog.getByRole("listitem").count()).toBe(3);
    await rewardRow(tab.dialog, "Free shipping").getByText("1000 points", { exact: true }).waitFor();
    expect(await tab.dialog.getByRole("listitem").getByRole("button").count()).toBe(0);
    expect(await tab.dialog.getByText(/You have/).count()).toBe(0);
    await shot(tab.page, "signed-out");
    await tab.close();
  });
});

describe("keyboard", () => {
  it("opens from the launcher, closes on Escape and on the close button, and gives focus back", async () => {
    const tab = await visit({ customerId: silver });
    await tab.go();
    await tab.launcher.focus();
    await tab.page.keyboard.press("Enter");
    await tab.dialog.waitFor();
    expect(await focusedInWidget(tab.page)).toBe("ln-dialog");

    await tab.page.keyboard.press("Escape");
    await tab.dialog.waitFor({ state: "hidden" });
    expect(await tab.launcher.getAttribute("aria-expanded")).toBe("false");
    expect(await focusedInWidget(tab.page)).toBe("ln-launcher");

    await tab.page.keyboard.press("Enter");
    await tab.dialog.getByText("You have 1250 points").waitFor();
    await tab.page.keyboard.press("Tab");
    expect(await focusedInWidget(tab.page)).toBe("ln-close");
    await shot(tab.page, "keyboard-close-focused");
    await tab.page.keyboard.press("Enter");
    await tab.dialog.waitFor({ state: "hidden" });
    expect(await focusedInWidget(tab.page)).toBe("ln-launcher");
    await tab.close();
  });
});

describe("loading and errors are shown, never a blank panel", () => {
  it("shows loading until the customer arrives", async () => {
    const tab = await visit({ customerId: silver });
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    await tab.page.route(`**${PROXY_PREFIX}/customer*`, async (route) => {
      await released;
      await route.continue();
    });
    await tab.go();
    await openPanel(tab.launcher, tab.dialog);
    await tab.dialog.getByRole("status").getByText("Loading your rewards…").waitFor();
    await shot(tab.page, "loading");
    release();
    await tab.dialog.getByText("You have 1250 points").waitFor();
    expect(await tab.dialog.getByRole("status").count()).toBe(0);
    await tab.close();
  });

  it("a network failure shows an error, and Try again recovers", async () => {
    const tab = await visit({ customerId: silver });
    await tab.page.route(`**${PROXY_PREFIX}/customer*`, (route) => route.abort("failed"));
    await tab.go();
    await openPanel(tab.launcher, tab.dialog);
    await tab.dialog.getByRole("alert").getByText("We couldn't load your rewards.").waitFor();
    await shot(tab.page, "error-network");

    await tab.page.unroute(`**${PROXY_PREFIX}/customer*`);
    await tab.dialog.getByRole("button", { name: "Try again" }).click();
    await tab.dialog.getByText("You have 1250 points").waitFor();
    expect(await tab.dialog.getByRole("alert").count()).toBe(0);
    await tab.close();
  });

  it.each([
    ["an error envelope", "application/json", JSON.stringify({ status: "error", error: { code: "internal", message: "boom" } })],
    ["a page that is not JSON", "text/html", "<html><body>Shopify: something went wrong</body></html>"],
  ])("%s from the config shows an error", async (name, contentType, body) => {
    const tab = await visit({ customerId: silver, query: "?lang=de" });
    await tab.page.route(`**${PROXY_PREFIX}/widget/config*`, (route) => route.fulfill({ status: 502, contentType, body }));
    await tab.go();
    await openPanel(tab.launcher, tab.dialog);
    // The config never arrived, so these are the widget's own German strings.
    await tab.dialog.getByRole("alert").getByText("Ihre Prämien konnten nicht geladen werden.").waitFor();
    expect(await tab.launcher.textContent()).toBe("Prämien");
    if (name === "an error envelope") await shot(tab.page, "error-envelope-de");
    await tab.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().once("error", fail).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}
