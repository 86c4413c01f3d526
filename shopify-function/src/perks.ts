// Which perks the buyer gets, from the configuration the app wrote and the buyer's tier id.
// Rules (stated in shopify-function/README.md):
// - A guest (no signed-in customer) gets nothing.
// - Percentage: the single largest among the customer's tier discount and the discounts of the
//   campaigns they are eligible for; percentages never add up. Ties go to the tier, then to the
//   campaign listed first (earliest start).
// - Free shipping: when the tier or any eligible campaign gives it.
// - A campaign with eligible_tier_ids null is for every signed-in customer; otherwise the
//   customer's tier id (from their metafield) must be in the list.
// - A configuration that is missing or not the shape this function knows gives nothing: a
//   discount never comes from a guess.
// The campaigns in the configuration are the ones running when the app published it (the app
// republishes at every campaign start and end); the function has no clock to check them.
import type { DiscountFunctionConfig } from "../../core/discount-function-config";
import type { InputCustomer, Json } from "./api";

export interface Perks {
  percentage: { value: string; message: string } | null;
  freeShipping: { message: string } | null;
}

export const NO_PERKS: Perks = { percentage: null, freeShipping: null };

type Perk = { name: string; percentage: string | null; free_shipping: boolean };

export function perksFor(configJson: Json | undefined, customer: InputCustomer | null | undefined): Perks {
  if (!customer) return NO_PERKS;
  const config = readConfig(configJson);
  if (!config) return NO_PERKS;
  const tierId = customer.metafield?.value || null;
  const tier = tierId === null ? undefined : config.tiers.find((t) => t.id === tierId);
  const campaigns = config.campaigns.filter((c) => c.eligible_tier_ids === null || (tierId !== null && c.eligible_tier_ids.includes(tierId)));
  const applicable: Perk[] = [...(tier ? [tier] : []), ...campaigns];

  let best: { value: string; message: string; number: number } | null = null;
  for (const perk of applicable) {
    if (perk.percentage === null) continue;
    const number = Number(perk.percentage);
    if (!(number > 0 && number <= 100)) continue;
    if (!best || number > best.number) best = { value: perk.percentage, message: perk.name, number };
  }
  const shipping = applicable.find((perk) => perk.free_shipping);
  return {
    percentage: best ? { value: best.value, message: best.message } : null,
    freeShipping: shipping ? { message: shipping.name } : null,
  };
}

/** The configuration if it is version 1 with the fields the function reads, else null. */
export function readConfig(json: Json | undefined): DiscountFunctionConfig | null {
  if (!isObject(json) || json.version !== 1 || !Array.isArray(json.tiers) || !Array.isArray(json.campaigns)) return null;
  const perkShape = (p: unknown): p is Perk =>
    isObject(p) && typeof p.id === "string" && typeof p.name === "string" && (p.percentage === null || typeof p.percentage === "string") && typeof p.free_shipping === "boolean";
  const campaignShape = (c: unknown) =>
    perkShape(c) && (((c as Record<string, unknown>).eligible_tier_ids === null) || isStringArray((c as Record<string, unknown>).eligible_tier_ids));
  if (!json.tiers.every(perkShape) || !json.campaigns.every(campaignShape)) return null;
  return json as unknown as DiscountFunctionConfig;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
