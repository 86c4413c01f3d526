// The dry run of a program change (POST /v1/api/points-program/simulate), pure: the proposed
// rules are built from the current ones and the change exactly as saving would build them, and
// every figure is computed with the functions the customer's object earns with (earnOrder,
// the tier rule), so the answer is what the saved change then does.
import { z } from "zod";
import { CampaignInputSchema, earnOrder, endedAt, spendGoalBonuses, type Campaign, type CampaignBonus, type CampaignInput } from "./campaigns";
import type { PaidOrderSpend } from "./goal-spend";
import { MILLS_PER_UNIT } from "./money";
import {
  earnBaseMills,
  ProgramSettingsSchema,
  type EarnSnapshot,
  type OrderAmounts,
  type ProgramSettings,
} from "./program";
import { applyProgramPatch, type ProgramPatch } from "./program-api";
import { evaluateTier, tierFromInput, tierMultiplier, VipTierInputSchema, type VipTier } from "./tiers";

/** The shop-wide figures read the projection's earn entries of the last 90 days. */
export const SIMULATE_WINDOW_DAYS = 90;

export interface EarnRules {
  program: ProgramSettings;
  campaigns: readonly Campaign[];
  /** The shop's tiers, disabled included (a removed tier's threshold decides its replacement). */
  tiers: readonly VipTier[];
}

/** A customer as the projection knows them: the tier their object last recorded, and their value. */
export interface HeldValue {
  held: string | null;
  /** Lifetime points (earned less reversed). */
  value: number;
}

/**
 * Whether customers' tiers can be judged from the projection under `program`: only a points
 * basis over the customer's lifetime, the value the projection holds. Spend and period values
 * live in the objects alone.
 */
export function tiersJudgeable(program: ProgramSettings): boolean {
  return program.tier_policy.basis === "points" && program.tier_policy.period === "lifetime";
}

/**
 * The tier a customer would hold under `rules` at `at` (core/tiers.ts evaluateTier, as their
 * object evaluates it): from the tier held and the value. A grace or period clock already
 * running is not known here and counts as not started. When the value cannot be judged
 * (tiersJudgeable), the tier held is kept while it is enabled.
 */
export function tierHeldUnder(rules: EarnRules, customer: HeldValue, at: number): VipTier | null {
  if (!tiersJudgeable(rules.program)) return rules.tiers.find((t) => t.enabled && t.id === customer.held) ?? null;
  const stored = { tier_id: customer.held, since: null, below_since: null };
  return evaluateTier(rules.tiers, rules.program.tier_policy, stored, customer.value, at).held;
}

/** The tier ids a campaign may name: the enabled tiers. */
export function tierIdsOf(tiers: readonly VipTier[]): Set<string> {
  return new Set(tiers.filter((t) => t.enabled).map((t) => t.id));
}

export type ProgramChangeResult = { ok: true; program: ProgramSettings } | { ok: false; path: string; message: string };

/** The program as `PUT /v1/api/points-program` with `patch` would save it (validated as the next version). */
export function applyProgramChange(current: ProgramSettings, patch: ProgramPatch): ProgramChangeResult {
  const patched = applyProgramPatch(current, patch);
  const parsed = ProgramSettingsSchema.safeParse({ ...patched, version: current.version + 1 });
  if (parsed.success) return { ok: true, program: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, path: issue?.path.join(".") ?? "", message: issue?.message ?? "invalid" };
}

const TierIdSchema = z.string().min(1).max(200);

/** Proposed tier changes, against the shop's current tiers (as the /vip-tiers routes make them). */
export const TierChangesSchema = z
  .object({
    create: z.array(VipTierInputSchema).max(20).default([]),
    update: z.array(z.object({ id: TierIdSchema, tier: VipTierInputSchema }).strict()).max(20).default([]),
    disable: z.array(TierIdSchema).max(20).default([]),
  })
  .strict();
export type TierChanges = z.infer<typeof TierChangesSchema>;

/** The tiers as they would be after the changes were saved; new ones get `tier_proposed_NN` ids. */
export function applyTierChanges(current: readonly VipTier[], changes: TierChanges, now: number): VipTier[] | { code: "tier_not_found"; message: string } {
  const byId = new Map(current.map((t) => [t.id, t]));
  for (const { id, tier } of changes.update) {
    const existing = byId.get(id);
    if (!existing) return { code: "tier_not_found", message: `tiers.update: no tier ${id} in this shop` };
    byId.set(id, tierFromInput(id, tier, existing.version + 1, now));
  }
  for (const id of changes.disable) {
    const existing = byId.get(id);
    if (!existing) return { code: "tier_not_found", message: `tiers.disable: no tier ${id} in this shop` };
    byId.set(id, { ...existing, enabled: false });
  }
  const created = changes.create.map((tier, i) => tierFromInput(`tier_proposed_${String(i + 1).padStart(2, "0")}`, tier, 1, now));
  return [...byId.values(), ...created];
}

const CampaignIdSchema = z.string().regex(/^cmp_[0-9a-f]{32}$/, "a campaign id (cmp_…)");

/** Proposed campaign changes, against the shop's current campaigns. */
export const CampaignChangesSchema = z
  .object({
    create: z.array(CampaignInputSchema).max(20).default([]),
    update: z.array(z.object({ id: CampaignIdSchema, campaign: CampaignInputSchema }).strict()).max(20).default([]),
    end: z.array(CampaignIdSchema).max(100).default([]),
  })
  .strict();
export type CampaignChanges = z.infer<typeof CampaignChangesSchema>;

export type CampaignChangeProblem = { code: "unknown_campaign_id" | "campaign_ended"; message: string };

/**
 * The campaigns as they would be after the changes were saved at `now`: replaced ones keep
 * their id and creation time, ended ones end at `now` (as POST …/end would), new ones come after
 * every existing one (created at `now`, in the order given).
 */
export function applyCampaignChanges(current: readonly Campaign[], changes: CampaignChanges, now: number): Campaign[] | CampaignChangeProblem {
  const byId = new Map(current.map((c) => [c.id, c]));
  const at = new Date(now).toISOString();
  for (const { id, campaign } of changes.update) {
    const existing = byId.get(id);
    if (!existing) return { code: "unknown_campaign_id", message: `campaigns.update: no campaign ${id} in this shop` };
    if (existing.ended_at !== null) return { code: "campaign_ended", message: `campaigns.update: campaign ${id} was ended; it cannot be edited` };
    byId.set(id, { ...normalizedInput(campaign), id, version: existing.version + 1, ended_at: null, created_at: existing.created_at, updated_at: at });
  }
  for (const id of changes.end) {
    const existing = byId.get(id);
    if (!existing) return { code: "unknown_campaign_id", message: `campaigns.end: no campaign ${id} in this shop` };
    const ended = endedAt(existing, now);
    if (ended) byId.set(id, { ...ended, version: existing.version + 1, updated_at: at });
  }
  const created = changes.create.map((campaign, i) => ({
    ...normalizedInput(campaign),
    id: `cmp_proposed_${String(i + 1).padStart(2, "0")}`,
    version: 1,
    ended_at: null,
    created_at: at,
    updated_at: at,
  }));
  return [...byId.values(), ...created];
}

function normalizedInput(input: CampaignInput): CampaignInput {
  return { ...input, starts_at: new Date(input.starts_at).toISOString(), ends_at: input.ends_at === null ? null : new Date(input.ends_at).toISOString() };
}

/** The customer's goal-spend state for an order placed at `at` (the object's goalSpendState). */
export interface GoalSpendState {
  orders: PaidOrderSpend[];
  awarded: string[];
}

/**
 * What one order earns under `rules`, for a customer holding `customer` and goal-spend
 * `state` (null: no orders, no bonus yet), placed at `at`: the order's points, and the
 * goal-spend bonuses it would award (as the object's orders/paid does: points + bonuses).
 */
export function sampleEarn(
  rules: EarnRules,
  amounts: OrderAmounts,
  customer: HeldValue,
  at: number,
  state: GoalSpendState | null,
): { points: number; bonuses: CampaignBonus[]; base_mills: number; snapshot: EarnSnapshot } {
  const baseMills = earnBaseMills(rules.program.earn_base, amounts);
  const { points, snapshot, tierId } = earnOrder(rules.program, baseMills, tierMultiplier(tierHeldUnder(rules, customer, at)), rules.campaigns, at);
  // Goal spend counts the subtotal, as the object records it (orders.base_mills), whatever the earn base.
  const orders = [...(state?.orders ?? []), { paidAt: at, baseMills: amounts.baseMills, refundedMills: 0, cancelled: false }];
  const bonuses = spendGoalBonuses(rules.campaigns, orders, tierId, at, new Set(state?.awarded ?? []));
  return { points, bonuses, base_mills: baseMills, snapshot };
}

export interface TierMove {
  from: string | null;
  to: string | null;
  count: number;
}

/**
 * How many customers (grouped by tier held and lifetime points) would hold another tier after
 * the change, from → to; null when tiers cannot be judged from the projection (tiersJudgeable).
 */
export function tierMoves(groups: readonly (HeldValue & { customers: number })[], now: EarnRules, proposed: EarnRules, at: number): TierMove[] | null {
  if (!tiersJudgeable(now.program) || !tiersJudgeable(proposed.program)) return null;
  const moves = new Map<string, TierMove>();
  for (const group of groups) {
    const from = tierHeldUnder(now, group, at)?.id ?? null;
    const to = tierHeldUnder(proposed, group, at)?.id ?? null;
    if (from === to) continue;
    const key = JSON.stringify([from, to]);
    const move = moves.get(key) ?? { from, to, count: 0 };
    move.count += group.customers;
    moves.set(key, move);
  }
  return [...moves.values()].sort((a, b) => b.count - a.count || String(a.from).localeCompare(String(b.from)) || String(a.to).localeCompare(String(b.to)));
}

/** Recent paid orders as the projection groups them: the earn base, the customer's tier and lifetime points now, how many. */
export interface RecentOrders extends HeldValue {
  baseMills: number;
  orders: number;
}

/**
 * Points issued per 100 units of sales if the recent orders were placed at `at` by their
 * customers as they stand now, under `rules`: Σ points × 100 / Σ earn base, two decimals
 * rounded down (null without sales).
 */
export function pointsPer100(recent: readonly RecentOrders[], rules: EarnRules, at: number): { points: number; sales_mills: number; per_100: number | null } {
  let points = 0n;
  let sales = 0n;
  for (const group of recent) {
    const earned = earnOrder(rules.program, group.baseMills, tierMultiplier(tierHeldUnder(rules, group, at)), rules.campaigns, at).points;
    points += BigInt(earned) * BigInt(group.orders);
    sales += BigInt(group.baseMills) * BigInt(group.orders);
  }
  const per100 = sales === 0n ? null : Number((points * 100n * BigInt(MILLS_PER_UNIT) * 100n) / sales) / 100;
  return { points: Number(points), sales_mills: Number(sales), per_100: per100 };
}
