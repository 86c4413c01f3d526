// The dev admin frame (scripts/admin-frame.mjs) on its own: a fixture app that uses each part of
// App Bridge the dashboard uses, inside the stand-in admin, in front of the real Worker. What the
// dashboard's tests rely on: tokens the Worker accepts, for the allowed shops only; the side nav,
// title bar, save bar and toasts doing in the admin what the app asks; the admin's URL following
// the app's path.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSessionToken, startAdminFrame } from "../../scripts/admin-frame.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { CHROMIUM_ARGS, freePort, SCREENSHOTS } from "./dashboard-harness";

const FIXTURE_APP = resolve(import.meta.dirname, "../fixtures/admin-frame-app");
const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-browser-admin-frame-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let frame: Awaited<ReturnType<typeof startAdminFrame>>;
let browser: Browser;
const vars = readDevVars();

beforeAll(async () => {
  const executablePath = ensureChromium();
  stack = await startDevStack({ port: await freePort(), persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_browser_admin_frame" });
  frame = await startAdminFrame({ workerOrigin: stack.url, apiKey: vars.SHOPIFY_API_KEY!, apiSecret: vars.SHOPIFY_API_SECRET!, shops: [DEMO_SHOP], distDir: FIXTURE_APP });
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await frame?.close();
  await stack?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

async function openAdmin(path = "/", user?: string): Promise<{ page: Page; app: Frame; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(frame.adminUrl(path, { user }));
  const app = (await (await page.waitForSelector("#app-frame")).contentFrame())!;
  await app.waitForLoadState("load");
  return { page, app, errors };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

describe("admin frame", () => {
  it("mints Shopify's session token claims, which the Worker accepts for the demo shop", async () => {
    const token = signSessionToken({ apiKey: vars.SHOPIFY_API_KEY!, apiSecret: vars.SHOPIFY_API_SECRET!, shop: DEMO_SHOP, userId: "42" });
    const claims = claimsOf(token);
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8"))).toEqual({ alg: "HS256", typ: "JWT" });
    expect(claims).toMatchObject({ iss: `https://${DEMO_SHOP}/admin`, dest: `https://${DEMO_SHOP}`, aud: vars.SHOPIFY_API_KEY, sub: "42" });
    expect(claims.exp).toBe((claims.iat as number) + 60);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.sid).toMatch(/^[0-9a-f]{32}$/);

    // Through the app origin's proxy, as the app calls it.
    const accepted = await fetch(`${frame.appUrl}/v1/api/settings`, { headers: { authorization: `Bearer ${token}` } });
    expect(accepted.status).toBe(200);
    expect((await accepted.json()).you.user_id).toBe("42");
    const forged = signSessionToken({ apiKey: vars.SHOPIFY_API_KEY!, apiSecret: "not-the-secret", shop: DEMO_SHOP });
    const refused = await fetch(`${frame.appUrl}/v1/api/settings`, { headers: { authorization: `Bearer ${forged}` } });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("invalid_signature");
  });

  it("signs in to the allowed shops only, and only for the admin's own page", async () => {
    const other = await fetch(`${frame.url}/admin/session-token?shop=other-shop.myshopify.com`, { method: "POST", headers: { origin: frame.url } });
    expect(other.status).toBe(403);
    expect((await other.json()).error).toContain("demo-shop.myshopify.com");
    const fromApp = await fetch(`${frame.url}/admin/session-token?shop=${DEMO_SHOP}`, { method: "POST", headers: { origin: frame.appUrl } });
    expect(fromApp.status).toBe(403);
    const page = await fetch(frame.adminUrl("/", { shop: "other-shop.myshopify.com" }));
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("signs in only to demo-shop.myshopify.com");
    const ok = await fetch(`${frame.url}/admin/session-token?shop=${DEMO_SHOP}&user=7`, { method: "POST", headers: { origin: frame.url } });
    expect(ok.status).toBe(200);
    expect(claimsOf((await ok.json()).token).sub).toBe("7");
  });

  it("serves the app on its own origin with App Bridge swapped for the stand-in and the dev key", async () => {
    const res = await fetch(`${frame.appUrl}/some/client/route?shop=${DEMO_SHOP}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("cdn.shopify.com");
    expect(html).toContain('src="/__admin-frame/app-bridge.js"');
    expect(html).toContain(`<meta name="shopify-api-key" content="${vars.SHOPIFY_API_KEY}"`);
    expect(new URL(frame.appUrl).origin).not.toBe(new URL(frame.url).origin);
    expect((await fetch(`${frame.appUrl}/missing.js`)).status).toBe(404);
    expect((await fetch(`${frame.appUrl}/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it("gives the app session tokens through shopify.idToken() for the signed-in staff user", async () => {
    const { page, app, errors } = await openAdmin("/", "314");
    await app.getByRole("button", { name: "Call the API" }).click();
    await expect.poll(() => app.locator("#outcome").textContent()).toBe("API 200 user 314");
    const bridge = await app.evaluate(() => {
      const { config, environment } = (window as unknown as { shopify: { config: { shop: string }; environment: { embedded: boolean } } }).shopify;
      return { shop: config.shop, embedded: environment.embedded };
    });
    expect(bridge).toEqual({ shop: DEMO_SHOP, embedded: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows the app's title and nav menu, follows the app's path and sends nav clicks to the app", async () => {
    const { page, app, errors } = await openAdmin("/");
    const nav = page.getByRole("navigation", { name: "Admin" });
    await expect.poll(() => page.locator("#page-title").textContent()).toBe("Fixture home");
    await expect.poll(() => page.getByRole("button", { name: "Create thing" }).count()).toBe(1);
    await page.getByRole("button", { name: "Create thing" }).click();
    await expect.poll(() => app.locator("#outcome").textContent()).toBe("title bar action");

    await nav.getByRole("link", { name: "Second screen" }).click();
    await expect.poll(() => app.locator("#navigated").textContent()).toBe("shopify:navigate /second");
    await expect.poll(() => app.locator("#path").textContent()).toBe("Path /second");
    await expect.poll(() => page.locator("#page-title").textContent()).toBe("Second screen");
    await expect.poll(() => new URL(page.url()).pathname).toBe("/store/demo-shop/apps/loyalnest/second");
    expect(await nav.getByRole("link", { name: "Second screen" }).getAttribute("aria-current")).toBe("page");
    expect(new URL(app.url()).searchParams.get("shop")).toBe(DEMO_SHOP);

    // A reload of the admin's URL opens the same screen.
    await page.reload();
    const reloaded = (await (await page.waitForSelector("#app-frame")).contentFrame())!;
    await expect.poll(() => reloaded.locator("#path").textContent()).toBe("Path /second");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows the save bar the app asks for, clicks the app's buttons, and holds navigation while it shows", async () => {
    const { page, app, errors } = await openAdmin("/");
    const saveBar = page.getByRole("region", { name: "Unsaved changes" });
    expect(await saveBar.isVisible()).toBe(false);
    await app.getByLabel("Name").fill("Ada");
    await expect.poll(() => saveBar.isVisible()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, "admin-frame-save-bar.png") });

    // Leaving with unsaved changes: the admin refuses and the app stays.
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Second screen" }).click();
    expect(await app.locator("#path").textContent()).toBe("Path /");

    await saveBar.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => app.locator("#outcome").textContent()).toBe("saved Ada");
    await expect.poll(() => saveBar.isVisible()).toBe(false);

    await app.getByLabel("Name").fill("Grace");
    await saveBar.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => app.locator("#outcome").textContent()).toBe("discarded");
    await expect.poll(() => saveBar.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows toasts, errors styled apart, gone after their duration", async () => {
    const { page, app, errors } = await openAdmin("/");
    const toasts = page.getByRole("status", { name: "Notifications" });
    await app.getByRole("button", { name: "Toast", exact: true }).click();
    await app.getByRole("button", { name: "Error toast" }).click();
    await expect.poll(() => toasts.getByText("Saved the thing").isVisible()).toBe(true);
    const error = toasts.locator(".Toast--error");
    await expect.poll(() => error.textContent()).toContain("That went wrong");
    await page.screenshot({ path: join(SCREENSHOTS, "admin-frame-toasts.png") });
    await expect.poll(() => toasts.getByText("Saved the thing").count(), { timeout: 5000 }).toBe(0);
    await toasts.getByRole("button", { name: "Dismiss notification" }).click();
    await expect.poll(() => error.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
