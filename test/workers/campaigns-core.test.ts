// Bonus campaigns, pure: when a campaign runs, who it applies to, how multipliers stack (and the
// exact integers they give), bonus actions and goal spend.
import { describe, expect, it } from "vitest";
import { buildDiscountFunctionConfig } from "../../core/discount-function-config";
import {
  campaignActionBonus,
  campaignDiscountInputs,
  campaignMultipliers,
  CampaignInputSchema,
  goalSpendCampaignsReached,
  runningCampaignsFor,
  spendGoalBonuses,
  type Campaign,
} from "../../core/campaigns";
import type { PaidOrderSpend } from "../../core/goal-spend";
import { toBasisPoints } from "../../core/multiplier";
import { applyCampaignChanges, applyProgramChange, applyTierChanges, pointsPer100, tierMoves } from "../../core/simulate";
import { tierFromInput, VipTierInputSchema, type VipTier } from "../../core/tiers";
import { computeOrderEarn, DEFAULT_PROGRAM, type AppliedMultiplier } from "../../core/program";

const T0 = Date.parse("2026-12-01T00:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

let seq = 0;
function campaign(fields: Record<string, unknown>): Campaign {
  seq++;
  const input = CampaignInputSchema.parse({
    translations: { en: { name: `Campaign ${seq}` }, fr: { name: `Campagne ${seq}`, description: "fr" } },
    starts_at: iso(T0),
    ends_at: iso(T0 + 7 * DAY),
    ...fields,
  });
  return { ...input, id: `cmp_${String(seq).padStart(4, "0")}`, version: 1, ended_at: null, created_at: iso(T0 - DAY + seq * 1000), updated_at: iso(T0) };
}

const tier = (multiplier: number, id = "tier_gold"): AppliedMultiplier => ({ source: "tier", id, name: "Gold", multiplier, bp: toBasisPoints(multiplier) });
/** 10 points per unit: $10.00 → 100 base points. */
const TEN_DOLLARS = 10_000;

describe("which campaigns run", () => {
  const double = campaign({ kind: "multiplier", multiplier: 2, stackable: false });

  it("from starts_at (included) to ends_at (excluded)", () => {
    expect(campaignMultipliers([double], null, T0 - 1)).toEqual([]);
    expect(campaignMultipliers([double], null, T0).map((m) => m.id)).toEqual([double.id]);
    expect(campaignMultipliers([double], null, T0 + 7 * DAY - 1).map((m) => m.id)).toEqual([double.id]);
    expect(campaignMultipliers([double], null, T0 + 7 * DAY)).toEqual([]);
  });

  it("open-ended when ends_at is null", () => {
    const open = campaign({ kind: "multiplier", multiplier: 2, stackable: true, ends_at: null });
    expect(campaignMultipliers([open], null, T0 + 3650 * DAY).map((m) => m.id)).toEqual([open.id]);
  });

  it("for the tiers it names only; a customer without a tier gets only campaigns open to all", () => {
    const goldOnly = campaign({ kind: "multiplier", multiplier: 3, stackable: true, eligible_tier_ids: ["tier_gold"] });
    expect(campaignMultipliers([goldOnly], "tier_gold", T0).map((m) => m.bp)).toEqual([30_000]);
    expect(campaignMultipliers([goldOnly], "tier_silver", T0)).toEqual([]);
    expect(campaignMultipliers([goldOnly], null, T0)).toEqual([]);
  });
});

describe("stacking", () => {
  it("every stackable campaign and the largest non-stackable (ties: earliest created), in creation order after the tier", () => {
    const stackDouble = campaign({ kind: "multiplier", multiplier: 2, stackable: true });
    const triple = campaign({ kind: "multiplier", multiplier: 3, stackable: false });
    const stack11 = campaign({ kind: "multiplier", multiplier: 1.1, stackable: true });
    const tripleLater = campaign({ kind: "multiplier", multiplier: 3, stackable: false });
    const twoAndHalf = campaign({ kind: "multiplier", multiplier: 2.5, stackable: false });
    // Given in any order, applied in creation order.
    const applied = campaignMultipliers([twoAndHalf, tripleLater, stack11, triple, stackDouble], "tier_gold", T0 + HOUR);
    expect(applied.map((m) => m.id)).toEqual([stackDouble.id, triple.id, stack11.id]);
    expect(applied.every((m) => m.source === "campaign")).toBe(true);

    // Tier 1.5 × 2 × 3 × 1.1 = 9.9: 100 base points → 990, exactly.
    const { points, snapshot } = computeOrderEarn(DEFAULT_PROGRAM, TEN_DOLLARS, [tier(1.5), ...applied]);
    expect(points).toBe(990);
    expect(snapshot.multiplier_bp).toBe(99_000);
    expect(snapshot.multipliers.map((m) => [m.source, m.bp])).toEqual([
      ["tier", 15_000],
      ["campaign", 20_000],
      ["campaign", 30_000],
      ["campaign", 11_000],
    ]);
    expect(snapshot.tier).toBe("Gold");
  });

  it("a 2.3× campaign on 100 points gives 230 (integers, never 229)", () => {
    const c = campaign({ kind: "multiplier", multiplier: 2.3, stackable: false });
    expect(computeOrderEarn(DEFAULT_PROGRAM, TEN_DOLLARS, campaignMultipliers([c], null, T0)).points).toBe(230);
  });

  it("rounds down once: 1.0005 × 1.0005 on 1,999 base points", () => {
    const a = campaign({ kind: "multiplier", multiplier: 1.0005, stackable: true });
    const b = campaign({ kind: "multiplier", multiplier: 1.0005, stackable: true });
    // 10,000 × 1.0005 = 10,005; × 1.0005 = 10,010.0025 → 10,010 bp; 1,999 × 1.001 = 2,000.999 → 2,000.
    const { points, snapshot } = computeOrderEarn(DEFAULT_PROGRAM, 199_900, campaignMultipliers([a, b], null, T0));
    expect(snapshot.multiplier_bp).toBe(10_010);
    expect(points).toBe(2_000);
  });

  it("ignores other kinds and stopped campaigns", () => {
    const goal = campaign({ kind: "goal_spend", amount: "100.00", days: 7, points: 50 });
    const bonus = campaign({ kind: "bonus_action", action: "review", points: 20 });
    const ended = campaign({ kind: "multiplier", multiplier: 2, stackable: true, ends_at: iso(T0 + HOUR) });
    expect(campaignMultipliers([goal, bonus, ended], null, T0 + HOUR)).toEqual([]);
  });
});

describe("the campaign schema", () => {
  const base = { translations: { en: { name: "Double" } }, starts_at: "2026-12-01T00:00:00Z", kind: "multiplier", multiplier: 2, stackable: false };

  it.each([
    ["ends before it starts", { ends_at: "2026-11-30T00:00:00Z" }, "ends_at"],
    ["ends when it starts", { ends_at: "2026-12-01T00:00:00Z" }, "ends_at"],
    ["a multiplier below 1", { multiplier: 0.5 }, "multiplier"],
    ["a multiplier with 5 decimals", { multiplier: 1.00001 }, "multiplier"],
    ["a segment (RFM segments do not exist yet)", { eligible_segments: ["champions"] }, "eligible_segments"],
    ["an unknown kind", { kind: "lottery" }, "kind"],
    ["a date without an offset", { starts_at: "2026-12-01T00:00:00" }, "starts_at"],
    ["no English name", { translations: { fr: { name: "Double" } } }, "translations"],
    ["a field of another kind", { points: 5 }, ""],
    ["a discount over 100%", { discount: { percentage: "150" } }, "discount"],
    ["a discount as a number", { discount: { percentage: 10 } }, "discount"],
  ])("refuses %s", (_name, change, field) => {
    const result = CampaignInputSchema.safeParse({ ...base, ...change });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path.join(".")).toContain(field);
  });

  it("fills the defaults: open-ended, everyone, no discount", () => {
    expect(CampaignInputSchema.parse(base)).toMatchObject({ ends_at: null, eligible_tier_ids: null, eligible_segments: null, discount: null, free_shipping: false });
  });
});

describe("bonus actions", () => {
  it("each running eligible campaign for the action adds its points", () => {
    const review20 = campaign({ kind: "bonus_action", action: "review", points: 20 });
    const review5Gold = campaign({ kind: "bonus_action", action: "review", points: 5, eligible_tier_ids: ["tier_gold"] });
    const newsletter = campaign({ kind: "bonus_action", action: "newsletter", points: 30 });
    const all = [newsletter, review5Gold, review20];
    expect(campaignActionBonus(all, "review", "tier_gold", T0)).toEqual({
      points: 25,
      bonuses: [
        { campaign_id: review20.id, campaign_version: 1, points: 20 },
        { campaign_id: review5Gold.id, campaign_version: 1, points: 5 },
      ],
    });
    expect(campaignActionBonus(all, "review", null, T0).points).toBe(20);
    expect(campaignActionBonus(all, "review", null, T0 + 7 * DAY)).toEqual({ points: 0, bonuses: [] });
    expect(campaignActionBonus(all, "birthday", "tier_gold", T0).points).toBe(0);
  });
});

describe("goal spend", () => {
  const goal = campaign({ kind: "goal_spend", amount: "150.00", days: 3, points: 300 });
  const order = (paidAt: number, base: string, extra: Partial<PaidOrderSpend> = {}): PaidOrderSpend => ({
    paidAt,
    baseMills: Math.round(Number(base) * 1000),
    refundedMills: 0,
    cancelled: false,
    ...extra,
  });

  it("counts paid orders placed in the campaign and within `days` up to the order, less refunds", () => {
    const at = T0 + 4 * DAY;
    const orders = [
      order(T0 - HOUR, "500.00"), // before the campaign
      order(at - 3 * DAY, "500.00"), // exactly `days` before: outside (the window is at - 3 days < t <= at)
      order(at - 3 * DAY + 1, "60.00"),
      order(at - DAY, "100.00", { refundedMills: 20_000 }),
      order(at - DAY, "999.00", { cancelled: true }),
      order(at, "9.99"),
    ];
    // 60 + 80 + 9.99 = 149.99: one cent short.
    expect(goalSpendCampaignsReached([goal], orders, null, at)).toEqual([]);
    expect(goalSpendCampaignsReached([goal], [...orders, order(at - HOUR, "0.01")], null, at).map((c) => c.id)).toEqual([goal.id]);
  });

  it("awards each reached campaign once: a campaign already awarded gives nothing more", () => {
    const other = campaign({ kind: "goal_spend", amount: "10.00", days: 3, points: 40 });
    const orders = [order(T0 + HOUR, "200.00")];
    expect(spendGoalBonuses([goal, other], orders, null, T0 + HOUR, new Set())).toEqual([
      { campaign_id: goal.id, campaign_version: 1, points: 300 },
      { campaign_id: other.id, campaign_version: 1, points: 40 },
    ]);
    expect(spendGoalBonuses([goal, other], orders, null, T0 + HOUR, new Set([goal.id])).map((b) => b.campaign_id)).toEqual([other.id]);
  });

  it("completes a later order's window when an earlier-placed order arrives last", () => {
    const at = T0 + 2 * DAY;
    // $100 placed later is already recorded; $50 placed 2 days before it arrives now.
    const orders = [order(at + 2 * DAY, "100.00"), order(at, "50.00")];
    expect(goalSpendCampaignsReached([goal], orders, null, at).map((c) => c.id)).toEqual([goal.id]);
    // 3 days apart: no window of 3 days holds both.
    expect(goalSpendCampaignsReached([goal], [order(at + 3 * DAY, "100.00"), order(at, "50.00")], null, at)).toEqual([]);
  });

  it("only for an order placed while the campaign runs, by an eligible customer", () => {
    const after = T0 + 7 * DAY;
    expect(goalSpendCampaignsReached([goal], [order(after - HOUR, "200.00"), order(after, "1.00")], null, after)).toEqual([]);
    const goldGoal = campaign({ kind: "goal_spend", amount: "10.00", days: 3, points: 10, eligible_tier_ids: ["tier_gold"] });
    expect(goalSpendCampaignsReached([goldGoal], [order(T0, "20.00")], null, T0)).toEqual([]);
    expect(goalSpendCampaignsReached([goldGoal], [order(T0, "20.00")], "tier_gold", T0).map((c) => c.id)).toEqual([goldGoal.id]);
  });
});

describe("the discount Function's configuration", () => {
  it("carries the perks of the campaigns running now, for the tiers they name", () => {
    const perk = campaign({ kind: "multiplier", multiplier: 2, stackable: true, discount: { percentage: "15" }, eligible_tier_ids: ["tier_gold"] });
    const shipping = campaign({ kind: "goal_spend", amount: "50.00", days: 7, points: 5, free_shipping: true });
    const none = campaign({ kind: "bonus_action", action: "review", points: 5 });
    const over = campaign({ kind: "multiplier", multiplier: 2, stackable: true, discount: { percentage: "50" }, ends_at: iso(T0 + HOUR) });
    const config = buildDiscountFunctionConfig({ tiers: [], campaigns: campaignDiscountInputs([perk, shipping, none, over]), now: T0 + HOUR });
    expect(config.campaigns).toEqual([
      { id: perk.id, name: perk.translations.en.name, percentage: "15", free_shipping: false, eligible_tier_ids: ["tier_gold"], starts_at: perk.starts_at, ends_at: perk.ends_at },
      { id: shipping.id, name: shipping.translations.en.name, percentage: null, free_shipping: true, eligible_tier_ids: null, starts_at: shipping.starts_at, ends_at: shipping.ends_at },
    ]);
  });
});

describe("the widget's running campaigns", () => {
  it("localized (English fallback, field by field), only running ones, eligibility when a tier is known", () => {
    const double = campaign({ kind: "multiplier", multiplier: 2, stackable: false, translations: { en: { name: "Double", description: "2x" }, fr: { name: "Double points" } } });
    const gold = campaign({ kind: "bonus_action", action: "review", points: 5, eligible_tier_ids: ["tier_gold"], translations: { en: { name: "Gold reviews" } } });
    const later = campaign({ kind: "goal_spend", amount: "100.00", days: 3, points: 9, starts_at: iso(T0 + DAY) });
    expect(runningCampaignsFor([later, gold, double], "fr-CA", T0)).toEqual([
      { id: double.id, name: "Double points", description: "2x", kind: "multiplier", multiplier: 2, starts_at: double.starts_at, ends_at: double.ends_at, eligible_tier_ids: null },
      { id: gold.id, name: "Gold reviews", description: "", kind: "bonus_action", action: "review", points: 5, starts_at: gold.starts_at, ends_at: gold.ends_at, eligible_tier_ids: ["tier_gold"] },
    ]);
    expect(runningCampaignsFor([later, gold, double], "en", T0, null).map((c) => c.id)).toEqual([double.id]);
  });
});

describe("the dry run's rules (core/simulate.ts)", () => {
  const program = DEFAULT_PROGRAM;
  const tier = (id: string, threshold: number, earn_multiplier: number, enabled = true) =>
    ({ ...tierFromInput(id, VipTierInputSchema.parse({ translations: { en: { name: id } }, threshold, earn_multiplier }), 1, T0), enabled });
  const tiers = [tier("tier_bronze", 0, 1), tier("tier_silver", 1_000, 1.5)];

  it("builds the program as PUT /points-program would save it, as the next version", () => {
    const result = applyProgramChange(program, { config: { purchase: 3, earn_base: { include_tax: true }, enabled: false } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.program.version).toBe(program.version + 1);
    expect(result.program.earning).toEqual({ ...program.earning, purchase: { points_per_currency_unit: 3 } });
    expect(result.program.earn_base).toEqual({ include_shipping: false, include_tax: true });
    expect(result.program.enabled).toBe(false);
    expect(applyProgramChange(program, {})).toMatchObject({ ok: true, program: { ...program, version: program.version + 1 } });
  });

  it("refuses what saving would refuse, naming the field", () => {
    expect(applyProgramChange(program, { config: { purchase: -1 } })).toMatchObject({ ok: false, path: "earning.purchase.points_per_currency_unit" });
  });

  it("applies tier changes as the tier routes would: replaced in place, disabled, new ones after", () => {
    const next = applyTierChanges(tiers, { create: [VipTierInputSchema.parse({ translations: { en: { name: "Gold" } }, threshold: 5_000 })], update: [{ id: "tier_silver", tier: VipTierInputSchema.parse({ translations: { en: { name: "Silver" } }, threshold: 500, earn_multiplier: 2 }) }], disable: ["tier_bronze"] }, T0);
    expect(Array.isArray(next)).toBe(true);
    expect((next as VipTier[]).map((t) => [t.id, t.threshold, t.earn_multiplier, t.enabled, t.version])).toEqual([
      ["tier_bronze", 0, 1, false, 1],
      ["tier_silver", 500, 2, true, 2],
      ["tier_proposed_01", 5_000, 1, true, 1],
    ]);
    expect(applyTierChanges(tiers, { create: [], update: [], disable: ["tier_nope"] }, T0)).toMatchObject({ code: "tier_not_found" });
  });

  it("applies campaign changes as saving would: replaced in place, ended now, new ones after the rest", () => {
    const a = campaign({ kind: "multiplier", multiplier: 2, stackable: false });
    const b = campaign({ kind: "multiplier", multiplier: 3, stackable: true });
    const ended = { ...campaign({ kind: "multiplier", multiplier: 4, stackable: true }), ended_at: iso(T0) };
    const now = T0 + HOUR;
    const replacement = CampaignInputSchema.parse({ kind: "bonus_action", action: "review", points: 7, translations: { en: { name: "R" } }, starts_at: "2026-12-01T01:00:00+01:00" });
    const created = CampaignInputSchema.parse({ kind: "multiplier", multiplier: 1.5, stackable: true, translations: { en: { name: "N" } }, starts_at: iso(T0) });
    const next = applyCampaignChanges([a, b, ended], { create: [created], update: [{ id: a.id, campaign: replacement }], end: [b.id, ended.id] }, now);
    expect(Array.isArray(next)).toBe(true);
    const [a2, b2, ended2, n] = next as Campaign[];
    expect(a2).toMatchObject({ id: a.id, version: 2, kind: "bonus_action", starts_at: "2026-12-01T00:00:00.000Z", created_at: a.created_at });
    expect(b2).toMatchObject({ id: b.id, version: 2, ends_at: iso(now), ended_at: iso(now) });
    expect(ended2).toBe(ended);
    expect(n).toMatchObject({ id: "cmp_proposed_01", version: 1, created_at: iso(now) });
    expect(applyCampaignChanges([a], { create: [], update: [], end: [b.id] }, now)).toMatchObject({ code: "unknown_campaign_id" });
    expect(applyCampaignChanges([ended], { create: [], update: [{ id: ended.id, campaign: replacement }], end: [] }, now)).toMatchObject({ code: "campaign_ended" });
  });

  it("counts tier moves by the tier held and lifetime points, and points per 100 of sales rounded down to cents", () => {
    const now = { program, campaigns: [], tiers };
    const proposed = { program, campaigns: [], tiers: [tier("tier_bronze", 0, 1), tier("tier_silver", 500, 1.5)] };
    const groups = [
      { held: "tier_bronze", value: 0, customers: 4 },
      { held: "tier_bronze", value: 499, customers: 1 },
      { held: "tier_bronze", value: 500, customers: 2 },
      { held: "tier_bronze", value: 999, customers: 3 },
      { held: "tier_silver", value: 1_000, customers: 9 },
      // Held Silver under a policy that keeps it: raising a threshold strands no one.
      { held: "tier_silver", value: 400, customers: 6 },
      { held: null, value: 700, customers: 1 },
    ];
    expect(tierMoves(groups, now, proposed, T0)).toEqual([{ from: "tier_bronze", to: "tier_silver", count: 6 }]);
    const spendBasis = { ...program, tier_policy: { ...program.tier_policy, basis: "spend" as const } };
    expect(tierMoves(groups, { ...now, program: spendBasis }, proposed, T0)).toBeNull();
    // $3.33 at 10/$ → 33 points; three of them: 99 points on $9.99 → 990.99 per $100; at Silver's 1.5×, 49 each.
    expect(pointsPer100([{ baseMills: 3_330, held: "tier_bronze", value: 0, orders: 3 }], now, T0)).toEqual({ points: 99, sales_mills: 9_990, per_100: 990.99 });
    expect(pointsPer100([{ baseMills: 3_330, held: "tier_silver", value: 1_200, orders: 1 }], now, T0).points).toBe(49);
    expect(pointsPer100([], now, T0).per_100).toBeNull();
  });
});
