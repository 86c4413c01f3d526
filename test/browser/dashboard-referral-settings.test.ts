// The referral settings form (/referrals/settings) as a merchant uses it, in the dev admin frame in
// front of the whole dev stack: a change saved with the save bar survives a reload and is what
// GET /v1/api/referrals/config answers; a value the API refuses is shown beside its field and
// nothing of the form is saved; leaving with unsaved changes asks first. Each test reads the
// config it starts from, so it passes on a shop other tests have changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator } from "playwright-core";
import { startDashboard, type Dashboard } from "./dashboard-harness";

let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "referral_settings", path: "/referrals" });
});

afterAll(async () => {
  await dash?.close();
});

async function referralConfig(): Promise<Record<string, any>> {
  const res = await fetch(`${dash.stack.url}/v1/api/referrals/config`, { headers: { authorization: `Bearer ${dash.sessionToken()}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { config: Record<string, any> }).config;
}

const see = (locator: Locator) => ({
  toBeVisible: () => locator.waitFor({ state: "visible" }),
  toBeHidden: () => locator.waitFor({ state: "hidden" }),
  toHaveValue: (value: string) => expect.poll(() => locator.inputValue()).toBe(value),
  toBeChecked: (checked = true) => expect.poll(() => locator.isChecked()).toBe(checked),
  toHaveAttribute: (name: string, value: string) => expect.poll(() => locator.getAttribute(name)).toBe(value),
  /** The text of the elements its aria-describedby names: the help text and the inline error. */
  toHaveAccessibleDescription: (pattern: RegExp) =>
    expect
      .poll(() =>
        locator.evaluate((el) =>
          (el.getAttribute("aria-describedby") ?? "")
            .split(" ")
            .map((id) => document.getElementById(id)?.textContent ?? "")
            .join(" "),
        ),
      )
      .toMatch(pattern),
});

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
