// The Settings screen as a merchant uses it, in the dev admin in front of the real Worker: plan
// and usage shown; name, branding, languages and staff roles saved with the admin's save bar and
// still there after a reload; a bad colour refused beside its field with nothing saved; and a
// second shop's session sees none of the demo shop's settings, in the dashboard or the API; a shop
// opening the app for the first time is installed by it, with its currency read from Shopify.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, startDashboard, type Dashboard } from "./dashboard-harness";

const OTHER_SHOP = "other-shop-dashboard.myshopify.com";
const NEW_SHOP = "first-open-dashboard.myshopify.com";
let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "settings", path: "/settings", extraShops: [OTHER_SHOP, NEW_SHOP] });
});

afterAll(async () => {
  await dash?.close();
});

async function settingsOf(shop: string) {
  const res = await fetch(`${dash.stack.url}/v1/api/settings`, { headers: { authorization: `Bearer ${dash.sessionToken(shop)}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { store_name: string | null; languages: string[]; branding: { primary_color: string }; staff_roles: Record<string, string>; version: number };
}

describe("settings screen", () => {
  it("shows the plan and usage, and saves name, branding, languages and roles through the save bar", async () => {
    const app = dash.app;
    await expect.poll(() => dash.admin.title.textContent()).toBe("Settings");
    // The demo shop is on Plus: no monthly limit.
    await expect.poll(() => app.getByText("orders this month (no limit)").count()).toBe(1);
    expect(await app.getByRole("heading", { name: "Plus" }).count()).toBe(1);
    expect(await dash.admin.saveBar.isVisible()).toBe(false);

    await app.getByLabel("Store name").fill("Nest & Co");
    await app.getByLabel("Primary colour").fill("#123456");
    await app.getByLabel("German").uncheck();
    // A store with roles keeps an owner: the signed-in staff member (user 1) first.
    await app.getByLabel("Shopify user id").fill("1");
    await app.getByLabel("Role", { exact: true }).selectOption("owner");
    await app.getByRole("button", { name: "Add role" }).click();
    await app.getByLabel("Shopify user id").fill("555");
    await app.getByLabel("Role", { exact: true }).selectOption("manager");
    await app.getByRole("button", { name: "Add role" }).click();
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(true);
    await dash.screenshot("settings-dirty");
    await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => dash.admin.toasts.getByText("Saved").count()).toBe(1);
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(false);

    const saved = await settingsOf(DEMO_SHOP);
    expect(saved).toMatchObject({ store_name: "Nest & Co", languages: ["en", "es", "fr"], branding: { primary_color: "#123456" }, staff_roles: { "1": "owner", "555": "manager" } });

    const reloaded = await dash.reload();
    await expect.poll(() => reloaded.getByLabel("Store name").inputValue()).toBe("Nest & Co");
    expect(await reloaded.getByLabel("Primary colour").inputValue()).toBe("#123456");
    expect(await reloaded.getByLabel("German").isChecked()).toBe(false);
    expect(await reloaded.getByLabel("Role of 555", { exact: true }).inputValue()).toBe("manager");
    expect(await reloaded.getByLabel("Role of 1", { exact: true }).inputValue()).toBe("owner");
    await dash.screenshot("settings-saved");
    expect(dash.errors).toEqual([]);
  });

  it("shows a bad colour's error beside the field and saves nothing", async () => {
    const app = dash.app;
    const before = await settingsOf(DEMO_SHOP);
    await app.getByLabel("Store name").fill("Half saved?");
    await app.getByLabel("Accent colour").fill("blue");
    await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
    const accent = app.getByLabel("Accent colour");
    await expect.poll(() => accent.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await accent.getAttribute("aria-describedby"))!.split(" ");
    const errorId = describedBy.find((id) => id.endsWith("-error"))!;
    expect(await app.locator(`[id="${errorId}"]`).textContent()).toContain("#rrggbb");
    expect(await dash.admin.saveBar.isVisible()).toBe(true);
    await expect.poll(() => dash.admin.toasts.locator(".Toast--error").count()).toBeGreaterThan(0);
    await dash.screenshot("settings-bad-colour");

    const after = await settingsOf(DEMO_SHOP);
    expect(after.version).toBe(before.version);
    expect(after.store_name).toBe("Nest & Co");

    await dash.admin.saveBar.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => app.getByLabel("Store name").inputValue()).toBe("Nest & Co");
    expect(await app.getByLabel("Accent colour").getAttribute("aria-invalid")).toBeNull();
    // 401s from the admin's favicon or the like would be here; the refused PUT is not an error of the page.
    expect(dash.errors.filter((e) => !e.includes("400"))).toEqual([]);
  });

  it("shows another shop none of the demo shop's settings", async () => {
    await dash.installShop(OTHER_SHOP);
    const other = await dash.open("/settings", { shop: OTHER_SHOP });
    await expect.poll(() => other.admin.title.textContent()).toBe("Settings");
    await expect.poll(() => other.app.getByLabel("Store name").count()).toBe(1);
    expect(await other.app.getByLabel("Store name").inputValue()).toBe("");
    expect(await other.app.getByLabel("Primary colour").inputValue()).not.toBe("#123456");
    expect(await other.app.getByLabel("German").isChecked()).toBe(true);
    expect(await other.app.getByLabel("Role of 555", { exact: true }).count()).toBe(0);
    expect(await other.app.getByText("Nest & Co").count()).toBe(0);
    await other.screenshot("settings-other-shop");
    expect(other.errors).toEqual([]);
    await other.close();

    const otherSettings = await settingsOf(OTHER_SHOP);
    expect(otherSettings.store_name).toBeNull();
    expect(otherSettings.staff_roles).toEqual({});
    // And the demo shop's are untouched by the other shop's visit.
    expect((await settingsOf(DEMO_SHOP)).store_name).toBe("Nest & Co");
  });

  it("installs a shop that opens the app for the first time, reading its currency from Shopify", async () => {
    const emulator = (path: string, body?: unknown) =>
      fetch(`${dash.stack.emulator.url}/__emulator/${path}?shop=${NEW_SHOP}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
    expect((await emulator("shop", { currencyCode: "CAD" })).status).toBe(200);
    const before = await fetch(`${dash.stack.url}/v1/api/settings`, { headers: { authorization: `Bearer ${dash.sessionToken(NEW_SHOP)}` } });
    expect([before.status, ((await before.json()) as { error: { code: string } }).error.code]).toEqual([403, "shop_not_installed"]);

    const fresh = await dash.open("/settings", { shop: NEW_SHOP });
    await expect.poll(() => fresh.admin.title.textContent()).toBe("Settings");
    await expect.poll(() => fresh.app.getByLabel("Store name").count(), { timeout: 20_000 }).toBe(1);
    expect(await fresh.app.getByRole("alert").count()).toBe(0);
    // One token exchange, however many of the screen's calls were refused before it.
    const requests = ((await (await emulator("requests")).json()) as { requests: { grantType?: string }[] }).requests;
    expect(requests.filter((r) => r.grantType === "urn:ietf:params:oauth:grant-type:token-exchange")).toHaveLength(1);
    // The browser reports the calls refused before the install, and nothing else.
    expect(fresh.errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    await fresh.screenshot("settings-first-open");
    await fresh.close();

    const settings = (await settingsOf(NEW_SHOP)) as unknown as { currency: { code: string; known: boolean } };
    expect(settings.currency).toEqual({ code: "CAD", known: true });
  });

  it("refuses to open the admin for a shop it was not given", async () => {
    const res = await fetch(dash.frame.adminUrl("/settings", { shop: "stranger.myshopify.com" }));
    expect(res.status).toBe(403);
  });
});
