// The referral page a friend lands on (GET /proxy/v1/api/r/:code): Liquid that Shopify renders
// inside the shop's theme (`content-type: application/liquid`). Pure: it takes the offer's
// config and the shopper's language and returns the markup.
//
// Liquid runs over everything we answer, so every piece of text that is not ours (the merchant's
// copy) is HTML-escaped with `{` and `}` escaped too: no `{{ … }}` or `{% … %}` of a merchant's
// can reach Liquid. The one piece of Liquid we write is the `money` filter, so amounts read in
// the shop's own currency and format (we do not keep the shop's currency).
import { WIDGET_TRANSLATIONS, type WidgetLanguage } from "./i18n";
import type { ReferralConfig, ReferralReward } from "./referral-config";
import { fillTemplate, pointsNamer, rewardPhrase, type OfferWriter } from "./referral-offer";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "{": "&#123;", "}": "&#125;" };

/** Text safe in HTML content and attributes, and inert to Liquid. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'{}]/g, (char) => HTML_ESCAPES[char]!);
}

/** "10.00" → 1000: the cents Liquid's `money` filter takes (amounts are validated decimals, at most 2 places). */
export function amountToCents(amount: string): number {
  const [units = "0", fraction = ""] = amount.split(".");
  return Number(units) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}

/**
 * How a Liquid page writes an offer: text escaped, amounts through Liquid's `money` filter.
 * `attribute`: inside an attribute the shop's money format's HTML (some wrap it in a span) is
 * stripped. `number` writes counts (the loyalty page groups them with Intl).
 */
export function pageWriter(
  language: WidgetLanguage,
  pointsName: (count: number) => string,
  attribute: boolean,
  number: (count: number) => string = String,
): OfferWriter {
  return {
    points: (count) => escapeHtml(fillTemplate(WIDGET_TRANSLATIONS[language].points_amount, { count: number(count), points: pointsName(count) })),
    money: (amount) => `{{ ${amountToCents(amount)} | money${attribute ? " | strip_html | escape" : ""} }}`,
    fill: (template, values) => fillTemplate(template, values, escapeHtml),
  };
}

export interface ReferralPageInput {
  language: WidgetLanguage;
  config: ReferralConfig;
  /** The shop's name for points in `language`. */
  pointsNames: { singular: string; plural: string };
  /** The advocate's code, normalised; null when the link's code is no one's (the page says so). */
  code: string | null;
}

export function renderReferralPage({ language, config, pointsNames, code }: ReferralPageInput): string {
  const strings = WIDGET_TRANSLATIONS[language];
  const lang = escapeHtml(language);
  if (code === null) {
    return [
      `<meta name="description" content="${escapeHtml(strings.referral_page_invalid_title)}">`,
      `<div class="loyalnest-referral" lang="${lang}">`,
      `<h1>${escapeHtml(strings.referral_page_invalid_title)}</h1>`,
      `<p>${escapeHtml(strings.referral_page_invalid)}</p>`,
      `<p><a class="button" href="/">${escapeHtml(strings.referral_shop_now)}</a></p>`,
      `</div>`,
    ].join("\n");
  }
  const names = pointsNamer(language, pointsNames);
  const body = pageWriter(language, names, false);
  const attribute = pageWriter(language, names, true);
  // The page speaks to the friend: its own texts ("for you", "your friend gets"), the merchant's
  // copy where they wrote some.
  const copy = config.translations[language] ?? {};
  const signup = config.completion === "signup";
  const headline = (writer: OfferWriter) => {
    const friendReward = rewardPhrase(config.friend_reward, language, writer);
    const advocateReward = rewardPhrase(config.advocate_reward, language, writer);
    const rewards = { ...(friendReward ? { friend_reward: friendReward } : {}), ...(advocateReward ? { advocate_reward: advocateReward } : {}) };
    if (copy.headline) return writer.fill(copy.headline, rewards);
    return friendReward ? writer.fill(strings.referral_page_headline, rewards) : writer.fill(strings.referral_page_headline_none, {});
  };
  const sideText = (reward: ReferralReward, merchant: string | undefined, template: string) => {
    const phrase = rewardPhrase(reward, language, body);
    if (phrase === null) return null;
    return merchant ? body.fill(merchant, { reward: phrase }) : body.fill(template, { reward: phrase });
  };
  const minOrder = (reward: ReferralReward) =>
    reward.type === "discount" && reward.min_order_subtotal
      ? `\n<p>${fillTemplate(strings.min_order, { amount: body.money(reward.min_order_subtotal) }, escapeHtml)}</p>`
      : "";
  const side = (id: string, heading: string, reward: ReferralReward, text: string | null) =>
    text === null ? [] : [`<section aria-labelledby="${id}">`, `<h2 id="${id}">${escapeHtml(heading)}</h2>`, `<p>${text}</p>${minOrder(reward)}`, `</section>`];
  const forYou = sideText(config.friend_reward, copy.friend_text, signup ? strings.referral_page_you_signup : strings.referral_page_you);
  const forFriend = sideText(config.advocate_reward, copy.advocate_text, signup ? strings.referral_page_advocate_signup : strings.referral_page_advocate);
  // The code is ours (normalised to the code alphabet); escaped all the same.
  const safeCode = escapeHtml(code);
  return [
    // Inside the theme's page Shopify keeps the theme's <head>; a description here still tells
    // crawlers and link previews what the page offers.
    `<meta name="description" content="${headline(attribute)}">`,
    `<div class="loyalnest-referral" lang="${lang}">`,
    `<h1>${headline(body)}</h1>`,
    `<p>${escapeHtml(strings.referral_page_intro)}</p>`,
    ...side("loyalnest-referral-you", strings.referral_page_for_you, config.friend_reward, forYou),
    ...side("loyalnest-referral-friend", strings.referral_page_for_friend, config.advocate_reward, forFriend),
    `<p>${fillTemplate(strings.referral_page_code, { code: `<strong>${safeCode}</strong>` }, escapeHtml)}</p>`,
    `<p><a class="button" href="/?ref=${encodeURIComponent(code)}">${escapeHtml(strings.referral_shop_now)}</a></p>`,
    `</div>`,
  ].join("\n");
}
