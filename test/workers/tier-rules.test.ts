// The VIP tier rules of core/tiers.ts alone: boundaries, periods and their rollovers, refunds
// under each downgrade policy, edits that must not strand anyone, and exact multipliers.
import { describe, expect, it } from "vitest";
import { computeOrderEarn, DEFAULT_PROGRAM, type TierPolicy } from "../../core/program";
import {
  DEFAULT_TIERS,
  NO_TIER,
  VipTierInputSchema,
  evaluateCustomerTier,
  evaluateTier,
  nextTier,
  qualifyingValue,
  reachedTier,
  tierFromInput,
  tierMultiplier,
  type OrderFact,
  type TierState,
  type VipTier,
} from "../../core/tiers";

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
const defaults: VipTier[] = DEFAULT_TIERS.map((t) => tierFromInput(t.id, t));
const spendTiers: VipTier[] = [
  tierFromInput("tier_member", VipTierInputSchema.parse({ translations: { en: { name: "Member" } }, threshold: "0" })),
  tierFromInput("tier_vip", VipTierInputSchema.parse({ translations: { en: { name: "VIP" } }, threshold: "500.00", earn_multiplier: 2 })),
];
const policy = (p: Partial<TierPolicy> = {}): TierPolicy => ({ basis: "points", period: "lifetime", downgrade: "never", grace_days: 30, ...p });
const order = (iso: string, base: string, refunded = "0", cancelled = false): OrderFact => ({
  paid: true,
  cancelled,
  base_mills: Math.round(Number(base) * 1000),
  refunded_mills: Math.round(Number(refunded) * 1000),
  at: at(iso),
});
const held = (tier_id: string, since: number, below_since: number | null = null): TierState => ({ tier_id, since, below_since });

describe("reaching a tier", () => {
  it("is exact at the boundaries: 999 points is Bronze, 1,000 is Silver, 4,999 Silver, 5,000 Gold", () => {
    expect(reachedTier(defaults, "points", 999)?.id).toBe("tier_bronze");
    expect(reachedTier(defaults, "points", 1_000)?.id).toBe("tier_silver");
    expect(reachedTier(defaults, "points", 4_999)?.id).toBe("tier_silver");
    expect(reachedTier(defaults, "points", 5_000)?.id).toBe("tier_gold");
    expect(nextTier(defaults, "points", reachedTier(defaults, "points", 999), 999)).toMatchObject({ tier: { id: "tier_silver" }, remaining: 1 });
    expect(nextTier(defaults, "points", reachedTier(defaults, "points", 5_000), 5_000)).toBeNull();
  });

  it("counts spend exactly at the threshold, less refunds, cancelled orders not at all", () => {
    const p = policy({ basis: "spend" });
    const now = at("2026-06-01T00:00:00Z");
    expect(qualifyingValue(p, { ledger: [], orders: [order("2026-05-01T00:00:00Z", "500.00")] }, now)).toBe(500_000);
    expect(reachedTier(spendTiers, "spend", 500_000)?.id).toBe("tier_vip");
    expect(reachedTier(spendTiers, "spend", 499_990)?.id).toBe("tier_member");
    const refunded = { ledger: [], orders: [order("2026-05-01T00:00:00Z", "500.00", "0.01"), order("2026-05-02T00:00:00Z", "900.00", "0", true)] };
    expect(qualifyingValue(p, refunded, now)).toBe(499_990);
  });

  it("counts points earned less reversals (never spending, never a release)", () => {
    const now = at("2026-06-01T00:00:00Z");
    const ledger = [
      { kind: "earn", points: 800, at: now - 5 * DAY },
      { kind: "signup", points: 200, at: now - 4 * DAY },
      { kind: "redemption", points: -500, at: now - 3 * DAY },
      { kind: "release", points: 500, at: now - 2 * DAY },
      { kind: "reversal", points: -1, at: now - DAY },
      { kind: "expiry", points: -100, at: now - DAY },
    ];
    expect(qualifyingValue(policy(), { ledger, orders: [] }, now)).toBe(999);
  });

  it("a 2.3× tier turns 100 points into 230", () => {
    const platinum = tierFromInput("tier_p", VipTierInputSchema.parse({ translations: { en: { name: "Platinum" } }, threshold: 0, earn_multiplier: 2.3 }));
    expect(computeOrderEarn(DEFAULT_PROGRAM, 10_000, tierMultiplier(platinum)).points).toBe(230);
  });
});

describe("periods", () => {
  const p = policy({ basis: "spend", period: "calendar_year", downgrade: "never" });
  it("calendar_year: 31 December counts for its year, 1 January 00:00 UTC starts the next", () => {
    const orders = [order("2026-12-31T23:59:59.999Z", "500.00")];
    expect(qualifyingValue(p, { ledger: [], orders }, at("2026-12-31T23:59:59.999Z"))).toBe(500_000);
    expect(qualifyingValue(p, { ledger: [], orders }, at("2027-01-01T00:00:00Z"))).toBe(0);
    // The object wakes at the new year to look again.
    const evaluation = evaluateCustomerTier(spendTiers, { ...p, downgrade: "period_end" }, NO_TIER, { ledger: [], orders }, at("2026-12-31T23:59:59.999Z"));
    expect(evaluation.held?.id).toBe("tier_vip");
    expect(evaluation.wake_at).toBe(at("2027-01-01T00:00:00Z"));
  });

  it("rolling_12_months: an order counts until the same instant a year later, exclusive", () => {
    const r = policy({ basis: "spend", period: "rolling_12_months", downgrade: "grace" });
    const orders = [order("2026-03-10T12:00:00Z", "400.00"), order("2026-08-01T00:00:00Z", "100.00")];
    expect(qualifyingValue(r, { ledger: [], orders }, at("2027-03-10T11:59:59.999Z"))).toBe(500_000);
    expect(qualifyingValue(r, { ledger: [], orders }, at("2027-03-10T12:00:00Z"))).toBe(100_000);
    const evaluation = evaluateCustomerTier(spendTiers, r, NO_TIER, { ledger: [], orders }, at("2026-09-01T00:00:00Z"));
    expect(evaluation).toMatchObject({ held: { id: "tier_vip" }, wake_at: at("2027-03-10T12:00:00Z") });
  });
});

describe("holding a tier after falling below it", () => {
  const reached = at("2026-03-01T00:00:00Z");
  const refundedAt = at("2026-05-01T00:00:00Z");
  const below = { ledger: [], orders: [order("2026-03-01T00:00:00Z", "500.00", "100.00")] };

  it("never: kept for good", () => {
    const e = evaluateCustomerTier(spendTiers, policy({ basis: "spend" }), held("tier_vip", reached), below, at("2030-01-01T00:00:00Z"));
    expect(e).toMatchObject({ held: { id: "tier_vip" }, changes: [], keeps_until: null, wake_at: null });
  });

  it("grace: kept grace_days from when they fell below, then the tier they reach (grace_ended)", () => {
    const g = policy({ basis: "spend", downgrade: "grace", grace_days: 30 });
    const first = evaluateCustomerTier(spendTiers, g, held("tier_vip", reached), below, refundedAt);
    expect(first).toMatchObject({ held: { id: "tier_vip" }, state: { below_since: refundedAt }, keeps_until: refundedAt + 30 * DAY, wake_at: refundedAt + 30 * DAY });
    const lastMoment = evaluateTier(spendTiers, g, first.state, 400_000, refundedAt + 30 * DAY - 1);
    expect(lastMoment.held?.id).toBe("tier_vip");
    const after = evaluateTier(spendTiers, g, first.state, 400_000, refundedAt + 30 * DAY);
    expect(after.held?.id).toBe("tier_member");
    expect(after.changes).toEqual([{ from: "tier_vip", to: "tier_member", reason: "grace_ended", at: refundedAt + 30 * DAY }]);
    // Reaching the threshold again in time clears the clock.
    const back = evaluateTier(spendTiers, g, first.state, 500_000, refundedAt + DAY);
    expect(back).toMatchObject({ held: { id: "tier_vip" }, state: { below_since: null }, keeps_until: null, changes: [] });
  });

  it("period_end: kept until the next 1 January UTC (calendar_year and lifetime)", () => {
    const pe = policy({ basis: "spend", period: "calendar_year", downgrade: "period_end" });
    const e = evaluateCustomerTier(spendTiers, pe, held("tier_vip", reached), below, refundedAt);
    expect(e.keeps_until).toBe(at("2027-01-01T00:00:00Z"));
    expect(evaluateTier(spendTiers, pe, e.state, 0, at("2026-12-31T23:59:59.999Z")).held?.id).toBe("tier_vip");
    const dropped = evaluateTier(spendTiers, pe, e.state, 0, at("2027-01-01T00:00:00Z"));
    expect(dropped.changes).toEqual([{ from: "tier_vip", to: "tier_member", reason: "period_ended", at: at("2027-01-01T00:00:00Z") }]);
    // Reached in 2026 and still qualifying at year end: the new year starts the clock, kept through 2027.
    const yearEnd = evaluateTier(spendTiers, pe, held("tier_vip", reached), 0, at("2027-01-01T00:00:00Z"));
    expect(yearEnd).toMatchObject({ held: { id: "tier_vip" }, keeps_until: at("2028-01-01T00:00:00Z") });
  });

  it("period_end with rolling_12_months: kept until the next anniversary of reaching the tier", () => {
    const pe = policy({ basis: "spend", period: "rolling_12_months", downgrade: "period_end" });
    expect(evaluateTier(spendTiers, pe, held("tier_vip", reached), 0, refundedAt).keeps_until).toBe(at("2027-03-01T00:00:00Z"));
    expect(evaluateTier(spendTiers, pe, held("tier_vip", reached), 0, at("2027-04-01T00:00:00Z")).keeps_until).toBe(at("2028-03-01T00:00:00Z"));
  });
});

describe("edits never strand anyone", () => {
  const now = at("2026-06-01T00:00:00Z");
  const g = policy({ downgrade: "grace", grace_days: 10 });

  it("a raised threshold is 'below the tier held': the policy decides", () => {
    const raised = defaults.map((t) => (t.id === "tier_silver" ? { ...t, threshold: 2_000 } : t));
    expect(evaluateTier(raised, policy(), held("tier_silver", now - DAY), 1_500, now)).toMatchObject({ held: { id: "tier_silver" }, changes: [] });
    expect(evaluateTier(raised, g, held("tier_silver", now - DAY), 1_500, now)).toMatchObject({ held: { id: "tier_silver" }, keeps_until: now + 10 * DAY });
  });

  it("a disabled tier is replaced by the highest enabled tier at or below it, under the same clock", () => {
    const gold = { ...defaults[2]!, threshold: 5_000 };
    const withPlatinum = [...defaults, tierFromInput("tier_plat", VipTierInputSchema.parse({ translations: { en: { name: "Platinum" } }, threshold: 9_000 }))];
    const disabled = withPlatinum.map((t) => (t.id === "tier_plat" ? { ...t, enabled: false } : t));
    const e = evaluateTier(disabled, g, held("tier_plat", now - 5 * DAY, now - 2 * DAY), 100, now);
    expect(e.held?.id).toBe(gold.id);
    expect(e.changes).toEqual([{ from: "tier_plat", to: "tier_gold", reason: "tier_removed", at: now }]);
    expect(e.state).toEqual({ tier_id: "tier_gold", since: now - 5 * DAY, below_since: now - 2 * DAY });
    // A removed tier the customer is above anyway: they move to what they reach.
    const up = evaluateTier(disabled.map((t) => (t.id === "tier_bronze" ? { ...t, enabled: false } : t)), policy(), held("tier_bronze", now - DAY), 1_200, now);
    expect(up.changes.map((c) => [c.reason, c.to])).toEqual([["tier_removed", "tier_silver"]]);
  });

  it("moves up at once, however far", () => {
    const e = evaluateTier(defaults, policy(), NO_TIER, 5_000, now);
    expect(e.changes).toEqual([{ from: null, to: "tier_gold", reason: "qualified", at: now }]);
  });
});
