// The program screens as a merchant uses them, in the dev admin frame in front of the whole dev
// stack: the points program (change the earning rate: it survives a reload and is what the API
// answers; a bad value is shown beside its field and nothing of the form is saved), rewards
// (create one; a bad value saves nothing; leaving with unsaved changes asks first), VIP tiers and
// campaigns (created through their forms, read back from the API).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, startDashboard, type Dashboard, see } from "./dashboard-harness";

let dash: Dashboard;
const OTHER_SHOP = "program-other-shop.myshopify.com";

beforeAll(async () => {
  dash = await startDashboard({ name: "program", path: "/program", extraShops: [OTHER_SHOP] });
});

afterAll(async () => {
  await dash?.close();
});

/** The merchant API as the dashboard calls it (a session token the admin frame would mint). */
async function apiGet<T = Record<string, any>>(path: string, shop = DEMO_SHOP): Promise<T> {
  const res = await fetch(`${dash.stack.url}/v1/api${path}`, { headers: { authorization: `Bearer ${dash.sessionToken(shop)}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const save = async () => {
  await see(dash.admin.saveBar).toBeVisible();
  await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
};

describe("points program", () => {
  it("changes the earning rate: saved with the save bar, shown after a reload, answered by the API", async () => {
    const app = await dash.goto("/program");
    const rate = app.getByLabel("Points per 1 of currency spent");
    await see(rate).toHaveValue("10");
    await see(dash.admin.saveBar).toBeHidden();
    await rate.fill("25");
    await app.getByLabel("Points expire").selectOption("after_earning");
    await app.getByLabel("Months").fill("18");
    await save();
    await see(dash.admin.toasts.getByText("Saved")).toBeVisible();
    await see(dash.admin.saveBar).toBeHidden();

    const after = await dash.reload();
    await see(after.getByLabel("Points per 1 of currency spent")).toHaveValue("25");
    await see(after.getByLabel("Points expire")).toHaveValue("after_earning");
    await see(after.getByLabel("Months")).toHaveValue("18");
    const program = await apiGet("/points-program");
    expect(program.config).toMatchObject({ purchase: 25, points_expiry: { mode: "after_earning", months: 18 } });
    await dash.screenshot("program");
  });

  it("shows a bad value's error beside its field and saves nothing of the form", async () => {
    const app = await dash.goto("/program");
    const before = await apiGet("/points-program");
    const rate = app.getByLabel("Points per 1 of currency spent");
    await see(rate).toHaveValue(String(before.config.purchase));
    await app.getByLabel("Points (Create an account)").fill("999");
    await rate.fill("-5");
    await save();

    await see(rate).toHaveAttribute("aria-invalid", "true");
    await see(rate).toHaveAccessibleDescription(/too small/i);
    await see(app.getByText("Fix the highlighted fields; nothing was saved.")).toBeVisible();
    // The signup points, valid on their own, were not saved either: one version or none.
    const after = await apiGet("/points-program");
    expect(after.version).toBe(before.version);
    expect(after.config).toMatchObject({ purchase: before.config.purchase, signup: before.config.signup });
    await dash.screenshot("program-error");

    // Discard puts back what is saved.
    await dash.admin.saveBar.getByRole("button", { name: "Discard" }).click();
    await see(rate).toHaveValue(String(before.config.purchase));
    await see(app.getByLabel("Points (Create an account)")).toHaveValue(String(before.config.signup));
    await see(dash.admin.saveBar).toBeHidden();
  });
});

describe("rewards", () => {
  it("creates a reward that survives a reload and is in the API's catalog", async () => {
    let app = await dash.goto("/rewards");
    await app.getByRole("button", { name: "Add reward" }).click();
    await see(app.getByRole("heading", { name: "New reward" })).toBeVisible();
    await app.getByLabel("Points cost").fill("750");
    await app.getByLabel("Amount off").fill("7.50");
    await app.getByLabel("Title (English)").fill("$7.50 off");
    await app.getByLabel("Title (French)").fill("7,50 $ de réduction");
    await save();
    await see(dash.admin.toasts.getByText("Saved")).toBeVisible();
    await see(app.getByRole("heading", { name: "$7.50 off" })).toBeVisible();

    app = await dash.reload({ at: /^\/rewards\/(?!new$)[^/]+$/ });
    await see(app.getByLabel("Title (English)")).toHaveValue("$7.50 off");
    await see(app.getByLabel("Amount off")).toHaveValue("7.50");
    const { rewards } = await apiGet<{ rewards: any[] }>("/rewards");
    const created = rewards.find((r) => r.translations.en.title === "$7.50 off");
    expect(created).toMatchObject({ type: "fixed_amount", points_cost: 750, value: "7.50", enabled: true, translations: { fr: { title: "7,50 $ de réduction" } } });
    expect(created.translations).not.toHaveProperty("es");

    await app.getByRole("button", { name: "Back to rewards" }).click();
    await see(app.getByRole("link", { name: "$7.50 off" })).toBeVisible();
    await dash.screenshot("rewards");

    // Disabling from the list: the API no longer offers it.
    await app.getByRole("button", { name: "Disable: $7.50 off" }).click();
    await see(app.getByRole("button", { name: "Enable: $7.50 off" })).toBeVisible();
    const again = await apiGet<{ rewards: any[] }>("/rewards");
    expect(again.rewards.find((r) => r.reward_id === created.reward_id)?.enabled).toBe(false);
  });

  it("refuses a reward without its value beside the value field, creating nothing, and asks before leaving unsaved changes", async () => {
    const before = (await apiGet<{ rewards: unknown[] }>("/rewards")).rewards.length;
    const app = await dash.goto("/rewards/new");
    await app.getByLabel("Title (English)").fill("Nothing off");
    await app.getByLabel("Amount off").fill("");
    await save();
    const value = app.getByLabel("Amount off");
    await see(value).toHaveAttribute("aria-invalid", "true");
    await see(value).toHaveAccessibleDescription(/needs a value/);
    expect((await apiGet<{ rewards: unknown[] }>("/rewards")).rewards.length).toBe(before);

    // Leaving asks first; refusing keeps the merchant on the form with what they typed.
    const asked = new Promise<string>((done) => dash.page.once("dialog", (dialog) => void dialog.dismiss().then(() => done(dialog.message()))));
    await app.getByRole("button", { name: "Back to rewards" }).click();
    expect(await asked).toMatch(/unsaved changes/);
    await see(app.getByLabel("Title (English)")).toHaveValue("Nothing off");
  });
});

describe("VIP tiers and campaigns", () => {
  it("adds a tier through its form; a multiplier over 10 is refused beside it and saves nothing", async () => {
    let app = await dash.goto("/tiers/new");
    await app.getByLabel("Name (English)").fill("Platinum");
    await app.getByLabel("Points earned to reach it").fill("20000");
    await app.getByLabel("Points multiplier").fill("1.5");
    await app.getByLabel("Perks (English)").fill("Early access\nBirthday gift");
    await save();
    await see(app.getByRole("heading", { name: "Platinum" })).toBeVisible();
    app = await dash.reload({ at: /^\/tiers\/(?!new$)[^/]+$/ });
    await see(app.getByLabel("Points multiplier")).toHaveValue("1.5");
    const { tiers } = await apiGet<{ tiers: any[] }>("/vip-tiers");
    expect(tiers.find((t) => t.translations.en.name === "Platinum")).toMatchObject({ threshold: 20000, earn_multiplier: 1.5, translations: { en: { perks: ["Early access", "Birthday gift"] } } });

    await app.getByLabel("Points multiplier").fill("20");
    await save();
    await see(app.getByLabel("Points multiplier")).toHaveAccessibleDescription(/too big/i);
    const still = await apiGet<{ tiers: any[] }>("/vip-tiers");
    expect(still.tiers.find((t) => t.translations.en.name === "Platinum")?.earn_multiplier).toBe(1.5);
    await dash.screenshot("tiers");
  });

  it("creates a double-points campaign for one tier, and an end before the start is refused beside the end", async () => {
    let app = await dash.goto("/campaigns");
    await app.getByRole("button", { name: "Create campaign" }).first().click();
    await app.getByLabel("Name (English)").fill("Double points weekend");
    await app.getByLabel("Starts").fill("2030-05-01T09:00");
    await app.getByLabel("Ends").fill("2030-04-30T09:00");
    await app.getByLabel("Gold").check();
    await save();
    const ends = app.getByLabel("Ends");
    await see(ends).toHaveAccessibleDescription(/must be after starts_at/);
    expect((await apiGet<{ total: number }>("/campaigns")).total).toBe(0);

    await ends.fill("2030-05-03T09:00");
    await save();
    await see(app.getByRole("heading", { name: "Double points weekend" })).toBeVisible();
    app = await dash.reload({ at: /^\/campaigns\/(?!new$)[^/]+$/ });
    await see(app.getByLabel("Gold")).toBeChecked();
    const { campaigns } = await apiGet<{ campaigns: any[] }>("/campaigns");
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({ kind: "multiplier", multiplier: 2, eligible_tier_ids: ["tier_gold"] });
    // Typed in the browser's own clock: two days apart whatever its time zone.
    expect(Date.parse(campaigns[0].ends_at) - Date.parse(campaigns[0].starts_at)).toBe(2 * 86_400_000);

    await app.getByRole("button", { name: "Back to campaigns" }).click();
    await app.getByRole("button", { name: "End now: Double points weekend" }).click();
    await app.getByRole("dialog").getByRole("button", { name: "End now" }).click();
    await see(app.getByText("Ended", { exact: true })).toBeVisible();
    await dash.screenshot("campaigns");
    expect((await apiGet<{ campaigns: any[] }>("/campaigns")).campaigns[0].ended_at).not.toBeNull();
  });
});

it("shows another shop's session none of this shop's rewards, in the screen and in the API", async () => {
  await dash.installShop(OTHER_SHOP);
  const res = await fetch(`${dash.stack.url}/v1/api/rewards`, { headers: { authorization: `Bearer ${dash.sessionToken(OTHER_SHOP)}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { rewards: { translations: { en: { title: string } } }[] };
  // Its own default catalog, without the reward created on the demo shop above.
  expect(body.rewards.length).toBeGreaterThan(0);
  expect(body.rewards.some((r) => r.translations.en.title === "$7.50 off")).toBe(false);

  const tab = await dash.open("/rewards", { shop: OTHER_SHOP });
  try {
    await see(tab.app.getByRole("link", { name: "$5 off your order" })).toBeVisible();
    expect(await tab.app.getByRole("link", { name: "$7.50 off" }).count()).toBe(0);
    const program = await tab.goto("/program");
    // The demo shop's rate was changed to 25 above; this shop still has the default.
    await see(program.getByLabel("Points per 1 of currency spent")).toHaveValue("10");
  } finally {
    await tab.close();
  }
});

it("speaks the merchant's admin language (French)", async () => {
  const tab = await dash.open("/rewards/new", { locale: "fr" });
  try {
    await see(tab.app.getByRole("heading", { name: "Nouvelle récompense" })).toBeVisible();
    await see(tab.app.getByLabel("Titre (Anglais)")).toBeVisible();
    const program = await tab.goto("/program");
    await see(program.getByLabel("Points par 1 de devise dépensé")).toBeVisible();
  } finally {
    await tab.close();
  }
});
