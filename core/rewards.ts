// The rewards catalog: what a merchant may offer, what a shopper sees of it, and the pure
// arithmetic of a redemption (what it costs in points, what the discount code is worth).
// The catalog lives in D1 (d1/rewards.ts); a redemption runs in the customer's object.
import { z } from "zod";
import { MILLS_PER_UNIT, formatMills, parseAmountToMills } from "./money";

export const REWARD_TYPES = ["fixed_amount", "percentage", "free_shipping", "free_product", "points_to_money"] as const;
export type RewardType = (typeof REWARD_TYPES)[number];

/** Languages every reward must be readable in; `en` is required, the rest fall back to it. */
export const REWARD_LANGUAGES = ["en", "es", "fr"] as const;
export type RewardLanguage = (typeof REWARD_LANGUAGES)[number];

const Decimal = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, "an amount like \"5.00\"")
  .refine((v) => (parseAmountToMills(v) ?? 0) > 0, "must be more than zero");
const ShopifyGid = (kind: string) => z.string().regex(new RegExp(`^gid://shopify/${kind}/\\d{1,20}$`), `a gid://shopify/${kind}/… id`);

/** Strict like the rest of the input: a misspelt `descripton` is refused, not dropped. */
export const RewardTranslationSchema = z
  .object({
    title: z.string().trim().min(1).max(120),
    description: z.string().trim().max(500).default(""),
  })
  .strict();

const RewardFields = z.object({
  type: z.enum(REWARD_TYPES),
  /** Points spent; for points_to_money, the points that make one unit of the shop's currency. */
  points_cost: z.number().int().min(1).max(10_000_000),
  /**
   * fixed_amount: the amount off; percentage: "1".."100"; free_product: the most the code
   * takes off (one unit of the variant); free_shipping: the most shipping it covers, or null
   * for any; points_to_money: null (the amount follows the points).
   */
  value: Decimal.nullable().default(null),
  /** points_to_money only: the range a shopper may spend in one redemption. */
  min_points: z.number().int().min(1).max(10_000_000).nullable().default(null),
  max_points: z.number().int().min(1).max(10_000_000).nullable().default(null),
  /** free_product only. */
  product_variant_gid: ShopifyGid("ProductVariant").nullable().default(null),
  min_order_subtotal: Decimal.nullable().default(null),
  /** Days the issued code stays valid; null: it never expires. */
  code_expiry_days: z.number().int().min(1).max(3650).nullable().default(30),
  enabled: z.boolean().default(true),
  sort: z.number().int().min(0).max(10_000).default(0),
  translations: z
    .object({ en: RewardTranslationSchema, es: RewardTranslationSchema.optional(), fr: RewardTranslationSchema.optional() })
    .strict(),
});

/** What a merchant sends to create or replace a reward. */
export const RewardInputSchema = RewardFields.strict().superRefine((reward, ctx) => {
  const problem = rewardProblem(reward);
  if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
});
export type RewardInput = z.infer<typeof RewardInputSchema>;

/** A stored reward: the merchant's fields plus its identity and version. */
export type Reward = RewardInput & {
  reward_id: string;
  version: number;
  created_at: string;
  updated_at: string;
};

/** A stored reward's own fields, as a merchant would send them to replace it. */
export function rewardInput(reward: Reward): RewardInput {
  const { reward_id: _id, version: _version, created_at: _created, updated_at: _updated, ...input } = reward;
  return input;
}

function rewardProblem(r: z.infer<typeof RewardFields>): { field: string; message: string } | null {
  // A disabled free product may wait for the merchant to choose its variant and value.
  const unfinishedFreeProduct = r.type === "free_product" && !r.enabled;
  const needsValue = r.type === "fixed_amount" || r.type === "percentage" || (r.type === "free_product" && !unfinishedFreeProduct);
  if (needsValue && r.value === null) return { field: "value", message: `a ${r.type} reward needs a value` };
  if (r.type === "percentage" && r.value !== null && (parseAmountToMills(r.value) ?? 0) > 100 * MILLS_PER_UNIT) {
    return { field: "value", message: "a percentage is at most 100" };
  }
  if (r.type === "points_to_money") {
    if (r.value !== null) return { field: "value", message: "a points_to_money reward's amount follows the points spent; leave value null" };
    if (r.min_points === null || r.max_points === null) return { field: "min_points", message: "points_to_money needs min_points and max_points" };
    if (r.min_points > r.max_points) return { field: "min_points", message: "min_points is more than max_points" };
    if (r.min_points % r.points_cost !== 0 || r.max_points % r.points_cost !== 0) {
      return { field: "min_points", message: "min_points and max_points must be multiples of points_cost" };
    }
  } else if (r.min_points !== null || r.max_points !== null) {
    return { field: "min_points", message: "min_points and max_points are for points_to_money rewards only" };
  }
  if (r.type === "free_product" && r.product_variant_gid === null && !unfinishedFreeProduct) {
    return { field: "product_variant_gid", message: "a free_product reward needs the variant it gives" };
  }
  if (r.type !== "free_product" && r.product_variant_gid !== null) {
    return { field: "product_variant_gid", message: "only free_product rewards name a variant" };
  }
  return null;
}

/** A reward as one shopper sees it: the texts in their language, nothing the shop keeps to itself. */
export const StorefrontRewardSchema = z.object({
  reward_id: z.string(),
  type: z.enum(REWARD_TYPES),
  title: z.string(),
  description: z.string(),
  points_cost: z.number().int(),
  value: z.string().nullable(),
  min_points: z.number().int().nullable(),
  max_points: z.number().int().nullable(),
  min_order_subtotal: z.string().nullable(),
  code_expiry_days: z.number().int().nullable(),
});
export type StorefrontReward = z.infer<typeof StorefrontRewardSchema>;

export function localizeReward(reward: Reward, language: string): StorefrontReward {
  const text = reward.translations[language as RewardLanguage] ?? reward.translations.en;
  return {
    reward_id: reward.reward_id,
    type: reward.type,
    title: text.title,
    description: text.description,
    points_cost: reward.points_cost,
    value: reward.value,
    min_points: reward.min_points,
    max_points: reward.max_points,
    min_order_subtotal: reward.min_order_subtotal,
    code_expiry_days: reward.code_expiry_days,
  };
}

/** What the code takes off, in the shape the discount mutations need. */
export type DiscountValue =
  | { kind: "amount"; amount: string; variantGid: string | null }
  | { kind: "percentage"; percentage: number }
  | { kind: "free_shipping"; maxShippingPrice: string | null };

export interface RedemptionTerms {
  points: number;
  discount: DiscountValue;
}

export type TermsRefusal = { code: "points_required" | "points_out_of_range" | "points_not_allowed"; message: string };

/** The points a redemption spends and the discount it buys; refuses amounts outside the reward's range. */
export function redemptionTerms(reward: Reward, requestedPoints: number | undefined): RedemptionTerms | TermsRefusal {
  if (reward.type !== "points_to_money") {
    if (requestedPoints !== undefined && requestedPoints !== reward.points_cost) {
      return { code: "points_not_allowed", message: `this reward costs exactly ${reward.points_cost} points` };
    }
    return { points: reward.points_cost, discount: fixedDiscount(reward) };
  }
  const min = reward.min_points!;
  const max = reward.max_points!;
  if (requestedPoints === undefined) return { code: "points_required", message: `choose how many points to spend (${min}–${max})` };
  if (requestedPoints < min || requestedPoints > max || requestedPoints % reward.points_cost !== 0) {
    return {
      code: "points_out_of_range",
      message: `spend between ${min} and ${max} points, in steps of ${reward.points_cost}`,
    };
  }
  const mills = (requestedPoints / reward.points_cost) * MILLS_PER_UNIT;
  return { points: requestedPoints, discount: { kind: "amount", amount: formatMills(mills), variantGid: null } };
}

function fixedDiscount(reward: Reward): DiscountValue {
  switch (reward.type) {
    case "fixed_amount":
      return { kind: "amount", amount: reward.value!, variantGid: null };
    case "free_product":
      // An amount, not 100 %: a percentage would make every unit of the variant free.
      return { kind: "amount", amount: reward.value!, variantGid: reward.product_variant_gid };
    case "percentage":
      return { kind: "percentage", percentage: parseAmountToMills(reward.value!)! / (100 * MILLS_PER_UNIT) };
    case "free_shipping":
      return { kind: "free_shipping", maxShippingPrice: reward.value };
    case "points_to_money":
      throw new Error("points_to_money has no fixed discount");
  }
}

/** The rewards a new shop starts with (DESIGN: $5 off for 500, free shipping for 1,000, a free product for 1,500). */
export const DEFAULT_REWARDS: RewardInput[] = [
  {
    type: "fixed_amount",
    points_cost: 500,
    value: "5.00",
    min_points: null,
    max_points: null,
    product_variant_gid: null,
    min_order_subtotal: null,
    code_expiry_days: 30,
    enabled: true,
    sort: 0,
    translations: {
      en: { title: "$5 off your order", description: "A $5 discount on your next order." },
      es: { title: "5 $ de descuento", description: "Un descuento de 5 $ en tu próximo pedido." },
      fr: { title: "5 $ de réduction", description: "Une réduction de 5 $ sur votre prochaine commande." },
    },
  },
  {
    type: "free_shipping",
    points_cost: 1_000,
    value: null,
    min_points: null,
    max_points: null,
    product_variant_gid: null,
    min_order_subtotal: null,
    code_expiry_days: 30,
    enabled: true,
    sort: 1,
    translations: {
      en: { title: "Free shipping", description: "Free shipping on your next order." },
      es: { title: "Envío gratis", description: "Envío gratis en tu próximo pedido." },
      fr: { title: "Livraison offerte", description: "La livraison offerte sur votre prochaine commande." },
    },
  },
  {
    // Disabled until the merchant chooses the variant (and its price as the value).
    type: "free_product",
    points_cost: 1_500,
    value: null,
    min_points: null,
    max_points: null,
    product_variant_gid: null,
    min_order_subtotal: null,
    code_expiry_days: 30,
    enabled: false,
    sort: 2,
    translations: {
      en: { title: "A free product", description: "A product on us with your next order." },
      es: { title: "Un producto gratis", description: "Un producto de regalo con tu próximo pedido." },
      fr: { title: "Un produit offert", description: "Un produit offert avec votre prochaine commande." },
    },
  },
];
