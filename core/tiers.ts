// VIP tiers: what a merchant defines (rows in D1, d1/vip-tiers.ts), what counts towards them,
// which tier a customer reaches, and — the downgrade policy — which tier they hold and until
// when. Pure: the customer's object feeds it its ledger and orders and stores what it answers.
//
// The rules (README "VIP tiers"):
// - Value: basis `points` = points earned (every positive ledger entry but a release) less
//   points taken back (reversals, negative adjustments), by the entry's time; basis `spend` =
//   each paid, uncancelled order's earn base less what was refunded of it, by when the order
//   was placed (`paid_at`). Never below zero.
// - Period: lifetime; calendar_year = the UTC calendar year of `now`; rolling_12_months = an
//   entry counts from its time until the same instant one calendar year later (UTC), exclusive.
// - Reached: the highest enabled tier (of the program's basis) whose threshold ≤ the value
//   (a value exactly at a threshold reaches it).
// - Held: a customer moves up to a reached tier at once (reason `qualified`). Below the tier
//   they hold they keep it, by the policy: never → always; grace → until `grace_days` after they
//   were first seen below it (`grace_ended`); period_end → until the end of the period in which
//   they fell below it: the next 1 January UTC for lifetime and calendar_year, the next
//   anniversary of reaching the tier for rolling_12_months (`period_ended`). Reaching the tier
//   again before then clears the clock. When it runs out they drop to the tier they reach.
// - Edits never strand anyone: a raised threshold is just "below the held tier" (the policy
//   above decides); a disabled or deleted held tier is replaced by the highest enabled tier
//   whose threshold ≤ the removed one's (`tier_removed`), kept under the same clock; with no
//   such tier, or a threshold in the other basis, by the tier they reach.
import { z } from "zod";
import type { TierDiscountInput } from "./discount-function-config";
import { formatMills, parseAmountToMills } from "./money";
import { MultiplierSchema, toBasisPoints } from "./multiplier";
import type { AppliedMultiplier, TierPolicy } from "./program";

export const TIER_LANGUAGES = ["en", "es", "fr", "de"] as const;
export type TierLanguage = (typeof TIER_LANGUAGES)[number];
export type TierBasis = TierPolicy["basis"];
/** A shop keeps at most this many tiers, disabled ones included. */
export const MAX_TIERS_PER_SHOP = 20;
const DAY_MS = 86_400_000;

const TierTextSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    perks: z.array(z.string().trim().min(1).max(200)).max(10).default([]),
  })
  .strict();
export type TierText = z.infer<typeof TierTextSchema>;

/** A spend threshold as merchants write it ("500.00", "0" for an entry tier). */
const SpendThreshold = z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'a spend threshold like "500.00"');
const Percentage = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage like "5"')
  .refine((v) => {
    const mills = parseAmountToMills(v) ?? 0;
    return mills > 0 && mills <= 100_000;
  }, "between 0 and 100");

/** What a merchant sends to create or replace a tier. */
export const VipTierInputSchema = z
  .object({
    translations: z
      .object({ en: TierTextSchema, es: TierTextSchema.optional(), fr: TierTextSchema.optional(), de: TierTextSchema.optional() })
      .strict(),
    /** points basis: whole points (1000); spend basis: an amount in the shop's currency ("500.00"). */
    threshold: z.union([z.number().int().min(0).max(1_000_000_000), SpendThreshold]),
    earn_multiplier: MultiplierSchema.default(1),
    /** A reward of the catalog whose code is issued free, once, when a customer enters the tier. */
    entry_reward_id: z.string().min(1).max(200).nullable().default(null),
    /** A discount the shop's discount Function gives this tier's members on every order. */
    discount: z.object({ percentage: Percentage }).strict().nullable().default(null),
    free_shipping: z.boolean().default(false),
    sort: z.number().int().min(0).max(10_000).default(0),
    enabled: z.boolean().default(true),
  })
  .strict();
export type VipTierInput = z.infer<typeof VipTierInputSchema>;

/** A stored tier: its threshold in the basis it was written in (points, or mills of spend). */
export interface VipTier {
  id: string;
  translations: VipTierInput["translations"];
  basis: TierBasis;
  /** Points, or mills (thousandths of the currency unit) of spend. */
  threshold: number;
  earn_multiplier: number;
  entry_reward_id: string | null;
  discount: { percentage: string } | null;
  free_shipping: boolean;
  sort: number;
  enabled: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

/** The threshold as merchants and shoppers read it: points as an integer, spend as "500.00". */
export function displayThreshold(basis: TierBasis, threshold: number): number | string {
  return basis === "points" ? threshold : formatMills(threshold);
}

/** The input's threshold in the stored unit, with the basis its type says it is in. */
export function storedThreshold(input: VipTierInput["threshold"]): { basis: TierBasis; threshold: number } {
  return typeof input === "number" ? { basis: "points", threshold: input } : { basis: "spend", threshold: parseAmountToMills(input)! };
}

/** A tier from a merchant's input (what D1 stores, d1/vip-tiers.ts, reads back the same). */
export function tierFromInput(id: string, input: VipTierInput, version = 1, at = 0): VipTier {
  const { basis, threshold } = storedThreshold(input.threshold);
  const time = new Date(at).toISOString();
  const { translations, earn_multiplier, entry_reward_id, discount, free_shipping, sort, enabled } = input;
  return { id, translations, basis, threshold, earn_multiplier, entry_reward_id, discount, free_shipping, sort, enabled, version, created_at: time, updated_at: time };
}

/**
 * The default tiers of a shop that has none: Bronze 0, Silver 1,000, Gold 5,000 points, all at
 * 1×: a new shop earns exactly 10 points per $1 (DESIGN.md's default program) until the merchant
 * gives its tiers multipliers or perks.
 */
export const DEFAULT_TIERS: readonly (VipTierInput & { id: string })[] = [
  { id: "tier_bronze", threshold: 0, earn_multiplier: 1, name: "Bronze", es: "Bronce", fr: "Bronze", de: "Bronze", perks: [] as string[] },
  { id: "tier_silver", threshold: 1_000, earn_multiplier: 1, name: "Silver", es: "Plata", fr: "Argent", de: "Silber", perks: [] as string[] },
  { id: "tier_gold", threshold: 5_000, earn_multiplier: 1, name: "Gold", es: "Oro", fr: "Or", de: "Gold", perks: [] as string[] },
].map(({ id, threshold, earn_multiplier, name, es, fr, de, perks }, i) => ({
  id,
  translations: { en: { name, perks }, es: { name: es, perks: [] }, fr: { name: fr, perks: [] }, de: { name: de, perks: [] } },
  threshold,
  earn_multiplier,
  entry_reward_id: null,
  discount: null,
  free_shipping: false,
  sort: i,
  enabled: true,
}));

export function tierText(tier: Pick<VipTier, "translations">, language: string): TierText {
  return tier.translations[language as TierLanguage] ?? tier.translations.en;
}

/** The tier as a multiplier of an award (contract 1: source "tier", id = the tier's id). */
export function tierMultiplier(tier: VipTier | null): AppliedMultiplier[] {
  if (!tier) return [];
  return [{ source: "tier", id: tier.id, name: tier.translations.en.name, multiplier: tier.earn_multiplier, bp: toBasisPoints(tier.earn_multiplier) }];
}

/** Tiers a customer can reach now: enabled, in the program's basis, lowest threshold first. */
export function ladder(tiers: readonly VipTier[], basis: TierBasis): VipTier[] {
  return tiers.filter((t) => t.enabled && t.basis === basis).sort((a, b) => a.threshold - b.threshold);
}

// --- The value and its period ------------------------------------------------------------------

/** A ledger entry, for the points basis. */
export interface LedgerFact {
  kind: string;
  points: number;
  at: number;
}
/** An order, for the spend basis. */
export interface OrderFact {
  paid: boolean;
  cancelled: boolean;
  base_mills: number;
  refunded_mills: number;
  at: number;
}

/** Same instant, `years` calendar years later (UTC). */
export function addUtcYears(at: number, years: number): number {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.getTime();
}

function nextNewYear(at: number): number {
  return Date.UTC(new Date(at).getUTCFullYear() + 1, 0, 1);
}

export function counts(period: TierPolicy["period"], at: number, now: number): boolean {
  if (period === "lifetime") return true;
  if (period === "calendar_year") return new Date(at).getUTCFullYear() === new Date(now).getUTCFullYear();
  return now < addUtcYears(at, 1) && at <= now;
}

/** When the value's window starts, for showing progress (null: lifetime). */
export function periodStart(period: TierPolicy["period"], now: number): number | null {
  if (period === "lifetime") return null;
  if (period === "calendar_year") return Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
  return addUtcYears(now, -1);
}

/** What one ledger entry adds to the points basis. */
export function pointsContribution(kind: string, points: number): number {
  if (points > 0) return kind === "release" ? 0 : points;
  return kind === "reversal" || kind === "adjustment" ? points : 0;
}

function orderContribution(order: OrderFact): number {
  return order.paid && !order.cancelled ? Math.max(0, order.base_mills - order.refunded_mills) : 0;
}

export interface Facts {
  ledger: readonly LedgerFact[];
  orders: readonly OrderFact[];
}

/** The customer's qualifying value now: points, or mills of spend. */
export function qualifyingValue(policy: TierPolicy, facts: Facts, now: number): number {
  let value = 0;
  if (policy.basis === "points") {
    for (const e of facts.ledger) if (counts(policy.period, e.at, now)) value += pointsContribution(e.kind, e.points);
  } else {
    for (const o of facts.orders) if (counts(policy.period, o.at, now)) value += orderContribution(o);
  }
  return Math.max(0, value);
}

/** When the value next changes by time alone (a new year, an entry leaving the window). */
export function nextValueChangeAt(policy: TierPolicy, facts: Facts, now: number): number | null {
  if (policy.period === "lifetime") return null;
  if (policy.period === "calendar_year") return nextNewYear(now);
  let next: number | null = null;
  const times = policy.basis === "points"
    ? facts.ledger.filter((e) => pointsContribution(e.kind, e.points) !== 0).map((e) => e.at)
    : facts.orders.filter((o) => orderContribution(o) > 0).map((o) => o.at);
  for (const at of times) {
    const leaves = addUtcYears(at, 1);
    if (at <= now && leaves > now && (next === null || leaves < next)) next = leaves;
  }
  return next;
}

/** The highest tier `value` reaches. */
export function reachedTier(tiers: readonly VipTier[], basis: TierBasis, value: number): VipTier | null {
  let reached: VipTier | null = null;
  for (const tier of ladder(tiers, basis)) if (tier.threshold <= value) reached = tier;
  return reached;
}

// --- Holding a tier ----------------------------------------------------------------------------

/** What the customer's object stores of the tier they hold. */
export interface TierState {
  tier_id: string | null;
  /** When they entered the tier they hold. */
  since: number | null;
  /** When they were first seen below the tier they hold; null while they reach it. */
  below_since: number | null;
}
export const NO_TIER: TierState = { tier_id: null, since: null, below_since: null };

export type TierChangeReason = "qualified" | "grace_ended" | "period_ended" | "tier_removed";

export interface TierChange {
  from: string | null;
  to: string | null;
  reason: TierChangeReason;
  at: number;
}

export interface TierEvaluation {
  state: TierState;
  held: VipTier | null;
  reached: VipTier | null;
  value: number;
  /** Changes made by this evaluation, in order (a removal may be followed by a qualification). */
  changes: TierChange[];
  /** While below the held tier: when the policy drops them; else null. */
  keeps_until: number | null;
  /** When the evaluation must run again without any new effect (the object's alarm). */
  wake_at: number | null;
}

/** When a customer below their tier since `belowSince` loses it (null: never). */
export function keepsUntil(policy: TierPolicy, state: TierState): number | null {
  if (state.below_since === null || policy.downgrade === "never") return null;
  if (policy.downgrade === "grace") return state.below_since + policy.grace_days * DAY_MS;
  if (policy.period !== "rolling_12_months" || state.since === null) return nextNewYear(state.below_since);
  let end = addUtcYears(state.since, 1);
  for (let years = 2; end <= state.below_since; years++) end = addUtcYears(state.since, years);
  return end;
}

/**
 * The tier a customer holds at `now`, given what they held (`stored`), the shop's tiers (all of
 * them, disabled included: a removed tier's threshold decides its replacement) and their value.
 */
export function evaluateTier(tiers: readonly VipTier[], policy: TierPolicy, stored: TierState, value: number, now: number): TierEvaluation {
  const enabled = ladder(tiers, policy.basis);
  const reached = reachedTier(tiers, policy.basis, value);
  const changes: TierChange[] = [];
  let state: TierState = { ...stored };
  let held = enabled.find((t) => t.id === state.tier_id) ?? null;

  if (state.tier_id !== null && held === null) {
    const removed = tiers.find((t) => t.id === state.tier_id);
    const replacement = removed && removed.basis === policy.basis ? [...enabled].reverse().find((t) => t.threshold <= removed.threshold) ?? null : null;
    const to = replacement ?? reached;
    changes.push({ from: state.tier_id, to: to?.id ?? null, reason: "tier_removed", at: now });
    // A replacement is held under the same clock; the reached tier is simply reached.
    state = replacement ? { tier_id: replacement.id, since: state.since, below_since: state.below_since } : { tier_id: to?.id ?? null, since: now, below_since: null };
    held = to;
  }

  if (reached && (!held || reached.threshold > held.threshold)) {
    changes.push({ from: held?.id ?? null, to: reached.id, reason: "qualified", at: now });
    state = { tier_id: reached.id, since: now, below_since: null };
    held = reached;
  } else if (held && value >= held.threshold) {
    state = { ...state, below_since: null };
  } else if (held) {
    state = { ...state, below_since: state.below_since ?? now };
    const until = keepsUntil(policy, state);
    if (until !== null && until <= now) {
      changes.push({ from: held.id, to: reached?.id ?? null, reason: policy.downgrade === "grace" ? "grace_ended" : "period_ended", at: now });
      state = { tier_id: reached?.id ?? null, since: now, below_since: null };
      held = reached;
    }
  }

  const keeps_until = keepsUntil(policy, state);
  return { state, held, reached, value, changes, keeps_until, wake_at: null };
}

/** evaluateTier on the customer's facts, with the time it must run again. */
export function evaluateCustomerTier(tiers: readonly VipTier[], policy: TierPolicy, stored: TierState, facts: Facts, now: number): TierEvaluation {
  const evaluation = evaluateTier(tiers, policy, stored, qualifyingValue(policy, facts, now), now);
  const candidates: number[] = [];
  if (evaluation.keeps_until !== null) candidates.push(evaluation.keeps_until);
  // Time alone can only lower the value: it matters when it may take them below their tier.
  const held = evaluation.held;
  if (held && held.threshold > 0 && policy.downgrade !== "never") {
    const change = nextValueChangeAt(policy, facts, now);
    if (change !== null) candidates.push(change);
  }
  return { ...evaluation, wake_at: candidates.length ? Math.min(...candidates) : null };
}

/** The next tier up from the one held (or from nothing), and what is left to reach it. */
export function nextTier(tiers: readonly VipTier[], basis: TierBasis, held: VipTier | null, value: number): { tier: VipTier; remaining: number } | null {
  const next = ladder(tiers, basis).find((t) => (held ? t.threshold > held.threshold : t.threshold > value));
  return next ? { tier: next, remaining: Math.max(0, next.threshold - value) } : null;
}

/**
 * What the discount Function's configuration needs of the tiers (core/discount-function-config.ts
 * keeps those giving a perk): the enabled ones, by their English name. A disabled tier gives no
 * perk, even to a customer whose metafield still names it until their object moves them.
 */
export function tierDiscountInputs(tiers: readonly VipTier[]): TierDiscountInput[] {
  return tiers.filter((t) => t.enabled).map((t) => ({ id: t.id, name: t.translations.en.name, discount: t.discount, free_shipping: t.free_shipping }));
}
