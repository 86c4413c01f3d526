// The thank-you page's checkout UI extension in Chromium: the real extension module in a stand-in
// checkout host (test/browser/checkout-host.ts), calling the real Worker of `npm run dev`'s stack
// with a checkout session token, across origins as on Shopify: the host page is served (through
// Playwright's routing) as https://extensions.shopifycdn.com, Shopify's extension sandbox origin,
// and calls the Worker directly, so Chromium runs the real preflight and judges the Worker's own
// CORS answers. Chromium's private-network checks are off: here the "public" page calls a
// Worker on 127.0.0.1, which on Shopify is a public origin. Screenshots go to test-results/browser/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { checkoutSessionToken, orderBody, sessionToken, useCredentials, webhookRequest } from "../helpers/shopify";
import { buildThankYouExtension, thankYouPage, type CheckoutState } from "./checkout-host";
import { freePort } from "../../scripts/free-port.mjs";

const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/browser");
const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-features=PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks",
];
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const STOREFRONT = "https://demo-shop.example";

const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-thank-you-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let browser: Browser;
let extension: string;

const orderId = String(8_100_000_000_000_000_000n + BigInt(Date.now()));
const member = String(200_000_000_000 + Math.floor(Math.random() * 700_000_000_000));

beforeAll(async () => {
  const executablePath = ensureChromium();
  const port = await freePort();
  stack = await startDevStack({ port, persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_browser_thank_you" });
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: stack.url });
  const paid = await fetch(await webhookRequest("orders/paid", DEMO_SHOP, orderBody({ id: orderId, customerId: member, subtotal: "42.50" })));
  expect(paid.status).toBe(200);
  // The shop speaks Spanish too, with its own heading there.
  const settings = await fetch(`${stack.url}/v1/api/settings`, {
    method: "PUT",
    headers: { authorization: `Bearer ${await sessionToken(DEMO_SHOP)}`, "content-type": "application/json" },
    body: JSON.stringify({ languages: ["en", "es"], storefront: { copy: { es: { post_purchase_title: "¡Gracias por tu compra!" } } } }),
  });
  expect(settings.status, await settings.clone().text()).toBe(200);
  extension = await buildThankYouExtension(stack.url);
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

/** The thank-you page at `origin` for `state`; returns the page and the app's answers it read. */
async function thankYou(state: Omit<CheckoutState, "storefrontUrl" | "myshopifyDomain">, origin = EXTENSION_ORIGIN) {
  const context = await browser.newContext({ viewport: { width: 640, height: 420 } });
  const page = await context.newPage();
  const answers: number[] = [];
  await page.route(`${origin}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/extension.js") return route.fulfill({ contentType: "text/javascript", body: extension });
    return route.fulfill({ contentType: "text/html", body: thankYouPage({ ...state, storefrontUrl: STOREFRONT, myshopifyDomain: DEMO_SHOP }) });
  });
  page.on("response", (response) => {
    if (response.url().startsWith(stack.url) && response.request().method() === "GET") answers.push(response.status());
  });
  await page.goto(`${origin}/thank-you`);
  await page.locator("html[data-extension-ran=true]").waitFor();
  return { page, answers, close: () => context.close() };
}

/** What each of the extension's fetches came to, as the host recorded it: the status, or "failed". */
function fetchOutcomes(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __fetchOutcomes: string[] }).__fetchOutcomes);
}

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `thank-you-${name}.png`) });
}

describe("the thank-you page's prompt", () => {
  it("tells a signed-in member what their paid order earned, and offers no sign-up", async () => {
    const tab = await thankYou({
      orderId: `gid://shopify/OrderIdentity/${orderId}`,
      subtotal: 42.5,
      language: "en",
      sessionToken: await checkoutSessionToken(DEMO_SHOP, member),
    });
    const banner = tab.page.getByRole("status", { name: "Your rewards" });
    await banner.waitFor();
    await tab.page.getByText("This order earned you 425 points.").waitFor();
    expect(await tab.page.getByRole("link").count()).toBe(0);
    expect(tab.answers).toEqual([200]);
    await screenshot(tab.page, "member");
    await tab.close();
  });

  it("shows a guest, in Spanish, what members earn and a link to join, under the merchant's heading", async () => {
    const tab = await thankYou({ orderId: "gid://shopify/OrderIdentity/1", subtotal: 42.5, language: "es", sessionToken: await checkoutSessionToken(DEMO_SHOP, null) });
    await tab.page.getByRole("status", { name: "¡Gracias por tu compra!" }).waitFor();
    await tab.page.getByText("Los miembros ganan unos 425 puntos con un pedido como este.").waitFor();
    await tab.page.getByText("Crea una cuenta y recibe 200 puntos para empezar.").waitFor();
    const join = tab.page.getByRole("link", { name: "Únete y gana" });
    expect(await join.getAttribute("href")).toBe(`${STOREFRONT}/account/register`);
    await screenshot(tab.page, "guest-es");
    await tab.close();
  });

  it("shows nothing when the token is refused", async () => {
    const expired = await checkoutSessionToken(DEMO_SHOP, member, { exp: Math.floor(Date.now() / 1000) - 60 });
    const tab = await thankYou({ orderId, subtotal: 42.5, language: "en", sessionToken: expired });
    // The refusal reached the extension (CORS let it read the 401), which shows nothing.
    await expect.poll(() => fetchOutcomes(tab.page), { timeout: 20_000 }).toEqual(["401"]);
    expect(await tab.page.locator("s-banner").count()).toBe(0);
    await tab.close();
  });

  it("cannot be read by a page outside Shopify's checkout origins", async () => {
    const tab = await thankYou(
      { orderId, subtotal: 42.5, language: "en", sessionToken: await checkoutSessionToken(DEMO_SHOP, member) },
      "https://not-shopify.example",
    );
    // The Worker's answer to the preflight names no such origin, so Chromium never sends the call.
    await expect.poll(() => fetchOutcomes(tab.page), { timeout: 20_000 }).toEqual(["failed"]);
    expect(tab.answers).toEqual([]);
    expect(await tab.page.locator("s-banner").count()).toBe(0);
    await tab.close();
  });
});
