// What the discount Shopify Function (shopify-function/) reads: the shop's tier perks and the
// discounts of the campaigns running now, written by the app as a JSON metafield on the
// function's automatic discount. The function has no clock of its own that can compare
// instants, so the app decides which campaigns run: the builder keeps only those running at
// `now`, and the app republishes at every campaign start and end (see shopify-function/README.md).
// The config is serialised canonically (sorted, fixed key order) so that an unchanged program
// gives byte-identical JSON and a republish can be skipped.
import { z } from "zod";

/** The app-owned metafield on the automatic discount that holds this config. */
export const DISCOUNT_CONFIG_METAFIELD = { namespace: "$app:loyalnest", key: "function-configuration", type: "json" } as const;
/** The app-owned customer metafield holding the customer's tier id (absent: no tier). */
export const CUSTOMER_TIER_METAFIELD = { namespace: "$app:loyalnest", key: "vip-tier", type: "single_line_text_field" } as const;

/** A percentage off, 0 < p <= 100, at most two decimals, as a string: "10", "12.5". */
export const PercentageSchema = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,2})?$/, "a percentage like \"10\" or \"12.5\"")
  .refine((p) => Number(p) > 0 && Number(p) <= 100, "a percentage above 0 and at most 100");

const IsoInstant = z.iso.datetime({ offset: true });

export const DiscountPerkSchema = z.object({ percentage: PercentageSchema });

/** What the tiers helper gives for each tier. */
export const TierDiscountInputSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  discount: DiscountPerkSchema.nullable(),
  free_shipping: z.boolean(),
});
export type TierDiscountInput = z.infer<typeof TierDiscountInputSchema>;

/** What the campaigns helper gives for each campaign (any kind; those without a perk are dropped). */
export const CampaignDiscountInputSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  discount: DiscountPerkSchema.nullable(),
  free_shipping: z.boolean().optional(),
  /** null: every signed-in customer, with or without a tier. */
  eligible_tier_ids: z.array(z.string().min(1)).nullable(),
  starts_at: IsoInstant,
  /** null: no end (until ended early). */
  ends_at: IsoInstant.nullable(),
});
export type CampaignDiscountInput = z.infer<typeof CampaignDiscountInputSchema>;

const PerkFields = {
  id: z.string().min(1),
  /** Shown to the shopper in cart and checkout as the discount's message. */
  name: z.string().min(1),
  percentage: PercentageSchema.nullable(),
  free_shipping: z.boolean(),
};

export const DiscountFunctionConfigSchema = z.object({
  version: z.literal(1),
  tiers: z.array(z.object(PerkFields)),
  campaigns: z.array(
    z.object({
      ...PerkFields,
      eligible_tier_ids: z.array(z.string().min(1)).nullable(),
      starts_at: IsoInstant,
      ends_at: IsoInstant.nullable(),
    }),
  ),
});
export type DiscountFunctionConfig = z.infer<typeof DiscountFunctionConfigSchema>;

export function campaignRunsAt(campaign: Pick<CampaignDiscountInput, "starts_at" | "ends_at">, now: number): boolean {
  return Date.parse(campaign.starts_at) <= now && (campaign.ends_at === null || now < Date.parse(campaign.ends_at));
}

/**
 * The config the function reads: tiers that give a perk (by id), and campaigns running at `now`
 * (half-open window [starts_at, ends_at)) that give a perk (by start, then id). Throws a
 * ZodError on input the schemas refuse.
 */
export function buildDiscountFunctionConfig(input: {
  tiers: readonly TierDiscountInput[];
  campaigns: readonly CampaignDiscountInput[];
  now: number;
}): DiscountFunctionConfig {
  const tiers = z.array(TierDiscountInputSchema).parse(input.tiers);
  const campaigns = z.array(CampaignDiscountInputSchema).parse(input.campaigns);
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    version: 1,
    tiers: tiers
      .filter((t) => t.discount !== null || t.free_shipping)
      .sort(byId)
      .map((t) => ({ id: t.id, name: t.name, percentage: t.discount?.percentage ?? null, free_shipping: t.free_shipping })),
    campaigns: campaigns
      .filter((c) => (c.discount !== null || c.free_shipping === true) && campaignRunsAt(c, input.now))
      .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at) || byId(a, b))
      .map((c) => ({
        id: c.id,
        name: c.name,
        percentage: c.discount?.percentage ?? null,
        free_shipping: c.free_shipping ?? false,
        eligible_tier_ids: c.eligible_tier_ids === null ? null : [...new Set(c.eligible_tier_ids)].sort(),
        starts_at: new Date(Date.parse(c.starts_at)).toISOString(),
        ends_at: c.ends_at === null ? null : new Date(Date.parse(c.ends_at)).toISOString(),
      })),
  };
}

/** The metafield value: canonical JSON (the builder fixes order; keys in schema order). */
export function serializeDiscountFunctionConfig(config: DiscountFunctionConfig): string {
  return JSON.stringify(DiscountFunctionConfigSchema.parse(config));
}

/**
 * Whether a campaign starts or ends in (from, to]: the cron tick that crosses a boundary
 * republishes the shop's config so the function sees the campaign begin or stop.
 */
export function campaignBoundaryBetween(campaigns: readonly Pick<CampaignDiscountInput, "starts_at" | "ends_at">[], from: number, to: number): boolean {
  return campaigns.some((c) => {
    const starts = Date.parse(c.starts_at);
    const ends = c.ends_at === null ? null : Date.parse(c.ends_at);
    return (from < starts && starts <= to) || (ends !== null && from < ends && ends <= to);
  });
}

/**
 * Whether the configuration reads customers' tiers: a tier gives a perk, or a campaign with a
 * perk is for some tiers only. Until it does, the app writes no customer's tier metafield (a
 * write per customer that nothing reads); when it starts to, every member's tier is written
 * (queues/jobs.ts, publish_tier_members).
 */
export function readsCustomerTiers(config: DiscountFunctionConfig): boolean {
  const perk = (p: { percentage: string | null; free_shipping: boolean }) => p.percentage !== null || p.free_shipping;
  return config.tiers.some(perk) || config.campaigns.some((c) => c.eligible_tier_ids !== null && perk(c));
}
