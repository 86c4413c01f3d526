// The referral offer as a shopper reads it: both sides' rewards, and the headline, the two sides'
// texts and the share message in their language. The merchant's copy (program.referral.translations)
// wins field by field; the widget's strings (core/i18n.ts) fill the rest. Pure: the storefront's
// JSON (workers/storefront/referrals.ts) and the referral page (referral-page.ts) both build it,
// each with its own way of writing amounts and of making text safe for where it goes.
import { WIDGET_TRANSLATIONS, type WidgetLanguage } from "./i18n";
import type { ReferralConfig, ReferralReward } from "./referral-config";

/** One side's reward as the storefront shows it: what it is, never how it is issued. */
export type ReferralRewardView =
  | { type: "points"; points: number }
  | { type: "discount"; discount: "percentage" | "fixed_amount"; value: string; min_order_subtotal: string | null }
  | { type: "none" };

export interface ReferralOffer {
  advocate: ReferralRewardView;
  friend: ReferralRewardView;
  headline: string;
  /** null when the advocate gets nothing and the merchant wrote nothing for it. */
  advocate_text: string | null;
  friend_text: string | null;
  /** `{{link}}` and `{{code}}` are filled when the shopper has a code, else left for the widget. */
  share_message: string;
}

/** How the caller writes the parts it knows best; each answer is already safe for its output. */
export interface OfferWriter {
  /** "50 points" in the shop's name for points. */
  points(count: number): string;
  /** "$10.00" from a decimal string ("10.00"). */
  money(amount: string): string;
  /**
   * A template with its `{{name}}` placeholders filled: the template's own text made safe (the
   * page escapes it, the JSON keeps it), the values inserted as they are. A placeholder without
   * a value stays as written.
   */
  fill(template: string, values: Record<string, string>): string;
}

export function rewardView(reward: ReferralReward): ReferralRewardView {
  switch (reward.type) {
    case "points":
      return { type: "points", points: reward.points };
    case "discount":
      return { type: "discount", discount: reward.discount, value: reward.value, min_order_subtotal: reward.min_order_subtotal };
    case "none":
      return { type: "none" };
  }
}

/** "50 points", "10% off", "$5.00 off"; null for no reward. */
export function rewardPhrase(reward: ReferralReward, language: WidgetLanguage, writer: OfferWriter): string | null {
  const strings = WIDGET_TRANSLATIONS[language];
  switch (reward.type) {
    case "points":
      return writer.points(reward.points);
    case "discount":
      return reward.discount === "percentage"
        ? writer.fill(strings.referral_reward_percentage, { value: writer.fill(trimZeros(reward.value), {}) })
        : writer.fill(strings.referral_reward_amount, { amount: writer.money(reward.value) });
    case "none":
      return null;
  }
}

/** "10.00" → "10", "12.50" → "12.5": a percentage reads without its trailing zeros. */
function trimZeros(value: string): string {
  return value.includes(".") ? value.replace(/\.?0+$/, "") : value;
}

export function referralOffer(
  config: ReferralConfig,
  language: WidgetLanguage,
  writer: OfferWriter,
  code: { code: string; link: string } | null,
): ReferralOffer {
  const strings = WIDGET_TRANSLATIONS[language];
  const copy = config.translations[language] ?? {};
  const advocateReward = rewardPhrase(config.advocate_reward, language, writer);
  const friendReward = rewardPhrase(config.friend_reward, language, writer);
  const rewards: Record<string, string> = {};
  if (advocateReward !== null) rewards.advocate_reward = advocateReward;
  if (friendReward !== null) rewards.friend_reward = friendReward;
  const signup = config.completion === "signup";

  const headline =
    advocateReward && friendReward
      ? strings.referral_headline
      : friendReward
        ? strings.referral_headline_friend
        : advocateReward
          ? strings.referral_headline_advocate
          : strings.referral_headline_none;
  const advocateText = signup ? strings.referral_advocate_text_signup : strings.referral_advocate_text;
  const friendText = signup ? strings.referral_friend_text_signup : strings.referral_friend_text;
  const share = friendReward ? strings.referral_share_message : strings.referral_share_message_plain;
  const known = { ...rewards, ...(code ? { link: code.link, code: code.code } : {}) };

  return {
    advocate: rewardView(config.advocate_reward),
    friend: rewardView(config.friend_reward),
    headline: writer.fill(copy.headline ?? headline, rewards),
    advocate_text: copy.advocate_text ? writer.fill(copy.advocate_text, rewards) : advocateReward && writer.fill(advocateText, { reward: advocateReward }),
    friend_text: copy.friend_text ? writer.fill(copy.friend_text, rewards) : friendReward && writer.fill(friendText, { reward: friendReward }),
    share_message: writer.fill(copy.share_message ?? share, known),
  };
}

/** Fills `{{name}}` placeholders; `literal` turns the template's own text into the output's. */
export function fillTemplate(template: string, values: Record<string, string>, literal: (text: string) => string = (text) => text): string {
  let out = "";
  let last = 0;
  for (const match of template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
    const value = values[match[1]!];
    if (value === undefined) continue;
    out += literal(template.slice(last, match.index)) + value;
    last = match.index + match[0].length;
  }
  return out + literal(template.slice(last));
}

/** The JSON's writer: plain text, amounts with Intl in the shopper's language (and currency, when known). */
export function plainWriter(language: WidgetLanguage, currency: string | null, pointsName: (count: number) => string): OfferWriter {
  let money: Intl.NumberFormat;
  try {
    money = currency ? new Intl.NumberFormat(language, { style: "currency", currency }) : plainAmount(language);
  } catch {
    money = plainAmount(language);
  }
  return {
    points: (count) => fillTemplate(WIDGET_TRANSLATIONS[language].points_amount, { count: String(count), points: pointsName(count) }),
    money: (amount) => money.format(Number(amount)),
    fill: (template, values) => fillTemplate(template, values),
  };
}

const plainAmount = (language: string) => new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The shop's name for points in `language`, by count ("1 star", "5 stars"). */
export function pointsNamer(language: string, names: { singular: string; plural: string }): (count: number) => string {
  const plurals = new Intl.PluralRules(language);
  return (count) => (plurals.select(count) === "one" ? names.singular : names.plural);
}
