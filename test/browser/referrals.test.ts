// Referrals in the storefront as shoppers meet them: a friend arriving through a referral link
// (the code kept, put on the cart and into the register form, sent to /referrals/complete once
// signed in), and an advocate's "Refer a friend" section (code, link, copy, share links). The
// built widget.js on a theme page, the real Worker behind the stand-in App Proxy, Debian's
// Chromium. (Setup as in widget.test.ts, with a database of its own.)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page, type Request as PlaywrightRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { buildWidget } from "../../widget/build.mjs";
import { useCredentials } from "../helpers/shopify";
import { CUSTOMER_COOKIE, PROXY_PREFIX, startStorefront } from "./storefront";
import { freePort } from "../../scripts/free-port.mjs";

const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/browser");
// Without the background-networking flags Chromium dials out at start, and the closed network here refuses it.
const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-browser-referrals-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let storefront: Awaited<ReturnType<typeof startStorefront>>;
let browser: Browser;

const newCustomerId = () => String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));

beforeAll(async () => {
  const executablePath = ensureChromium();
  const { file } = await buildWidget({ log: () => {} });
  stack = await startDevStack({ port: await freePort(), persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_browser_referrals" });
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: stack.url });
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

/** A theme's register page: Shopify's customer form (form_type create_customer) beside a login form. */
const REGISTER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Create account</title></head>
<body>
<form method="post" action="/account/login" id="login"><input type="hidden" name="form_type" value="customer_login"><input name="customer[email]"></form>
<form method="post" action="/account" id="register"><input type="hidden" name="form_type" value="create_customer"><input name="customer[email]"><button>Create</button></form>
<script src="/widget.js" data-proxy-base="${PROXY_PREFIX}" defer></script>
</body></html>`;

/**
 * A fresh tab. A signed-in shopper has the storefront's session cookie (the proxy signs their id)
 * and, as on a Shopify page, their id in ShopifyAnalytics, which is how the widget knows.
 * /cart/update.js and /referrals/complete are answered here, and their requests recorded.
 */
async function visit(options: { customerId?: string; completeStatus?: number; context?: BrowserContextOptions } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...options.context });
  if (options.customerId) {
    await context.addCookies([{ name: CUSTOMER_COOKIE, value: options.customerId, url: storefront.url }]);
    await context.addInitScript((id) => {
      (window as unknown as { ShopifyAnalytics: unknown }).ShopifyAnalytics = { meta: { page: { customerId: Number(id) } } };
    }, options.customerId);
  }
  const page = await context.newPage();
  const cartUpdates: unknown[] = [];
  const completions: unknown[] = [];
  const proxied: string[] = [];
  page.on("request", (request: PlaywrightRequest) => {
    if (request.url().includes(PROXY_PREFIX)) proxied.push(new URL(request.url()).pathname);
  });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.route("**/cart/update.js", async (route) => {
    cartUpdates.push(route.request().postDataJSON());
    await route.fulfill({ status: 200, contentType: "application/json", body: "{}" });
  });
  await page.route("**/account/register", (route) => route.fulfill({ status: 200, contentType: "text/html", body: REGISTER_PAGE }));
  if (options.completeStatus !== undefined) {
    const status = options.completeStatus;
    await page.route(`**${PROXY_PREFIX}/referrals/complete*`, async (route) => {
      completions.push(route.request().postDataJSON());
      const body = status === 200 ? { status: "ok", referral: { id: options.customerId, status: "pending" }, error: null } : { status: "error", error: { code: status === 409 ? "already_referred" : "unavailable", message: "" } };
      await route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
    });
  }
  const widget = page.locator("#loyalnest-widget");
  return {
    page,
    cartUpdates,
    completions,
    proxied,
    errors,
    launcher: widget.locator(".ln-launcher"),
    dialog: widget.getByRole("dialog"),
    go: async (path: string) => {
      await page.goto(`${storefront.url}${path}`);
      // The launcher is mounted once widget.js has run, and capture runs right after it.
      await widget.locator(".ln-launcher").waitFor();
    },
    close: () => context.close(),
  };
}

const kept = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem("loyalnest_ref") ?? "null") as { code: string; at: number } | null);
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

/** Polls a condition the page reaches on its own (a request answered): `expect.poll` without its defaults. */
const settled = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 50 });

describe("a friend arriving through a referral link", () => {
  it("keeps the code (the first one wins), puts it on the cart and into the register form, and asks nothing of the API while signed out", async () => {
    const tab = await visit();
    const before = Date.now();
    await tab.go("/?ref=abcd-2345");
    await settled(() => tab.cartUpdates).toEqual([{ attributes: { _loyalnest_referral: "ABCD2345" } }]);
    const first = await kept(tab.page);
    expect(first?.code).toBe("ABCD2345");
    expect(first!.at).toBeGreaterThanOrEqual(before);
    // Once the cart has it, this session does not send it again.
    await settled(() => tab.page.evaluate(() => sessionStorage.getItem("loyalnest_ref_cart"))).toBe("ABCD2345");

    // A second friend's link later in the month: the first code stays, and stays on the cart.
    await tab.go("/?ref=EFGH6789");
    expect(await kept(tab.page)).toEqual(first);

    await tab.go("/account/register");
    const note = tab.page.locator('#register input[type="hidden"][name="customer[note][loyalnest_referral]"]');
    await note.waitFor({ state: "attached" });
    expect(await note.inputValue()).toBe("ABCD2345");
    expect(await tab.page.locator('#login input[name="customer[note][loyalnest_referral]"]').count(), "only the register form").toBe(0);

    expect(tab.cartUpdates).toHaveLength(1);
    expect(tab.proxied.filter((path) => path.includes("/referrals")), "no completion without a signed-in shopper").toEqual([]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("ignores a ref that cannot be a code", async () => {
    const tab = await visit();
    await tab.go("/?ref=not-a-code!");
    expect(await kept(tab.page)).toBeNull();
    await tab.page.waitForLoadState("networkidle");
    expect(tab.cartUpdates).toEqual([]);
    await tab.close();
  });

  it.each([
    [409, "an answer for good (already referred)", null],
    [200, "a completion", null],
    [503, "a failure worth retrying", "JKMN2345"],
  ] as const)("signed in, sends the kept code and a device id to /referrals/complete, and after %i (%s) keeps %s", async (status, _what, stays) => {
    const tab = await visit({ customerId: newCustomerId(), completeStatus: status });
    await tab.go("/?ref=JKMN2345");
    await settled(() => tab.completions.length).toBe(1);
    const device = await tab.page.evaluate(() => localStorage.getItem("loyalnest_device"));
    expect(device).toMatch(/^[0-9a-f-]{36}$/);
    expect(tab.completions[0]).toEqual({ code: "JKMN2345", device_id: device });
    await settled(async () => (await kept(tab.page))?.code ?? null).toBe(stays);
    // The next page: a kept code is tried again; a forgotten one is not.
    await tab.page.waitForLoadState("networkidle");
    await tab.go("/");
    await tab.page.waitForLoadState("networkidle");
    expect(tab.completions).toHaveLength(stays ? 2 : 1);
    await tab.close();
  });
});

describe("an advocate's Refer a friend section", () => {
  it("creates their code on first open, shows the link and offer, copies the link and offers each share", async () => {
    const advocate = newCustomerId();
    const tab = await visit({ customerId: advocate, context: { permissions: ["clipboard-read", "clipboard-write"] } });
    await tab.go("/");
    await tab.launcher.click();
    await tab.dialog.waitFor();
    await tab.dialog.getByRole("button", { name: "Refer a friend" }).click();

    await tab.dialog.getByRole("heading", { name: "Give 50 points, get 50 points" }).waitFor();
    await tab.dialog.getByText("You get 50 points for each friend who places a first order with your link.").waitFor();
    const linkBox = tab.dialog.getByRole("textbox", { name: "Your referral link" });
    const link = await linkBox.inputValue();
    const code = link.split("/").at(-1)!;
    expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/);
    expect(link).toBe(`https://${DEMO_SHOP}/apps/loyalnest/r/${code}`);
    await tab.dialog.getByText(code, { exact: true }).waitFor();

    // Keyboard: the copy button is reached and pressed without the mouse; "Copied" is announced.
    const copy = tab.dialog.getByRole("button", { name: "Copy link" });
    await copy.focus();
    await tab.page.keyboard.press("Enter");
    await tab.dialog.getByRole("button", { name: "Copied" }).waitFor();
    expect(await tab.page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    const message = encodeURIComponent(`Here's 50 points for you, with my link: ${link}`);
    const share = tab.dialog.getByRole("navigation", { name: "Share your link" });
    const hrefs = Object.fromEntries(
      await Promise.all(
        ["Share by email", "Share by text message", "Share on WhatsApp", "Share on Facebook", "Share on X"].map(async (name) => [name, await share.getByRole("link", { name }).getAttribute("href")] as const),
      ),
    );
    expect(hrefs).toEqual({
      "Share by email": `mailto:?subject=${encodeURIComponent("A gift from a friend")}&body=${message}`,
      "Share by text message": `sms:?&body=${message}`,
      "Share on WhatsApp": `https://wa.me/?text=${message}`,
      "Share on Facebook": `https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(link)}`,
      "Share on X": `https://twitter.com/intent/tweet?text=${message}`,
    });
    await tab.dialog.getByText("You haven't referred anyone yet.").waitFor();
    await shot(tab.page, "referrals-en");

    // Closed and opened again: the same code, read back, not created again.
    await tab.page.keyboard.press("Escape");
    await tab.launcher.click();
    await tab.dialog.getByRole("textbox", { name: "Your referral link" }).waitFor();
    expect(await tab.dialog.getByRole("textbox", { name: "Your referral link" }).inputValue()).toBe(link);
    expect(tab.proxied.filter((path) => path.startsWith(`${PROXY_PREFIX}/referrals`))).toEqual([
      `${PROXY_PREFIX}/referrals`,
      `${PROXY_PREFIX}/referrals/create`,
      `${PROXY_PREFIX}/referrals`,
    ]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });
});

describe("a friend's referral, end to end", () => {
  it("binds through the real /referrals/complete when the signed-in friend arrives, and shows in the advocate's list", async () => {
    const advocate = newCustomerId();
    const friend = newCustomerId();
    const created = await asShopper<{ code: string }>(advocate, "/referrals/create", { method: "POST", body: "{}" });

    const friendTab = await visit({ customerId: friend });
    await friendTab.go(`/?ref=${created.code}`);
    // Answered 200 by the friend's account: the kept code is forgotten.
    await settled(async () => kept(friendTab.page)).toBeNull();
    await friendTab.close();

    // The advocate's account follows the friend's record through the outbox.
    await settled(async () => (await asShopper<{ referrals: unknown[] }>(advocate, "/referrals")).referrals.length).toBe(1);
    const tab = await visit({ customerId: advocate });
    await tab.go("/");
    await tab.launcher.click();
    await tab.dialog.getByRole("button", { name: "Refer a friend" }).click();
    const item = tab.dialog.getByRole("listitem").filter({ hasText: "Friend referred on" });
    await item.getByText("Waiting for their order").waitFor();
    const today = await tab.page.evaluate(() => new Intl.DateTimeFormat("en", { dateStyle: "medium" }).format(new Date()));
    await item.getByText(`Friend referred on ${today}`).waitFor();
    expect(await item.textContent(), "nothing of the friend but the date").not.toContain(friend);
    await shot(tab.page, "referrals-list-en");
    expect(tab.errors).toEqual([]);
    await tab.close();
  });
});

/** The storefront API as the shopper's own browser reaches it: through the App Proxy, signed in by cookie. */
async function asShopper<T>(customerId: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${storefront.url}${PROXY_PREFIX}${path}`, {
    ...init,
    headers: { cookie: `${CUSTOMER_COOKIE}=${customerId}`, "content-type": "application/json", ...init.headers },
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}
