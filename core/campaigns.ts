// Bonus campaigns: limited-time multipliers (double points), goal-spend bonuses and bonus
// actions, for everyone or for some VIP tiers. Pure: the customer's object, the simulate dry run
// and the widget all decide "which campaigns apply" here, and nowhere else.
//
// Rules (stated in the README):
// - A campaign runs at t when starts_at <= t < ends_at (ends_at null: open-ended). Ending it
//   early sets ends_at to the moment it was ended.
// - An order's campaign time is when it was placed (orders/paid `processed_at`, else
//   `created_at`, else when it reached us): the same `placedAt` the object records as paid_at.
// - Eligibility: eligible_tier_ids null means everyone; otherwise the customer's tier when the
//   order is earned (before the order's own points) must be one of them. A customer with no
//   tier is eligible only for campaigns open to everyone.
// - Stacking (multipliers): every running eligible `stackable` campaign applies; of the
//   non-stackable ones only the largest applies (ties: the earliest created). All of them
//   multiply with the tier multiplier, in this order: tier, then campaigns by creation time
//   (then id); the product is taken in basis points (core/multiplier.ts) and applied once.
// - Bonus actions: every running eligible bonus_action campaign for the action adds its points.
// - Goal spend: see goalSpendReached.
import { z } from "zod";
import { DiscountPerkSchema, type CampaignDiscountInput } from "./discount-function-config";
import { goalReachedAt, type PaidOrderSpend } from "./goal-spend";
import { MultiplierSchema, toBasisPoints } from "./multiplier";
import { AmountSchema, computeOrderEarn, type AppliedMultiplier, type ProgramSettings } from "./program";

export const CAMPAIGN_KINDS = ["multiplier", "goal_spend", "bonus_action"] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];
export const CAMPAIGN_ACTIONS = ["signup", "newsletter", "review", "birthday", "social_follow"] as const;
export type CampaignAction = (typeof CAMPAIGN_ACTIONS)[number];

export function isCampaignAction(action: string): action is CampaignAction {
  return (CAMPAIGN_ACTIONS as readonly string[]).includes(action);
}
export const CAMPAIGN_LANGUAGES = ["en", "es", "fr", "de"] as const;
export type CampaignLanguage = (typeof CAMPAIGN_LANGUAGES)[number];

const CampaignTextSchema = z
  .object({ name: z.string().trim().min(1).max(120), description: z.string().trim().max(500).default("") })
  .strict();

/** An instant with its offset ("2026-12-01T00:00:00Z"); stored and answered in UTC. */
const InstantSchema = z.iso.datetime({ offset: true });

const CampaignFields = {
  translations: z
    .object({ en: CampaignTextSchema, es: CampaignTextSchema.optional(), fr: CampaignTextSchema.optional(), de: CampaignTextSchema.optional() })
    .strict(),
  starts_at: InstantSchema,
  /** null: runs until ended. */
  ends_at: InstantSchema.nullable().default(null),
  /** null: every customer; else the VIP tier ids (D1) whose holders it applies to. */
  eligible_tier_ids: z.array(z.string().min(1).max(100)).min(1).max(50).nullable().default(null),
  /** RFM segments do not exist yet: only null (everyone) is accepted. */
  eligible_segments: z.null().default(null),
  /**
   * A storefront discount ({ percentage: "15" }) the discount Shopify Function gives eligible
   * customers while the campaign runs; null: none. Not part of earning.
   */
  discount: DiscountPerkSchema.strict().nullable().default(null),
  /** Free shipping from the discount Shopify Function for eligible customers while it runs. */
  free_shipping: z.boolean().default(false),
};

const MultiplierCampaign = z
  .object({
    kind: z.literal("multiplier"),
    ...CampaignFields,
    multiplier: MultiplierSchema,
    /** Applies together with every other stackable campaign; else only the largest non-stackable one applies. */
    stackable: z.boolean(),
  })
  .strict();

const GoalSpendCampaign = z
  .object({
    kind: z.literal("goal_spend"),
    ...CampaignFields,
    /** Paid orders placed within `days` days (and while the campaign runs) reaching `amount` earn `points`, once. */
    amount: AmountSchema,
    days: z.number().int().min(1).max(366),
    points: z.number().int().min(1).max(1_000_000),
  })
  .strict();

const BonusActionCampaign = z
  .object({
    kind: z.literal("bonus_action"),
    ...CampaignFields,
    action: z.enum(CAMPAIGN_ACTIONS),
    /** Extra points for doing `action` while the campaign runs (on top of the program's own). */
    points: z.number().int().min(1).max(1_000_000),
  })
  .strict();

/** What a merchant sends to create or replace a campaign. */
export const CampaignInputSchema = z
  .discriminatedUnion("kind", [MultiplierCampaign, GoalSpendCampaign, BonusActionCampaign])
  .superRefine((campaign, ctx) => {
    if (campaign.ends_at !== null && Date.parse(campaign.ends_at) <= Date.parse(campaign.starts_at)) {
      ctx.addIssue({ code: "custom", path: ["ends_at"], message: "ends_at must be after starts_at" });
    }
  });
export type CampaignInput = z.infer<typeof CampaignInputSchema>;

export interface CampaignMeta {
  /** `cmp_…` */
  id: string;
  version: number;
  /** When the merchant ended it early (ends_at was set to this moment), else null. */
  ended_at: string | null;
  created_at: string;
  updated_at: string;
}
export type Campaign = CampaignInput & CampaignMeta;

export function newCampaignId(): string {
  return `cmp_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** starts_at <= at < ends_at (ends_at null: open-ended). */
export function campaignRunsAt(campaign: Pick<Campaign, "starts_at" | "ends_at">, at: number): boolean {
  return Date.parse(campaign.starts_at) <= at && (campaign.ends_at === null || at < Date.parse(campaign.ends_at));
}

/** Open to everyone, or to the customer's tier (a customer with no tier: only open ones). */
export function campaignEligible(campaign: Pick<Campaign, "eligible_tier_ids">, tierId: string | null): boolean {
  return campaign.eligible_tier_ids === null || (tierId !== null && campaign.eligible_tier_ids.includes(tierId));
}

/** The campaigns that apply at `at` to a customer holding `tierId`, oldest first. */
export function runningCampaigns(campaigns: readonly Campaign[], tierId: string | null, at: number): Campaign[] {
  return campaigns.filter((c) => campaignRunsAt(c, at) && campaignEligible(c, tierId)).sort(byCreation);
}

function byCreation(a: Campaign, b: Campaign): number {
  const t = Date.parse(a.created_at) - Date.parse(b.created_at);
  return t !== 0 ? t : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

type MultiplierCampaign = Extract<Campaign, { kind: "multiplier" }>;

/**
 * The campaign multipliers an order placed at `at` by a customer holding `tierId` earns with:
 * every stackable one, and the largest non-stackable one (ties: the earliest created), in
 * creation order. They go after the tier's in computeOrderEarn's `multipliers`.
 */
export function campaignMultipliers(campaigns: readonly Campaign[], tierId: string | null, at: number): AppliedMultiplier[] {
  const running = runningCampaigns(campaigns, tierId, at).filter((c): c is MultiplierCampaign => c.kind === "multiplier");
  let largest: MultiplierCampaign | null = null;
  for (const c of running) {
    if (!c.stackable && (largest === null || toBasisPoints(c.multiplier) > toBasisPoints(largest.multiplier))) largest = c;
  }
  return running
    .filter((c) => c.stackable || c === largest)
    .map((c) => ({ source: "campaign" as const, id: c.id, name: c.translations.en.name, multiplier: c.multiplier, bp: toBasisPoints(c.multiplier) }));
}

/**
 * What an order earns: the customer's tier multipliers, then the campaigns that apply to that
 * tier at the order's placed time (stacking above), through computeOrderEarn. The customer's
 * object and the simulate dry run both call this, so a dry run answers what the object will do.
 */
export function earnOrder(
  program: ProgramSettings,
  baseMills: number,
  tierMultipliers: readonly AppliedMultiplier[],
  campaigns: readonly Campaign[],
  placedAt: number,
): ReturnType<typeof computeOrderEarn> & { tierId: string | null } {
  const tierId = tierMultipliers.find((m) => m.source === "tier")?.id ?? null;
  return { ...computeOrderEarn(program, baseMills, [...tierMultipliers, ...campaignMultipliers(campaigns, tierId, placedAt)]), tierId };
}

export interface CampaignBonus {
  campaign_id: string;
  campaign_version: number;
  points: number;
}

/**
 * Extra points for doing `action` at `at` (a bonus_action campaign): one bonus per running
 * eligible campaign for that action, each its own ledger entry (kind `campaign`, key
 * `campaign:<id>:<the action's own key>`), so an action repeated within its limit earns each
 * campaign's bonus with it, and an action the program refuses earns none.
 */
export function campaignActionBonus(
  campaigns: readonly Campaign[],
  action: CampaignAction,
  tierId: string | null,
  at: number,
): { points: number; bonuses: CampaignBonus[] } {
  const bonuses = runningCampaigns(campaigns, tierId, at)
    .filter((c): c is Extract<Campaign, { kind: "bonus_action" }> => c.kind === "bonus_action" && c.action === action)
    .map((c) => ({ campaign_id: c.id, campaign_version: c.version, points: c.points }));
  return { points: bonuses.reduce((sum, b) => sum + b.points, 0), bonuses };
}

/**
 * Whether a goal_spend campaign's goal is reached with the order placed at `at`
 * (core/goal-spend.ts, the program's goal-spend arithmetic): counting only the customer's paid
 * orders placed while the campaign ran, net of refunds (cancelled ones count nothing), some
 * window of `days` days — (t − days×24h, t] — that holds the order placed at `at` reaches
 * `amount` (t is `at` or a later order's time, so an order that reaches us after later ones
 * still completes their windows). The order placed at `at` must itself fall in the campaign,
 * and the customer must be eligible then. Reached once, the bonus stays: a later refund does
 * not take it back (it rewarded the spending as it was when the goal was met).
 */
export function goalSpendReached(
  campaign: Extract<Campaign, { kind: "goal_spend" }>,
  orders: readonly PaidOrderSpend[],
  tierId: string | null,
  at: number,
): boolean {
  if (!campaignRunsAt(campaign, at) || !campaignEligible(campaign, tierId)) return false;
  const during = orders.filter((order) => campaignRunsAt(campaign, order.paidAt));
  return goalReachedAt(during, campaign, at) !== null;
}

/** The goal_spend campaigns an order placed at `at` reaches (callers award each once). */
export function goalSpendCampaignsReached(
  campaigns: readonly Campaign[],
  orders: readonly PaidOrderSpend[],
  tierId: string | null,
  at: number,
): Extract<Campaign, { kind: "goal_spend" }>[] {
  return runningCampaigns(campaigns, tierId, at)
    .filter((c): c is Extract<Campaign, { kind: "goal_spend" }> => c.kind === "goal_spend")
    .filter((c) => goalSpendReached(c, orders, tierId, at));
}

/**
 * The goal-spend bonuses an order placed at `at` awards: the campaigns it reaches whose bonus
 * the customer has not had yet (`awarded`: campaign ids), each once.
 */
export function spendGoalBonuses(
  campaigns: readonly Campaign[],
  orders: readonly PaidOrderSpend[],
  tierId: string | null,
  at: number,
  awarded: ReadonlySet<string>,
): CampaignBonus[] {
  return goalSpendCampaignsReached(campaigns, orders, tierId, at)
    .filter((c) => !awarded.has(c.id))
    .map((c) => ({ campaign_id: c.id, campaign_version: c.version, points: c.points }));
}

/** The orders goal-spend campaigns can count for an order placed at `at`: those placed within their longest window either side. */
export function goalSpendLookaround(campaigns: readonly Campaign[], at: number): { after: number; before: number } | null {
  const days = Math.max(0, ...campaigns.map((c) => (c.kind === "goal_spend" ? c.days : 0)));
  return days === 0 ? null : { after: at - days * 86_400_000, before: at + days * 86_400_000 };
}

/** A running campaign as the storefront widget shows it, in `language` (English fallback). */
export interface WidgetCampaign {
  id: string;
  name: string;
  description: string;
  kind: CampaignKind;
  multiplier?: number;
  action?: string;
  points?: number;
  amount?: string;
  days?: number;
  starts_at: string;
  ends_at: string | null;
  /** null: for everyone; else only holders of these tiers (the widget shows it to them alone). */
  eligible_tier_ids: string[] | null;
}

/**
 * The campaigns running at `at`, localized, for the widget (GET /proxy/v1/api/widget/config).
 * With `tierId` given (null: a customer with no tier), only those the customer is eligible for;
 * undefined (an anonymous visitor): every running campaign.
 */
export function runningCampaignsFor(campaigns: readonly Campaign[], language: string, at: number, tierId?: string | null): WidgetCampaign[] {
  const running = campaigns.filter((c) => campaignRunsAt(c, at) && (tierId === undefined || campaignEligible(c, tierId))).sort(byCreation);
  const lang = (CAMPAIGN_LANGUAGES as readonly string[]).includes(language.slice(0, 2)) ? (language.slice(0, 2) as CampaignLanguage) : "en";
  return running.map((c) => {
    const text = c.translations[lang] ?? c.translations.en;
    // A translation without its description reads the English one.
    const description = text.description || c.translations.en.description;
    const base = { id: c.id, name: text.name, description, kind: c.kind, starts_at: c.starts_at, ends_at: c.ends_at, eligible_tier_ids: c.eligible_tier_ids };
    if (c.kind === "multiplier") return { ...base, multiplier: c.multiplier };
    if (c.kind === "goal_spend") return { ...base, amount: c.amount, days: c.days, points: c.points };
    return { ...base, action: c.action, points: c.points };
  });
}

/**
 * The campaign ended at `now` (ends_at and ended_at set to it), or null when it has already
 * ended (early, or its ends_at has passed): a campaign is never ended in the past, so what
 * orders already earned never changes. One not started yet ends too, and so never runs.
 */
export function endedAt(campaign: Campaign, now: number): Campaign | null {
  if (campaign.ended_at !== null || (campaign.ends_at !== null && Date.parse(campaign.ends_at) <= now)) return null;
  const at = new Date(now).toISOString();
  return { ...campaign, ends_at: at, ended_at: at };
}

/**
 * What the discount Function's configuration needs of the campaigns
 * (core/discount-function-config.ts buildDiscountFunctionConfig keeps those running now and
 * giving a perk): every campaign, any kind, by its English name.
 */
export function campaignDiscountInputs(campaigns: readonly Campaign[]): CampaignDiscountInput[] {
  return campaigns.map((c) => ({
    id: c.id,
    name: c.translations.en.name,
    discount: c.discount,
    free_shipping: c.free_shipping,
    eligible_tier_ids: c.eligible_tier_ids,
    starts_at: c.starts_at,
    ends_at: c.ends_at,
  }));
}

/** The merchant's fields of a stored campaign (to replace it with a change). */
export function campaignInput(campaign: Campaign): CampaignInput {
  const { id: _id, version: _v, ended_at: _e, created_at: _c, updated_at: _u, ...input } = campaign;
  return input as CampaignInput;
}
