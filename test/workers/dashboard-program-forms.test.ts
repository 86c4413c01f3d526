// The program screens' forms (dashboard/src/screens/program/*-form.ts) against the real merchant
// API: what a form reads and sends back unchanged saves the same thing (no field is dropped or
// altered on the way through the inputs), a change made in an input is what the API stores,
// and a bad value is refused whole, with the field the form shows the message beside.
import { describe, expect, it } from "vitest";
import { campaignBody, campaignToForm, newCampaign, type Campaign } from "../../dashboard/src/screens/program/campaign-form";
import { failureField, fieldMessage, isoToLocal, localToIso } from "../../dashboard/src/screens/program/fields";
import { programPatch, programToForm, type ProgramAnswer } from "../../dashboard/src/screens/program/program-form";
import { NEW_REWARD, rewardBody, rewardToForm, type Reward } from "../../dashboard/src/screens/program/reward-form";
import { NEW_TIER, TIER_CODE_FIELDS, tierBody, tierToForm, type VipTier } from "../../dashboard/src/screens/program/tier-form";
import { install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

const send = async <T = Record<string, any>>(shop: string, method: string, path: string, body?: unknown) => {
  const response = await merchantApi(shop, method, path, body);
  return { status: response.status, body: await json<T & { error: { code: string; message: string; field?: string } | null }>(response) };
};

/** The field the screen shows a failure beside (controls.tsx withField). */
const fieldOf = (error: { code: string; message: string; field?: string } | null, codes: Record<string, string> = {}) => failureField(error!, codes);

describe("points program form", () => {
  it("sends back what it read unchanged, and a changed earning rate is what the API then answers", async () => {
    const shop = await newShop("form-program");
    const read = (await send<ProgramAnswer>(shop, "GET", "/points-program")).body;
    const same = await send<ProgramAnswer>(shop, "PUT", `/points-program?expected_version=${read.version}`, programPatch(programToForm(read)));
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body.config).toEqual(read.config);
    expect(same.body.branding).toEqual(read.branding);

    const values = programToForm(same.body);
    values["config.purchase"] = "25";
    values["config.social_follow.tiktok"] = "30";
    values["config.social_follow.facebook"] = "";
    values["config.points_expiry.mode"] = "after_earning";
    values["config.points_expiry.reminder_days"] = "";
    values["branding.points_currency_singular"] = "star";
    values["branding.points_currency_plural"] = "stars";
    const changed = await send<ProgramAnswer>(shop, "PUT", `/points-program?expected_version=${same.body.version}`, programPatch(values));
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const after = (await send<ProgramAnswer>(shop, "GET", "/points-program")).body;
    expect(after.config).toMatchObject({ purchase: 25, social_follow: { instagram: 50, tiktok: 30 }, points_expiry: { mode: "after_earning", reminder_days: null } });
    expect(after.config.social_follow).not.toHaveProperty("facebook");
    expect(after.branding).toMatchObject({ points_currency_singular: "star", points_currency_plural: "stars" });
    expect(programToForm(after)).toEqual(values);
  });

  it.each([
    ["config.purchase", "-5"],
    ["config.purchase", ""],
    ["config.points_expiry.months", "0"],
    ["config.limits.review.count", "2.5"],
    ["config.goal_spend.amount", "lots"],
    ["branding.points_currency_plural", " "],
  ])("refuses %s = %j whole, naming that field", async (field, bad) => {
    const shop = await newShop("form-program-bad");
    const read = (await send<ProgramAnswer>(shop, "GET", "/points-program")).body;
    const values = { ...programToForm(read), "config.signup": "999", [field]: bad };
    const refused = await send(shop, "PUT", `/points-program?expected_version=${read.version}`, programPatch(values));
    expect(refused.status).toBe(400);
    expect(fieldOf(refused.body.error)).toBe(field);
    expect(fieldMessage(refused.body.error!.message, field).length).toBeGreaterThan(0);
    // Nothing of the rest of the form was saved either.
    const after = (await send<ProgramAnswer>(shop, "GET", "/points-program")).body;
    expect(after.version).toBe(read.version);
    expect(after.config.signup).toBe(read.config.signup);
  });
});

describe("reward form", () => {
  it("sends each default reward back unchanged", async () => {
    const shop = await newShop("form-rewards");
    const { rewards } = (await send<{ rewards: Reward[] }>(shop, "GET", "/rewards")).body;
    expect(rewards.length).toBeGreaterThan(0);
    for (const reward of rewards) {
      const saved = await send<{ reward: Reward }>(shop, "PUT", `/rewards/${reward.reward_id}?expected_version=${reward.version}`, rewardBody(rewardToForm(reward)));
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect({ ...saved.body.reward, version: 0, updated_at: "" }).toEqual({ ...reward, version: 0, updated_at: "" });
    }
  });

  it("creates a reward from the new form, and refuses a fixed amount without its value beside the value input", async () => {
    const shop = await newShop("form-reward-new");
    const values = { ...NEW_REWARD, value: "7.50", points_cost: "750", "translations.en.title": "$7.50 off", "translations.fr.title": "7,50 $ de réduction" };
    const created = await send<{ reward: Reward }>(shop, "POST", "/rewards", rewardBody(values));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.reward).toMatchObject({ type: "fixed_amount", value: "7.50", points_cost: 750, translations: { en: { title: "$7.50 off" }, fr: { title: "7,50 $ de réduction" } } });
    expect(created.body.reward.translations).not.toHaveProperty("es");
    expect(rewardToForm(created.body.reward)).toEqual(values);

    const before = (await send<{ rewards: Reward[] }>(shop, "GET", "/rewards")).body.rewards.length;
    const refused = await send(shop, "POST", "/rewards", rewardBody({ ...values, value: "" }));
    expect(refused.status).toBe(400);
    expect(fieldOf(refused.body.error)).toBe("value");
    const untitled = await send(shop, "POST", "/rewards", rewardBody({ ...values, "translations.en.title": "" }));
    expect(fieldOf(untitled.body.error)).toBe("translations.en.title");
    expect((await send<{ rewards: Reward[] }>(shop, "GET", "/rewards")).body.rewards.length).toBe(before);
  });
});

describe("VIP tier form", () => {
  it("sends each tier back unchanged, and a spend threshold on a points program is refused beside the threshold", async () => {
    const shop = await newShop("form-tiers");
    const { tiers } = (await send<{ tiers: VipTier[] }>(shop, "GET", "/vip-tiers")).body;
    expect(tiers.length).toBeGreaterThan(0);
    for (const tier of tiers) {
      const saved = await send<{ tier: VipTier }>(shop, "PUT", `/vip-tiers/${tier.id}?expected_version=${tier.version}`, tierBody(tierToForm(tier), tier.basis));
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect({ ...saved.body.tier, version: 0, updated_at: "" }).toEqual({ ...tier, version: 0, updated_at: "" });
    }
    const platinum = { ...NEW_TIER, threshold: "20000", earn_multiplier: "1.5", "discount.percentage": "5", "translations.en.name": "Platinum", "translations.en.perks": "Early access\nBirthday gift" };
    const created = await send<{ tier: VipTier }>(shop, "POST", "/vip-tiers", tierBody(platinum, "points"));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.tier).toMatchObject({ threshold: 20000, earn_multiplier: 1.5, discount: { percentage: "5" }, translations: { en: { name: "Platinum", perks: ["Early access", "Birthday gift"] } } });

    const refused = await send(shop, "POST", "/vip-tiers", tierBody({ ...platinum, threshold: "500.00" }, "spend"));
    expect(refused.status).toBe(400);
    expect(fieldOf(refused.body.error, TIER_CODE_FIELDS)).toBe("threshold");
    const badMultiplier = await send(shop, "POST", "/vip-tiers", tierBody({ ...platinum, earn_multiplier: "0.5" }, "points"));
    expect(fieldOf(badMultiplier.body.error, TIER_CODE_FIELDS)).toBe("earn_multiplier");
    expect((await send<{ tiers: VipTier[] }>(shop, "GET", "/vip-tiers")).body.tiers.length).toBe(tiers.length + 1);
  });
});

describe("campaign form", () => {
  it("creates a campaign, sends it back unchanged, and refuses an end before its start beside ends_at", async () => {
    const shop = await newShop("form-campaigns");
    const { tiers } = (await send<{ tiers: VipTier[] }>(shop, "GET", "/vip-tiers")).body;
    const values = {
      ...newCampaign(Date.parse("2030-01-01T10:00:00Z")),
      ends_at: isoToLocal("2030-01-08T10:00:00Z"),
      multiplier: "2",
      eligible_tier_ids: tiers[0]!.id,
      "translations.en.name": "Double points week",
    };
    const created = await send<{ campaign: Campaign }>(shop, "POST", "/campaigns", campaignBody(values));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaign = created.body.campaign;
    expect(campaign).toMatchObject({ kind: "multiplier", multiplier: 2, stackable: false, starts_at: "2030-01-01T10:00:00.000Z", ends_at: "2030-01-08T10:00:00.000Z", eligible_tier_ids: [tiers[0]!.id] });
    expect(campaignToForm(campaign)).toEqual(values);

    const same = await send<{ campaign: Campaign }>(shop, "PUT", `/campaigns/${campaign.id}?expected_version=${campaign.version}`, campaignBody(campaignToForm(campaign)));
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect({ ...same.body.campaign, version: 0, updated_at: "" }).toEqual({ ...campaign, version: 0, updated_at: "" });

    const refused = await send(shop, "PUT", `/campaigns/${campaign.id}?expected_version=${same.body.campaign.version}`, campaignBody({ ...values, ends_at: isoToLocal("2029-12-31T10:00:00Z") }));
    expect(refused.status).toBe(400);
    expect(fieldOf(refused.body.error)).toBe("ends_at");
    const goal = await send(shop, "POST", "/campaigns", campaignBody({ ...values, kind: "goal_spend", amount: "", points: "300" }));
    expect(fieldOf(goal.body.error)).toBe("amount");
    const { campaigns } = (await send<{ campaigns: Campaign[] }>(shop, "GET", "/campaigns")).body;
    expect(campaigns.map((c) => c.version)).toEqual([2]);
  });

  it("reads a time the merchant typed in their own clock as the same instant", () => {
    expect(localToIso(isoToLocal("2031-06-15T08:30:00Z"))).toBe("2031-06-15T08:30:00.000Z");
    expect(localToIso("not a time")).toBe("not a time");
    expect(localToIso("")).toBeNull();
  });
});
