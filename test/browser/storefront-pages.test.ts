// The storefront stand-in `npm run dev` serves (scripts/storefront.mjs), as a shopper and a
// merchant meet it: the theme pages with the extension's blocks rendered by the Liquid stand-in,
// the widget loaded from the extension's assets by the app embed, the launcher painted from the
// inline settings the app published (before any API call answers), Shopify's customer account
// pages, and the App Proxy — signed as Shopify signs, an `application/liquid` answer rendered
// inside the theme page. Debian's Chromium; screenshots in test-results/browser/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAppProxy } from "../../core/shopify-auth";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { startStorefront } from "../../scripts/storefront.mjs";
import { buildWidget } from "../../widget/build.mjs";
import { orderBody, sessionToken, useCredentials, webhookRequest } from "../helpers/shopify";
import { CUSTOMER_COOKIE, PROXY_PREFIX } from "./storefront";
import { freePort } from "../../scripts/free-port.mjs";

const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/browser");
const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-storefront-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let browser: Browser;
let apiSecret: string;
const member = String(300_000_000_000 + Math.floor(Math.random() * 600_000_000_000));

beforeAll(async () => {
  const executablePath = ensureChromium();
  await buildWidget({ log: () => {} });
  stack = await startDevStack({ port: await freePort(), persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_storefront" });
  const vars = readDevVars();
  apiSecret = vars.SHOPIFY_API_SECRET;
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret, origin: stack.url });
  const paid = await fetch(await webhookRequest("orders/paid", DEMO_SHOP, orderBody({ id: String(9_100_000_000_000n + BigInt(Date.now() % 1_000_000_000)), customerId: member, subtotal: "42.00" })));
  expect(paid.status).toBe(200);
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

async function saveSettings(patch: unknown) {
  const response = await fetch(`${stack.url}/v1/api/settings`, {
    method: "PUT",
    headers: { authorization: `Bearer ${await sessionToken(DEMO_SHOP)}`, "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The inline settings the page carries (what the embed rendered from the app's metafield). */
async function inlineSettings(path: string): Promise<Record<string, any> | null> {
  const html = await (await fetch(`${stack.storefront.url}${path}`)).text();
  const inline = /<script type="application\/json" id="loyalnest-settings">([^<]*)<\/script>/.exec(html);
  expect(inline, "the app embed's inline settings").not.toBeNull();
  return JSON.parse(inline![1]!);
}

async function tab(options: { customerId?: string } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  if (options.customerId) await context.addCookies([{ name: CUSTOMER_COOKIE, value: options.customerId, url: stack.storefront.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const launcher = page.locator("#loyalnest-widget").locator(".ln-launcher");
  return { page, errors, launcher, close: () => context.close() };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

describe("the storefront stand-in's theme pages", () => {
  it("serves the home page with the app embed: widget.js from the extension's assets, deferred, with the shopper's data", async () => {
    const response = await fetch(`${stack.storefront.url}/?locale=fr`, { headers: { cookie: `${CUSTOMER_COOKIE}=${member}` } });
    expect(response.status).toBe(200);
    const html = await response.text();
    const script = /<script\s+src="\/widget\.js"[^>]*>/.exec(html)?.[0];
    expect(script).toBeDefined();
    for (const attribute of ['data-proxy-base="/apps/loyalnest"', `data-customer-id="${member}"`, 'data-locale="fr"', 'data-currency="USD"', 'data-login-url="/account/login"', 'data-register-url="/account/register"', "defer"]) {
      expect(script).toContain(attribute);
    }
    expect(html).toContain('<html lang="fr">');
    // The script served is the build's, byte for byte what the extension ships.
    const served = await (await fetch(`${stack.storefront.url}/widget.js`)).text();
    expect(served.length).toBeGreaterThan(10_000);
    expect((await fetch(`${stack.storefront.url}/not-an-asset.js`)).status).toBe(404);
  });

  it("renders the product page's points block with the variant's price in cents, and the rewards page's blocks in the shopper's language", async () => {
    const product = await (await fetch(`${stack.storefront.url}/products/linen-shirt`)).text();
    expect(product).toMatch(/data-loyalnest-product-points\s+data-price-cents="2400"\s+data-currency="USD"/);
    expect((await fetch(`${stack.storefront.url}/products/no-such-thing`)).status).toBe(404);

    const signedOut = await (await fetch(`${stack.storefront.url}/pages/rewards?locale=es`)).text();
    expect(signedOut).toContain("<h2>Recompensas</h2>");
    expect(signedOut).toContain("<h2>Recomienda a un amigo</h2>");
    expect(signedOut).toContain('<a href="/account/register">Únete y gana puntos</a>');
    expect(signedOut).toContain('href="/apps/loyalnest/rewards?locale=es"');

    const signedIn = await (await fetch(`${stack.storefront.url}/pages/rewards?locale=de`, { headers: { cookie: `${CUSTOMER_COOKIE}=${member}` } })).text();
    expect(signedIn).toContain("<h2>Prämien</h2>");
    expect(signedIn).toContain("Empfehlungslink abrufen");
    expect(signedIn).not.toContain("/account/register\">");
  });

  it("signs a shopper in on the account page, and the App Proxy then names them to the Worker", async () => {
    const login = await fetch(`${stack.storefront.url}/account/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('<form method="post" action="/account/login">');
    const refused = await fetch(`${stack.storefront.url}/account/login`, { method: "POST", body: "customer_id=abc", headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("customer_id must be a Shopify customer id");

    const signedIn = await fetch(`${stack.storefront.url}/account/login`, { method: "POST", body: `customer_id=${member}`, headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" });
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    expect(cookie).toBe(`${CUSTOMER_COOKIE}=${member}`);
    const customer = await (await fetch(`${stack.storefront.url}${PROXY_PREFIX}/customer`, { headers: { cookie } })).json();
    expect(customer.customer).toMatchObject({ id: member, points_balance: 420 });
    // Without the session the proxy names nobody: the Worker refuses the customer's own data.
    expect((await fetch(`${stack.storefront.url}${PROXY_PREFIX}/customer`)).status).toBe(401);
  });

  it("paints the launcher in the merchant's published colours and label before any API call answers", async () => {
    await saveSettings({ branding: { primary_color: "#7a1f5c", launcher_position: "bottom-left", launcher_label: { en: "Perks club", es: "Club de ventajas" } } });
    const published = await expectPublished((value) => value?.branding?.launcher_label?.es === "Club de ventajas");
    expect(published.branding).toMatchObject({ primary_color: "#7a1f5c", launcher_position: "bottom-left" });

    for (const [query, label] of [["", "Perks club"], ["?locale=es", "Club de ventajas"]] as const) {
      const shopper = await tab();
      // Every App Proxy call held unanswered: what shows comes from the page alone.
      const held: (() => void)[] = [];
      await shopper.page.route(`**${PROXY_PREFIX}/**`, (route) => new Promise<void>((release) => held.push(() => void route.abort().then(release))));
      await shopper.page.goto(`${stack.storefront.url}/${query}`);
      await expect.poll(() => shopper.launcher.textContent()).toBe(label);
      expect(await shopper.launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(122, 31, 92)");
      const box = await shopper.launcher.boundingBox();
      expect(box!.x, "bottom-left").toBeLessThan(200);
      expect(held.length, "the config was asked for, and is still unanswered").toBeGreaterThan(0);
      if (query === "") await shot(shopper.page, "storefront-inline-settings");
      for (const release of held) release();
      expect(shopper.errors).toEqual([]);
      await shopper.close();
    }
    await saveSettings({ branding: { primary_color: "#1d6b52", launcher_position: "bottom-right", launcher_label: { en: null, es: null } } });
    await expectPublished((value) => value?.branding?.primary_color === "#1d6b52" && value.branding.launcher_label.en === undefined);
  });

  it("shows a signed-in member their balance through the App Proxy on the product page, with screenshots of the pages", async () => {
    const shopper = await tab({ customerId: member });
    await shopper.page.goto(`${stack.storefront.url}/products/wool-scarf`);
    await shopper.launcher.click();
    await shopper.page.locator("#loyalnest-widget").getByRole("dialog").getByText("You have 420 points", { exact: true }).waitFor();
    await shot(shopper.page, "storefront-product-panel");
    await shopper.page.goto(`${stack.storefront.url}/pages/rewards?locale=fr&lang=fr`);
    await shopper.page.getByRole("heading", { name: "Récompenses" }).waitFor();
    await shot(shopper.page, "storefront-rewards-page");
    expect(shopper.errors).toEqual([]);
    await shopper.close();
  });
});

async function expectPublished(check: (value: Record<string, any> | null) => boolean): Promise<Record<string, any>> {
  await expect.poll(() => inlineSettings("/"), { timeout: 20_000, interval: 250 }).toSatisfy(check);
  return (await inlineSettings("/"))!;
}

describe("the stand-in App Proxy", () => {
  let upstream: Server;
  let upstreamUrl: string;
  const seen: URLSearchParams[] = [];
  let answer = { type: "application/liquid", body: "" };

  beforeAll(async () => {
    // A Worker stand-in: records what the proxy sent, answers what the test sets.
    upstream = createHttpServer((req, res) => {
      seen.push(new URL(req.url ?? "/", "http://upstream").searchParams);
      res.writeHead(200, { "content-type": answer.type }).end(answer.body);
    });
    await new Promise<void>((listening) => upstream.listen(0, "127.0.0.1", listening));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((closed) => upstream.close(() => closed())));

  it("signs every request as Shopify does (the Worker's check passes), replacing any Shopify parameter the browser sent", async () => {
    const proxy = await startStorefront({ appOrigin: upstreamUrl, apiSecret, shop: DEMO_SHOP });
    try {
      answer = { type: "application/json", body: '{"status":"ok"}' };
      const forged = `${proxy.url}${PROXY_PREFIX}/customer?shop=evil.myshopify.com&logged_in_customer_id=1&signature=00&locale=es`;
      expect(await (await fetch(forged, { headers: { cookie: `${CUSTOMER_COOKIE}=${member}` } })).json()).toEqual({ status: "ok" });
      const params = seen.at(-1)!;
      expect(params.get("shop")).toBe(DEMO_SHOP);
      expect(params.get("logged_in_customer_id")).toBe(member);
      expect(params.get("locale")).toBe("es");
      expect(params.getAll("signature")).toHaveLength(1);
      const verified = await verifyAppProxy(apiSecret, params, Math.floor(Date.now() / 1000));
      expect(verified).toMatchObject({ valid: true });
      expect((await verifyAppProxy("another-secret", params, Math.floor(Date.now() / 1000))).valid).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it("renders an application/liquid answer inside the theme page, and refuses Liquid it cannot render with a clear error", async () => {
    const proxy = await startStorefront({ appOrigin: upstreamUrl, apiSecret, shop: DEMO_SHOP });
    try {
      answer = { type: "application/liquid; charset=utf-8", body: "<h1>Loyalty</h1>{% if customer %}<p>Welcome back</p>{% else %}<p>Join us</p>{% endif %}" };
      const page = await fetch(`${proxy.url}${PROXY_PREFIX}/rewards?locale=es`, { headers: { cookie: `${CUSTOMER_COOKIE}=${member}` } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toMatch(/<header>.*Demo shop.*<\/header>\s*<h1>Loyalty<\/h1><p>Welcome back<\/p>/s);
      expect(html).toContain('<html lang="es">');
      expect(html).toContain('id="loyalnest-settings"');

      answer = { type: "application/liquid", body: "{% for reward in rewards %}{{ reward }}{% endfor %}" };
      const refused = await fetch(`${proxy.url}${PROXY_PREFIX}/rewards`);
      expect(refused.status).toBe(500);
      expect(await refused.text()).toBe('/apps/loyalnest/rewards:1: the tag "for" is not supported by the stand-in renderer');
    } finally {
      await proxy.close();
    }
  });
});
