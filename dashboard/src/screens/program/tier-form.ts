// A VIP tier (POST /v1/api/vip-tiers, PUT /v1/api/vip-tiers/:id) as form values and back. The
// threshold is written in the program's tier basis: whole points, or an amount of spend.
import { fromNumber, fromText, linesToList, listToLines, toNullableText, toNumber, type FormValues } from "./fields";

export const TIER_LANGUAGES = ["en", "es", "fr", "de"] as const;

export interface VipTier {
  id: string;
  version: number;
  translations: Partial<Record<(typeof TIER_LANGUAGES)[number], { name: string; perks: string[] }>>;
  basis: "points" | "spend";
  threshold: number | string;
  earn_multiplier: number;
  entry_reward_id: string | null;
  discount: { percentage: string } | null;
  free_shipping: boolean;
  sort: number;
  enabled: boolean;
}

export const NEW_TIER: FormValues = {
  threshold: "",
  earn_multiplier: "1",
  entry_reward_id: "",
  "discount.percentage": "",
  free_shipping: false,
  sort: "0",
  enabled: true,
  ...Object.fromEntries(TIER_LANGUAGES.flatMap((l) => [[`translations.${l}.name`, ""], [`translations.${l}.perks`, ""]])),
};

export function tierToForm(tier: VipTier): FormValues {
  const values: FormValues = {
    threshold: fromNumber(tier.threshold),
    earn_multiplier: fromNumber(tier.earn_multiplier),
    entry_reward_id: fromText(tier.entry_reward_id),
    "discount.percentage": fromText(tier.discount?.percentage),
    free_shipping: tier.free_shipping,
    sort: fromNumber(tier.sort),
    enabled: tier.enabled,
  };
  for (const language of TIER_LANGUAGES) {
    values[`translations.${language}.name`] = fromText(tier.translations[language]?.name);
    values[`translations.${language}.perks`] = listToLines(tier.translations[language]?.perks);
  }
  return values;
}

/** The tier as the API takes it; `basis` is the program's (points: a number, spend: "500.00"). */
export function tierBody(values: FormValues, basis: "points" | "spend"): Record<string, unknown> {
  const translations: Record<string, { name: string; perks: string[] }> = {};
  for (const language of TIER_LANGUAGES) {
    const name = String(values[`translations.${language}.name`] ?? "").trim();
    const perks = linesToList(values[`translations.${language}.perks`] ?? "");
    if (language === "en" || name || perks.length) translations[language] = { name, perks };
  }
  const threshold = String(values.threshold ?? "").trim();
  const percentage = toNullableText(values["discount.percentage"] ?? "");
  return {
    translations,
    threshold: basis === "points" ? toNumber(threshold) : threshold,
    earn_multiplier: toNumber(values.earn_multiplier ?? "1"),
    entry_reward_id: toNullableText(values.entry_reward_id ?? ""),
    discount: percentage === null ? null : { percentage },
    free_shipping: values.free_shipping === true,
    sort: toNumber(values.sort ?? "0"),
    enabled: values.enabled === true,
  };
}

/** Codes the tiers API answers that belong to one input. */
export const TIER_CODE_FIELDS: Record<string, string> = {
  threshold_basis_mismatch: "threshold",
  entry_reward_invalid: "entry_reward_id",
};
