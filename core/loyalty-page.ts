// The shop's loyalty page (GET /proxy/v1/api/rewards, /apps/loyalnest/rewards on the shop's
// domain): Liquid that Shopify renders inside the shop's theme (`content-type:
// application/liquid`), for shoppers and search engines alike. Pure: it takes what the shop offers
// and the shopper's language and returns the markup.
//
// As on the referral page (referral-page.ts, whose helpers this shares), every text that is not
// ours is HTML-escaped with `{` and `}` escaped too, so none of the merchant's copy, reward or tier
// texts can reach Liquid. The Liquid we write: the `money` filters, so amounts read in the shop's
// own currency and format (we do not keep the shop's currency; Intl writes the counts), and the
// customer account routes, so the join and sign-in links follow the shop's locale and customer
// accounts setup.
import { WIDGET_TRANSLATIONS, type WidgetLanguage } from "./i18n";
import type { ProgramSettings } from "./program";
import { referralOffer, pointsNamer, fillTemplate, type OfferWriter } from "./referral-offer";
import { amountToCents, escapeHtml, pageWriter } from "./referral-page";
import type { StorefrontReward } from "./rewards";
import type { StorefrontCopy } from "./storefront-content";
import { displayThreshold, ladder, tierText, type VipTier } from "./tiers";
import { storefrontProgram, waysToEarn, type WayToEarn } from "./ways-to-earn";

type Strings = (typeof WIDGET_TRANSLATIONS)[WidgetLanguage];
type Key = keyof Strings & string;

/** Networks are brand names, the same in every language (as in the widget's earn.tsx). */
const NETWORKS: Record<string, string> = { instagram: "Instagram", facebook: "Facebook", tiktok: "TikTok", x: "X", youtube: "YouTube", pinterest: "Pinterest" };

export interface LoyaltyPageInput {
  language: WidgetLanguage;
  program: ProgramSettings;
  /** The enabled rewards, already in `language` (core/rewards.ts localizeReward). */
  rewards: readonly StorefrontReward[];
  /** Every tier of the shop; the page shows the ladder of the program's basis. */
  tiers: readonly VipTier[];
  /** The merchant's copy in `language` (fields left out: the page's own strings). */
  copy: StorefrontCopy;
}

/**
 * The strings of i18next's JSON v4 format the page uses: `key_one`/`key_other` by the language's
 * plural rules when there is a count (the server's side of widget/src/translate.ts).
 */
function translator(language: WidgetLanguage) {
  const strings = WIDGET_TRANSLATIONS[language] as Readonly<Record<string, string>>;
  const plurals = new Intl.PluralRules(language);
  return (key: Key, count?: number): string => (count === undefined ? undefined : strings[`${key}_${plurals.select(count)}`]) ?? strings[key] ?? key;
}

/** The merchant's intro: paragraphs at blank lines, line breaks kept; escaped. */
function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/\r?\n/g, "<br>")}</p>`);
}

export function renderLoyaltyPage({ language, program, rewards, tiers, copy }: LoyaltyPageInput): string {
  const t = translator(language);
  const number = new Intl.NumberFormat(language);
  const currency = storefrontProgram(program, language).currency;
  const names = pointsNamer(language, currency);
  const plural = currency.plural;
  const write = pageWriter(language, names, false, (count) => number.format(count));
  const fill = (key: Key, values: Record<string, string>, count?: number) => write.fill(t(key, count), values);
  // "$1" rather than "$1.00" where the amount is a rate's unit or a round goal.
  const price = (amount: string) => `{{ ${amountToCents(amount)} | money_without_trailing_zeros }}`;

  const title = escapeHtml(copy.loyalty_page_title ?? t("loyalty_page_title"));
  const description = escapeHtml(copy.loyalty_page_description ?? fillTemplate(t("loyalty_page_description"), { points: plural }));
  const intro = copy.loyalty_page_intro ? paragraphs(copy.loyalty_page_intro) : [`<p>${fill("loyalty_page_intro", { points: escapeHtml(plural) })}</p>`];
  const head = [
    // Inside the theme's page Shopify keeps the theme's <head>; a description here still tells
    // crawlers and link previews what the page offers.
    `<meta name="description" content="${description}">`,
    `<div class="loyalnest-loyalty-page" lang="${escapeHtml(language)}">`,
    `<h1>${title}</h1>`,
    ...intro,
  ];
  if (!program.enabled) return [...head, `<p>${escapeHtml(t("loyalty_page_paused"))}</p>`, `</div>`].join("\n");

  const section = (id: string, heading: string, body: string[]) => [
    `<section aria-labelledby="loyalnest-${id}">`,
    `<h2 id="loyalnest-${id}">${escapeHtml(heading)}</h2>`,
    ...body,
    `</section>`,
  ];
  const list = (items: string[][]) => [`<ul>`, ...items.flatMap((item) => [`<li>`, ...item, `</li>`]), `</ul>`];

  const ways = waysToEarn(program);
  const earn = section("earn", t("ways_to_earn"), ways.length ? list(ways.map((way) => wayItem(way, write, fill, names, price, number))) : [`<p>${escapeHtml(t("no_ways"))}</p>`]);

  const catalog = section(
    "rewards",
    t("view_catalog"),
    rewards.length
      ? list(
          rewards.map((reward) => [
            `<h3>${escapeHtml(reward.title)}</h3>`,
            ...(reward.description ? [`<p>${escapeHtml(reward.description)}</p>`] : []),
            `<p>${
              reward.type === "points_to_money"
                ? fill("loyalty_page_points_rate", { count: number.format(reward.points_cost), points: escapeHtml(names(reward.points_cost)), amount: price("1") }, reward.points_cost)
                : write.points(reward.points_cost)
            }</p>`,
            ...(reward.min_order_subtotal ? [`<p>${fill("min_order", { amount: write.money(reward.min_order_subtotal) })}</p>`] : []),
          ]),
        )
      : [`<p>${escapeHtml(t("loyalty_page_no_rewards"))}</p>`],
  );

  const basis = program.tier_policy.basis;
  const climb = ladder(tiers, basis);
  const vip = climb.length
    ? section(
        "tiers",
        t("loyalty_page_tiers"),
        list(
          climb.map((tier) => {
            const text = tierText(tier, language);
            const threshold = displayThreshold(basis, tier.threshold);
            const from =
              typeof threshold === "number"
                ? fill("tier_from_points", { amount: write.points(threshold) })
                : fill("tier_from_spend", { amount: price(threshold) });
            const perks = [
              ...(tier.earn_multiplier !== 1 ? [fill("loyalty_page_tier_multiplier", { multiplier: number.format(tier.earn_multiplier), points: escapeHtml(plural) })] : []),
              ...(tier.discount ? [fill("loyalty_page_tier_discount", { value: number.format(Number(tier.discount.percentage)) })] : []),
              ...(tier.free_shipping ? [escapeHtml(t("loyalty_page_tier_free_shipping"))] : []),
              ...text.perks.map(escapeHtml),
            ];
            return [`<h3>${escapeHtml(text.name)}</h3>`, `<p>${from}</p>`, ...(perks.length ? list(perks.map((perk) => [perk])) : [])];
          }),
        ),
      )
    : [];

  const referral = program.referral.enabled ? referralSection(program, language, write, section) : [];

  return [
    ...head,
    ...earn,
    ...catalog,
    ...vip,
    ...referral,
    // Liquid knows whether the shopper is signed in, and the shop's account URLs.
    `{% unless customer %}`,
    `<p><a class="button" href="{{ routes.account_register_url }}">${escapeHtml(t("loyalty_page_join"))}</a> <a href="{{ routes.account_login_url }}">${escapeHtml(t("loyalty_page_sign_in"))}</a></p>`,
    `{% endunless %}`,
    `</div>`,
  ].join("\n");
}

/** "10 points per $1 spent", "Follow us on Instagram" with its award and limit. */
function wayItem(
  way: WayToEarn,
  write: OfferWriter,
  fill: (key: Key, values: Record<string, string>, count?: number) => string,
  names: (count: number) => string,
  price: (amount: string) => string,
  number: Intl.NumberFormat,
): string[] {
  const points = escapeHtml(names(way.points));
  const count = way.action === "goal_spend" ? way.days ?? 0 : way.points;
  const action = way.action === "social_follow" && !way.network ? "social_follow_any" : way.action;
  const title = fill(`way_${action}` as Key, {
    count: number.format(count),
    points,
    amount: price(way.action === "purchase" ? "1" : way.amount ?? "0"),
    network: escapeHtml(NETWORKS[way.network ?? ""] ?? way.network ?? ""),
  }, count);
  return [
    `<h3>${title}</h3>`,
    ...(way.action === "purchase" ? [] : [`<p>${fill("award", { count: number.format(way.points), points })}</p>`]),
    ...(way.limit ? [`<p>${fill(`limit_${way.limit.period}` as Key, { count: number.format(way.limit.count) }, way.limit.count)}</p>`] : []),
  ];
}

/** The referral offer as a member reads it: what they give, what they get. */
function referralSection(program: ProgramSettings, language: WidgetLanguage, write: OfferWriter, section: (id: string, heading: string, body: string[]) => string[]): string[] {
  const offer = referralOffer(program.referral, language, write, null);
  const texts = [offer.advocate_text, offer.friend_text].filter((text): text is string => text !== null);
  return section("referral", WIDGET_TRANSLATIONS[language].view_referrals, [`<p><strong>${offer.headline}</strong></p>`, ...texts.map((text) => `<p>${text}</p>`)]);
}

/** The page when the shop has it off, or has not installed the app: Liquid all the same, in the theme. */
export function renderLoyaltyPageNotFound(language: WidgetLanguage): string {
  const strings = WIDGET_TRANSLATIONS[language];
  return [
    `<meta name="robots" content="noindex">`,
    `<div class="loyalnest-loyalty-page" lang="${escapeHtml(language)}">`,
    `<h1>${escapeHtml(strings.loyalty_page_not_found_title)}</h1>`,
    `<p>${escapeHtml(strings.loyalty_page_not_found)}</p>`,
    `<p><a class="button" href="{{ routes.root_url }}">${escapeHtml(strings.loyalty_page_shop)}</a></p>`,
    `</div>`,
  ].join("\n");
}
