// The referral program (GET/PUT /v1/api/referrals/config) as form values and back. Keys are the
// PUT body's paths ("config.fraud.reject_at"), so the API's 400 names the input it is about. A
// save sends the whole config as one patch: the API saves one new program version or nothing.
// Each side's reward is sent whole, as the type chosen shows it (the API replaces it whole).
import { fromNumber, fromText, getPath, setPath, toNullableText, toNumber, type FormValues } from "./fields";

export const REWARD_SIDES = ["advocate_reward", "friend_reward"] as const;
export const REWARD_TYPES = ["points", "discount", "none"] as const;
export const DISCOUNT_KINDS = ["percentage", "fixed_amount"] as const;
export const COMPLETIONS = ["signup", "first_order"] as const;
export const SHARE_CHANNELS = ["email", "sms", "whatsapp", "facebook", "x", "copy_link"] as const;
export const FRAUD_FIELDS = ["hold_at", "reject_at", "velocity_limit", "velocity_days"] as const;
/** The languages the dashboard edits copy in (the program also knows de: its copy is kept as it is). */
export const COPY_LANGUAGES = ["en", "es", "fr"] as const;
export const COPY_FIELDS = ["headline", "advocate_text", "friend_text", "share_message"] as const;

export interface ReferralAnswer {
  config: Record<string, unknown>;
}

const side = (s: string) => `config.${s}`;

export function referralToForm(answer: ReferralAnswer): FormValues {
  const values: FormValues = {
    "config.enabled": getPath(answer, "config.enabled") === true,
    "config.completion": fromText(getPath(answer, "config.completion")),
    "config.min_order_subtotal": fromText(getPath(answer, "config.min_order_subtotal")),
    "config.expiry_days": fromNumber(getPath(answer, "config.expiry_days")),
  };
  for (const s of REWARD_SIDES) {
    const reward = (getPath(answer, side(s)) ?? { type: "none" }) as Record<string, unknown>;
    values[`${side(s)}.type`] = fromText(reward.type);
    // Every type's inputs hold a value, so switching the type back and forth keeps what was typed.
    values[`${side(s)}.points`] = fromNumber(reward.points ?? 50);
    values[`${side(s)}.discount`] = fromText(reward.discount ?? "percentage");
    values[`${side(s)}.value`] = fromText(reward.value);
    values[`${side(s)}.min_order_subtotal`] = fromText(reward.min_order_subtotal);
    values[`${side(s)}.code_expiry_days`] = fromNumber(reward.code_expiry_days ?? 30);
  }
  for (const f of FRAUD_FIELDS) values[`config.fraud.${f}`] = fromNumber(getPath(answer, `config.fraud.${f}`));
  for (const c of SHARE_CHANNELS) values[`config.channels.${c}`] = getPath(answer, `config.channels.${c}`) === true;
  for (const language of COPY_LANGUAGES) {
    for (const f of COPY_FIELDS) values[`config.translations.${language}.${f}`] = fromText(getPath(answer, `config.translations.${language}.${f}`));
  }
  return values;
}

/** The PUT body for the form's values. */
export function referralPatch(values: FormValues): { config: Record<string, unknown> } {
  const text = (key: string) => String(values[key] ?? "").trim();
  const config: Record<string, unknown> = {
    enabled: values["config.enabled"] === true,
    completion: text("config.completion"),
    min_order_subtotal: toNullableText(text("config.min_order_subtotal")),
    expiry_days: toNumber(text("config.expiry_days")),
  };
  for (const s of REWARD_SIDES) {
    const type = text(`${side(s)}.type`);
    config[s] =
      type === "points"
        ? { type, points: toNumber(text(`${side(s)}.points`)) }
        : type === "discount"
          ? {
              type,
              discount: text(`${side(s)}.discount`),
              value: text(`${side(s)}.value`),
              min_order_subtotal: toNullableText(text(`${side(s)}.min_order_subtotal`)),
              code_expiry_days: toNumber(text(`${side(s)}.code_expiry_days`)),
            }
          : { type };
  }
  const body = { config };
  for (const f of FRAUD_FIELDS) setPath(body, `config.fraud.${f}`, toNumber(text(`config.fraud.${f}`)));
  for (const c of SHARE_CHANNELS) setPath(body, `config.channels.${c}`, values[`config.channels.${c}`] === true);
  // A language's copy is replaced whole; a language left with no words goes back to the widget's own (null).
  const translations: Record<string, Record<string, string> | null> = {};
  for (const language of COPY_LANGUAGES) {
    const copy = Object.fromEntries(COPY_FIELDS.map((f) => [f, text(`config.translations.${language}.${f}`)]).filter(([, v]) => v !== ""));
    translations[language] = Object.keys(copy).length ? copy : null;
  }
  config.translations = translations;
  return body;
}
