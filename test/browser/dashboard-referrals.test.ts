// The referrals screens as a merchant uses them. The settings form (/referrals/settings), in the dev admin frame in
// front of the whole dev stack: a change saved with the save bar survives a reload and is what
// GET /v1/api/referrals/config answers; a value the API refuses is shown beside its field and
// nothing of the form is saved; leaving with unsaved changes asks first. Each test reads the
// config it starts from, so it passes on a shop other tests have changed. And money (the ROI here,
// rewards' values, the liability) in the shop's currency once Shopify's shop/update has said it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWebhook } from "../../scripts/send-webhook.mjs";
import { startDashboard, type Dashboard, see } from "./dashboard-harness";

let dash: Dashboard;
// A shop of this file's own: its currency is changed here.
const EURO_SHOP = "referrals-euro-shop.myshopify.com";

beforeAll(async () => {
  dash = await startDashboard({ name: "referrals", path: "/referrals", extraShops: [EURO_SHOP] });
});

afterAll(async () => {
  await dash?.close();
});

async function apiGet<T = Record<string, any>>(path: string, shop?: string): Promise<T> {
  const res = await fetch(`${dash.stack.url}/v1/api${path}`, { headers: { authorization: `Bearer ${dash.sessionToken(shop)}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const referralConfig = async () => (await apiGet<{ config: Record<string, any> }>("/referrals/config")).config;


const save = async () => {
  await see(dash.admin.saveBar).toBeVisible();
  await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
};

/** A number in [low, high] other than `not`. */
const another = (not: number, low: number, high: number) => {
  for (;;) {
    const n = low + Math.floor(Math.random() * (high - low + 1));
    if (n !== not) return n;
  }
};

describe("referral settings", () => {
  it("saves the rewards, thresholds, channels and copy with the save bar; they survive a reload and are what the API answers", async () => {
    const before = await referralConfig();
    const expiry = another(before.expiry_days, 5, 300);
    const holdAt = another(before.fraud.hold_at, 10, 60);
    const whatsapp = !before.channels.whatsapp;
    const headline = `Bring a friend ${Date.now()}`;

    let app = await dash.goto("/referrals");
    await app.getByRole("button", { name: "Settings" }).click();
    await see(app.getByRole("heading", { name: "Referral settings" })).toBeVisible();
    await see(app.getByLabel("Days a pending referral waits")).toHaveValue(String(before.expiry_days));
    await see(dash.admin.saveBar).toBeHidden();

    await app.getByLabel("Days a pending referral waits").fill(String(expiry));
    await app.getByLabel("Reward (friend)").selectOption("discount");
    await app.getByLabel("Discount (friend)").selectOption("percentage");
    await app.getByLabel("Discount value (friend)").fill("15");
    await app.getByLabel("Days the code stays valid (friend)").fill("45");
    await app.getByLabel("Reward (advocate)").selectOption("points");
    await app.getByLabel("Points (advocate)").fill("120");
    await app.getByLabel("Hold for review from score").fill(String(holdAt));
    await app.getByLabel("Reject from score").fill(String(holdAt + 40));
    await app.getByLabel("WhatsApp").setChecked(whatsapp);
    await app.getByLabel("Headline (French)").fill(headline);
    await save();
    await see(dash.admin.toasts.getByText("Saved")).toBeVisible();
    await see(dash.admin.saveBar).toBeHidden();

    app = await dash.reload();
    await see(app.getByLabel("Days a pending referral waits")).toHaveValue(String(expiry));
    await see(app.getByLabel("Reward (friend)")).toHaveValue("discount");
    await see(app.getByLabel("Discount value (friend)")).toHaveValue("15");
    await see(app.getByLabel("Points (advocate)")).toHaveValue("120");
    await see(app.getByLabel("Reject from score")).toHaveValue(String(holdAt + 40));
    await see(app.getByLabel("WhatsApp")).toBeChecked(whatsapp);
    await see(app.getByLabel("Headline (French)")).toHaveValue(headline);

    const after = await referralConfig();
    expect(after).toMatchObject({
      expiry_days: expiry,
      advocate_reward: { type: "points", points: 120 },
      friend_reward: { type: "discount", discount: "percentage", value: "15", code_expiry_days: 45, min_order_subtotal: null },
      fraud: { hold_at: holdAt, reject_at: holdAt + 40, velocity_limit: before.fraud.velocity_limit },
      channels: { ...before.channels, whatsapp },
      translations: { fr: { headline } },
    });
    await dash.screenshot("referral-settings");
  });

  it("shows the API's refusal beside the field, saves nothing of the form, and asks before leaving", async () => {
    const before = await referralConfig();
    const app = await dash.goto("/referrals/settings");
    const hold = app.getByLabel("Hold for review from score");
    const reject = app.getByLabel("Reject from score");
    await see(hold).toHaveValue(String(before.fraud.hold_at));
    // Valid on its own: saved only with the rest of the form.
    await app.getByLabel("Days a pending referral waits").fill(String(another(before.expiry_days, 5, 300)));
    await reject.fill(String(before.fraud.hold_at - 1));
    await save();

    await see(reject).toHaveAttribute("aria-invalid", "true");
    await see(reject).toHaveAccessibleDescription(/reject_at must be at least hold_at/);
    await see(app.getByText("Fix the highlighted fields; nothing was saved.")).toBeVisible();
    expect(await referralConfig()).toEqual(before);

    // A zod refusal of the request itself lands beside its field too.
    await reject.fill(String(before.fraud.reject_at));
    await app.getByLabel("Days a pending referral waits").fill("9999");
    await save();
    await see(app.getByLabel("Days a pending referral waits")).toHaveAttribute("aria-invalid", "true");
    await see(app.getByLabel("Days a pending referral waits")).toHaveAccessibleDescription(/too big/i);
    expect(await referralConfig()).toEqual(before);
    await dash.screenshot("referral-settings-error");

    const asked = new Promise<string>((done) => dash.page.once("dialog", (dialog) => void dialog.dismiss().then(() => done(dialog.message()))));
    await app.getByRole("button", { name: "Back to referrals" }).click();
    expect(await asked).toMatch(/unsaved changes/);
    await see(app.getByLabel("Days a pending referral waits")).toHaveValue("9999");

    await dash.admin.saveBar.getByRole("button", { name: "Discard" }).click();
    await see(app.getByLabel("Days a pending referral waits")).toHaveValue(String(before.expiry_days));
    await see(dash.admin.saveBar).toBeHidden();
  });
});

describe("money in the shop's currency", () => {
  it("shows the referral ROI, rewards' values and the liability in euros once shop/update says so, written in the admin's language", async () => {
    await dash.installShop(EURO_SHOP);
    const body = JSON.stringify({ id: 1, name: "Boutique", myshopify_domain: EURO_SHOP, currency: "EUR" });
    const sent = await sendWebhook({ url: dash.stack.url, secret: dash.apiSecret, topic: "shop/update", shop: EURO_SHOP, body });
    expect(sent.status, sent.body).toBe(200);
    expect((await apiGet("/settings", EURO_SHOP)).currency).toEqual({ code: "EUR", known: true });
    // The demo shop has not been told: its currency is the default, marked so.
    expect((await apiGet("/settings")).currency).toEqual({ code: "USD", known: false });

    const { roi } = await apiGet<{ roi: { revenue: string; reward_cost: string } }>("/referrals/roi", EURO_SHOP);
    const tab = await dash.open("/referrals", { shop: EURO_SHOP, locale: "fr" });
    try {
      // The browser's own Intl, in French: "0,00 €" (its spaces are the narrow no-break kind).
      const euros = (amount: string) => tab.app.evaluate((a) => new Intl.NumberFormat("fr", { style: "currency", currency: "EUR" }).format(Number(a)), amount);
      const revenue = await euros(roi.revenue);
      expect(revenue).toMatch(/€$/);
      await see(tab.app.getByText(`Chiffre d’affaires des filleuls : ${revenue}`)).toBeVisible();
      await see(tab.app.getByText(`Coût des récompenses : ${await euros(roi.reward_cost)}`)).toBeVisible();

      // The default catalog's fixed-amount reward (5.00) in the list's value column.
      const rewards = await tab.goto("/rewards");
      const { rewards: catalog } = await apiGet<{ rewards: { type: string; value: string | null; translations: { en: { title: string } } }[] }>("/rewards", EURO_SHOP);
      const fixed = catalog.find((r) => r.type === "fixed_amount" && r.value !== null)!;
      const row = rewards.getByRole("row", { name: new RegExp(fixed.translations.en.title.replace(/[$.]/g, "\\$&")) });
      await expect.poll(() => row.textContent()).toContain(await euros(fixed.value!));

      const analytics = await tab.goto("/analytics");
      const { liability } = (await apiGet<{ analytics: { liability: { amount: string } } }>("/analytics", EURO_SHOP)).analytics;
      const table = analytics.getByRole("table", { name: "Passif des points en circulation" });
      await expect.poll(() => table.textContent(), { timeout: 15_000 }).toContain(await euros(liability.amount));
      await tab.screenshot("referrals-euros");
    } finally {
      await tab.close();
    }
  });
});
