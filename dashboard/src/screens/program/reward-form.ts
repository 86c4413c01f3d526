// A reward (POST /v1/api/rewards, PUT /v1/api/rewards/:id) as form values and back. PUT
// replaces the whole reward, so the form always sends every field.
import { fromNumber, fromText, toNullableNumber, toNullableText, toNumber, type FormValues } from "./fields";

export const REWARD_TYPES = ["fixed_amount", "percentage", "free_shipping", "free_product", "points_to_money"] as const;
export type RewardType = (typeof REWARD_TYPES)[number];
export const REWARD_LANGUAGES = ["en", "es", "fr"] as const;

export interface Reward {
  reward_id: string;
  version: number;
  type: RewardType;
  points_cost: number;
  value: string | null;
  min_points: number | null;
  max_points: number | null;
  product_variant_gid: string | null;
  min_order_subtotal: string | null;
  code_expiry_days: number | null;
  enabled: boolean;
  sort: number;
  translations: Partial<Record<(typeof REWARD_LANGUAGES)[number], { title: string; description: string }>>;
  created_at: string;
  updated_at: string;
}

export const NEW_REWARD: FormValues = {
  type: "fixed_amount",
  points_cost: "500",
  value: "",
  min_points: "",
  max_points: "",
  product_variant_gid: "",
  min_order_subtotal: "",
  code_expiry_days: "30",
  enabled: true,
  sort: "0",
  ...Object.fromEntries(REWARD_LANGUAGES.flatMap((l) => [[`translations.${l}.title`, ""], [`translations.${l}.description`, ""]])),
};

export function rewardToForm(reward: Reward): FormValues {
  const values: FormValues = {
    type: reward.type,
    points_cost: fromNumber(reward.points_cost),
    value: fromText(reward.value),
    min_points: fromNumber(reward.min_points),
    max_points: fromNumber(reward.max_points),
    product_variant_gid: fromText(reward.product_variant_gid),
    min_order_subtotal: fromText(reward.min_order_subtotal),
    code_expiry_days: fromNumber(reward.code_expiry_days),
    enabled: reward.enabled,
    sort: fromNumber(reward.sort),
  };
  for (const language of REWARD_LANGUAGES) {
    values[`translations.${language}.title`] = fromText(reward.translations[language]?.title);
    values[`translations.${language}.description`] = fromText(reward.translations[language]?.description);
  }
  return values;
}

/** The reward as the API takes it; a language with neither title nor description is left out (it reads English). */
export function rewardBody(values: FormValues): Record<string, unknown> {
  const text = (key: string) => String(values[key] ?? "").trim();
  const translations: Record<string, { title: string; description: string }> = {};
  for (const language of REWARD_LANGUAGES) {
    const title = text(`translations.${language}.title`);
    const description = text(`translations.${language}.description`);
    if (language === "en" || title || description) translations[language] = { title, description };
  }
  // Inputs the type hides go as null: a value typed before switching type is not a hidden error.
  const uses = rewardInputsFor(String(values.type));
  return {
    type: values.type,
    points_cost: toNumber(values.points_cost ?? ""),
    value: uses.value ? toNullableText(values.value ?? "") : null,
    min_points: uses.range ? toNullableNumber(values.min_points ?? "") : null,
    max_points: uses.range ? toNullableNumber(values.max_points ?? "") : null,
    product_variant_gid: uses.variant ? toNullableText(values.product_variant_gid ?? "") : null,
    min_order_subtotal: toNullableText(values.min_order_subtotal ?? ""),
    code_expiry_days: toNullableNumber(values.code_expiry_days ?? ""),
    enabled: values.enabled === true,
    sort: toNumber(values.sort ?? "0"),
    translations,
  };
}

/** Which inputs a type uses (the rest stay empty and are sent as null). */
export function rewardInputsFor(type: string): { value: boolean; range: boolean; variant: boolean } {
  return {
    value: type !== "points_to_money",
    range: type === "points_to_money",
    variant: type === "free_product",
  };
}
