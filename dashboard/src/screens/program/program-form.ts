// The points program (GET/PUT /v1/api/points-program) as form values and back. The PUT sends
// the whole form as one patch: the API applies it as one new version or refuses all of it, so
// nothing is ever saved half-way. Referral points (the referrals screen) and the default
// language (store settings) are not sent: fields left out keep their values.
import { fromNumber, fromText, getPath, setPath, toNullableNumber, toNumber, type FormValues } from "./fields";

export const SIMPLE_ACTIONS = ["signup", "newsletter", "review", "birthday"] as const;
export const LIMITED_ACTIONS = [...SIMPLE_ACTIONS, "social_follow", "goal_spend"] as const;
export const SOCIAL_NETWORKS = ["instagram", "facebook", "tiktok", "x", "youtube", "pinterest"] as const;
export const LIMIT_PERIODS = ["lifetime", "day", "week", "month", "year"] as const;
export const EXPIRY_MODES = ["never", "after_earning", "after_inactivity"] as const;
export const TIER_BASES = ["points", "spend"] as const;
export const TIER_PERIODS = ["lifetime", "calendar_year", "rolling_12_months"] as const;
export const DOWNGRADES = ["never", "period_end", "grace"] as const;

export interface ProgramAnswer {
  version: number;
  config: Record<string, unknown>;
  branding: Record<string, unknown>;
}

type Kind = "bool" | "number" | "nullableNumber" | "text" | "offered";

/** Every input of the form, by the API path it edits. */
export const PROGRAM_FIELDS: Record<string, Kind> = {
  "config.enabled": "bool",
  "config.purchase": "number",
  ...Object.fromEntries(SIMPLE_ACTIONS.map((a) => [`config.${a}`, "number"])),
  // A network left empty is not offered.
  ...Object.fromEntries(SOCIAL_NETWORKS.map((n) => [`config.social_follow.${n}`, "offered"])),
  "config.goal_spend.enabled": "bool",
  "config.goal_spend.amount": "text",
  "config.goal_spend.days": "number",
  "config.goal_spend.points": "number",
  ...Object.fromEntries(LIMITED_ACTIONS.flatMap((a) => [[`config.limits.${a}.count`, "number"], [`config.limits.${a}.period`, "text"]])),
  "config.earn_base.include_shipping": "bool",
  "config.earn_base.include_tax": "bool",
  "config.tiers.basis": "text",
  "config.tiers.period": "text",
  "config.tiers.downgrade": "text",
  "config.tiers.grace_days": "number",
  "config.points_expiry.mode": "text",
  "config.points_expiry.months": "number",
  // Empty: no reminder.
  "config.points_expiry.reminder_days": "nullableNumber",
  "config.return_points_on_code_expiry": "bool",
  "branding.points_currency_singular": "text",
  "branding.points_currency_plural": "text",
};

export function programToForm(answer: ProgramAnswer): FormValues {
  const values: FormValues = {};
  for (const [key, kind] of Object.entries(PROGRAM_FIELDS)) {
    const value = getPath(answer, key);
    values[key] = kind === "bool" ? value === true : kind === "text" ? fromText(value) : fromNumber(value);
  }
  return values;
}

/** The PUT body for the form's values. */
export function programPatch(values: FormValues): { config: Record<string, unknown>; branding: Record<string, unknown> } {
  const body: Record<string, unknown> = { config: { social_follow: {} }, branding: {} };
  for (const [key, kind] of Object.entries(PROGRAM_FIELDS)) {
    const value = values[key] ?? "";
    if (kind === "bool") setPath(body, key, value === true);
    else if (kind === "number") setPath(body, key, toNumber(value));
    else if (kind === "nullableNumber") setPath(body, key, toNullableNumber(value));
    else if (kind === "offered") {
      if (String(value).trim() !== "") setPath(body, key, toNumber(value));
    } else setPath(body, key, String(value).trim());
  }
  return body as { config: Record<string, unknown>; branding: Record<string, unknown> };
}
