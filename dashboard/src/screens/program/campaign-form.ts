// A bonus campaign (POST /v1/api/campaigns, PUT /v1/api/campaigns/:id) as form values and back.
// Times are edited in the merchant's own clock (datetime-local) and sent as UTC instants.
import { fromNumber, fromText, isoToLocal, localToIso, toNullableText, toNumber, type FormValues } from "./fields";

export const CAMPAIGN_KINDS = ["multiplier", "goal_spend", "bonus_action"] as const;
export const CAMPAIGN_ACTIONS = ["signup", "newsletter", "review", "birthday", "social_follow"] as const;
export const CAMPAIGN_LANGUAGES = ["en", "es", "fr"] as const;

export interface Campaign {
  id: string;
  version: number;
  kind: (typeof CAMPAIGN_KINDS)[number];
  translations: Partial<Record<string, { name: string; description: string }>>;
  starts_at: string;
  ends_at: string | null;
  ended_at: string | null;
  eligible_tier_ids: string[] | null;
  discount: { percentage: string } | null;
  free_shipping: boolean;
  multiplier?: number;
  stackable?: boolean;
  amount?: string;
  days?: number;
  points?: number;
  action?: string;
  created_at: string;
}

export function newCampaign(now = Date.now()): FormValues {
  return {
    kind: "multiplier",
    starts_at: isoToLocal(new Date(now).toISOString()),
    ends_at: "",
    eligible_tier_ids: "",
    "discount.percentage": "",
    free_shipping: false,
    multiplier: "2",
    stackable: false,
    amount: "",
    days: "30",
    points: "",
    action: "signup",
    ...Object.fromEntries(CAMPAIGN_LANGUAGES.flatMap((l) => [[`translations.${l}.name`, ""], [`translations.${l}.description`, ""]])),
  };
}

export function campaignToForm(campaign: Campaign): FormValues {
  const values: FormValues = {
    ...newCampaign(Date.parse(campaign.starts_at)),
    kind: campaign.kind,
    starts_at: isoToLocal(campaign.starts_at),
    ends_at: isoToLocal(campaign.ends_at),
    // Tier ids joined by commas: one form value for the set of checkboxes.
    eligible_tier_ids: (campaign.eligible_tier_ids ?? []).join(","),
    "discount.percentage": fromText(campaign.discount?.percentage),
    free_shipping: campaign.free_shipping,
  };
  if (campaign.multiplier !== undefined) values.multiplier = fromNumber(campaign.multiplier);
  if (campaign.stackable !== undefined) values.stackable = campaign.stackable;
  if (campaign.amount !== undefined) values.amount = fromText(campaign.amount);
  if (campaign.days !== undefined) values.days = fromNumber(campaign.days);
  if (campaign.points !== undefined) values.points = fromNumber(campaign.points);
  if (campaign.action !== undefined) values.action = campaign.action;
  for (const language of CAMPAIGN_LANGUAGES) {
    values[`translations.${language}.name`] = fromText(campaign.translations[language]?.name);
    values[`translations.${language}.description`] = fromText(campaign.translations[language]?.description);
  }
  return values;
}

export const tierIdsOf = (values: FormValues): string[] => String(values.eligible_tier_ids ?? "").split(",").filter(Boolean);

/** The campaign as the API takes it: the shared fields and those of its kind only. */
export function campaignBody(values: FormValues): Record<string, unknown> {
  const translations: Record<string, { name: string; description: string }> = {};
  for (const language of CAMPAIGN_LANGUAGES) {
    const name = String(values[`translations.${language}.name`] ?? "").trim();
    const description = String(values[`translations.${language}.description`] ?? "").trim();
    if (language === "en" || name || description) translations[language] = { name, description };
  }
  const tiers = tierIdsOf(values);
  const percentage = toNullableText(values["discount.percentage"] ?? "");
  const shared = {
    kind: values.kind,
    translations,
    starts_at: localToIso(values.starts_at ?? "") ?? "",
    ends_at: localToIso(values.ends_at ?? ""),
    eligible_tier_ids: tiers.length ? tiers : null,
    discount: percentage === null ? null : { percentage },
    free_shipping: values.free_shipping === true,
  };
  if (values.kind === "multiplier") return { ...shared, multiplier: toNumber(values.multiplier ?? ""), stackable: values.stackable === true };
  if (values.kind === "goal_spend") return { ...shared, amount: String(values.amount ?? "").trim(), days: toNumber(values.days ?? ""), points: toNumber(values.points ?? "") };
  return { ...shared, action: values.action, points: toNumber(values.points ?? "") };
}

/** A campaign's state for the list: scheduled, running, or ended (early or by its end). */
export function campaignStatus(campaign: Pick<Campaign, "starts_at" | "ends_at" | "ended_at">, now = Date.now()): "scheduled" | "running" | "ended" {
  if (campaign.ended_at !== null || (campaign.ends_at !== null && Date.parse(campaign.ends_at) <= now)) return "ended";
  return Date.parse(campaign.starts_at) > now ? "scheduled" : "running";
}
