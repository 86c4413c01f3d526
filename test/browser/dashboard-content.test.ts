// The on-site content screen as a merchant uses it, in the dev admin frame against the whole dev
// stack: the live preview (the storefront widget's own views) follows unsaved edits, a save lands
// in the storefront's widget config and survives a reload, a bad colour is refused under its field
// with nothing saved, low-contrast colours warn beside the field, and a language's copy reaches
// the config in that language.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signAppProxy } from "../../scripts/storefront.mjs";
import { DEMO_SHOP, startDashboard, type Dashboard } from "./dashboard-harness";

let dash: Dashboard;

/**
 * The page's errors but the refusals these tests provoke: Chromium logs every 400 answer as a
 * console error, and the screen shows each one to the merchant (asserted where it happens).
 */
const unexpectedErrors = () => dash.errors.filter((error) => !error.includes("responded with a status of 400 (Bad Request)"));

beforeAll(async () => {
  dash = await startDashboard({ name: "content", path: "/content" });
});

afterAll(async () => {
  await dash?.close();
});

/** GET /proxy/v1/api/widget/config as Shopify's App Proxy forwards a guest's request. */
async function widgetConfig(locale = "en"): Promise<Record<string, any>> {
  const params = new URLSearchParams({ shop: DEMO_SHOP, logged_in_customer_id: "", path_prefix: "/apps/loyalnest", timestamp: String(Math.floor(Date.now() / 1000)), locale });
  params.set("signature", signAppProxy(dash.apiSecret, params));
  const response = await fetch(`${dash.stack.url}/proxy/v1/api/widget/config?${params}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

async function settings(): Promise<Record<string, any>> {
  const response = await fetch(`${dash.stack.url}/v1/api/settings`, { headers: { authorization: `Bearer ${dash.sessionToken()}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

const preview = () => dash.app.getByRole("region", { name: "Live preview" });

async function save() {
  await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
}

describe("on-site content", () => {
  it("shows a new launcher text in the preview before it is saved, then in the storefront's config after saving and reloading", async () => {
    const field = dash.app.getByLabel("Launcher text (English)");
    await expect.poll(() => field.isVisible()).toBe(true);
    // The widget's own label until the merchant writes one.
    await expect.poll(() => preview().getByRole("button", { name: "Rewards" }).isVisible()).toBe(true);

    await field.fill("Perks club");
    await expect.poll(() => preview().getByRole("button", { name: "Perks club" }).isVisible()).toBe(true);
    // Only the preview has it: the storefront still serves the saved (default) label.
    expect((await widgetConfig()).branding.launcher_label).toBeNull();
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(true);

    // The preview is the widget itself: its launcher opens its dialog with the shop's rewards.
    await preview().getByRole("button", { name: "Perks club" }).click();
    const dialog = preview().getByRole("dialog", { name: "Rewards" });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(() => dialog.getByText("500 points").first().isVisible()).toBe(true);
    await dialog.getByRole("button", { name: "Close" }).click();

    await save();
    await expect.poll(() => dash.admin.toasts.getByText("Saved").isVisible()).toBe(true);
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(false);
    expect((await widgetConfig()).branding.launcher_label).toBe("Perks club");

    const app = await dash.reload();
    await expect.poll(() => app.getByLabel("Launcher text (English)").inputValue()).toBe("Perks club");
    await expect.poll(() => app.getByRole("region", { name: "Live preview" }).getByRole("button", { name: "Perks club" }).isVisible()).toBe(true);
    await dash.screenshot("content-launcher");
    expect(unexpectedErrors()).toEqual([]);
  });

  it("refuses a badly written colour under its field with the API's message, and saves nothing", async () => {
    const before = await settings();
    const field = dash.app.getByLabel("Primary colour");
    await field.fill("#12zz");
    // The preview keeps drawing with the saved colour meanwhile.
    await expect.poll(() => preview().getByRole("button", { name: "Perks club" }).isVisible()).toBe(true);
    await save();
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await field.getAttribute("aria-describedby")) ?? "";
    const error = dash.app.locator(`[id="${describedBy.split(" ").find((id) => id.endsWith("-error"))}"]`);
    await expect.poll(() => error.textContent()).toBe("must be a colour written #rrggbb");
    await expect.poll(() => dash.admin.toasts.getByText("Not saved: must be a colour written #rrggbb").isVisible()).toBe(true);
    const after = await settings();
    expect(after.version).toBe(before.version);
    expect(after.branding.primary_color).toBe(before.branding.primary_color);
    await dash.screenshot("content-bad-colour");

    await dash.admin.saveBar.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => field.inputValue()).toBe(before.branding.primary_color);
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe(null);
  });

  it("warns beside a colour whose contrast is too low, before saving and, from the API, after", async () => {
    const field = dash.app.getByLabel("Accent colour");
    await field.fill("#f0c040");
    const warning = dash.app.getByRole("alert").filter({ hasText: /^Low contrast: 1\.\d+:1/ });
    await expect.poll(() => warning.isVisible()).toBe(true);
    await save();
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(false);
    const saved = await settings();
    expect(saved.warnings).toEqual([expect.objectContaining({ field: "branding.accent_color", code: "low_contrast" })]);
    const app = await dash.reload();
    await expect.poll(() => app.getByRole("alert").filter({ hasText: /^Low contrast: 1\.\d+:1/ }).isVisible()).toBe(true);
    expect(await app.getByRole("alert").filter({ hasText: saved.warnings[0].message }).count()).toBe(1);
  });

  it("writes the sticky bar in French: the French preview shows it, and the French config carries it once saved", async () => {
    const app = dash.app;
    await app.getByRole("combobox", { name: "Language", exact: true }).selectOption("fr");
    await app.getByRole("tab", { name: "Sticky bar" }).click();
    await app.getByRole("checkbox", { name: "Sticky bar", exact: true }).check();
    await app.getByLabel("Sticky bar text (French)").fill("Des points à chaque commande");
    const bar = preview().getByRole("region", { name: "Programme de fidélité" });
    await expect.poll(() => bar.textContent()).toContain("Des points à chaque commande");
    // The preview speaks French: the widget's own strings in French around the merchant's copy.
    await expect.poll(() => preview().getByRole("button", { name: "Récompenses" }).isVisible()).toBe(true);

    await save();
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(false);
    const french = await widgetConfig("fr");
    expect(french.storefront).toMatchObject({ surfaces: { sticky_bar: true }, copy: { sticky_bar: "Des points à chaque commande" } });
    expect((await widgetConfig("en")).storefront.copy.sticky_bar).toBeUndefined();
    await dash.screenshot("content-sticky-bar-fr");
    expect(unexpectedErrors()).toEqual([]);
  });
});
