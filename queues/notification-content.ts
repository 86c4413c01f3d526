// What a notification says: the template variables from the event's facts, the claim (the
// customer's first name, their balance, a reward's code) and the shop's configuration (its
// name, tier names), rendered in the customer's language among the shop's
// (core/notification-templates.ts renderForCustomer).
import type { NotificationsMessage } from "../core/notifications";
import { renderForCustomer, type NotificationVars } from "../core/notification-templates";
import { type StoreLanguage } from "../core/store-settings";
import type { NotificationClaim } from "../durable-objects/customer-account-types";
import { notificationSetup } from "../d1/notification-templates";
import { getStoreSettings } from "../d1/store-settings";
import { shopTiers } from "../d1/vip-tiers";

type Notify = Extract<NotificationsMessage, { kind: "notify" }>;
type Claimed = Extract<NotificationClaim, { state: "send" }>;

export interface Content {
  language: StoreLanguage | null;
  subject: string;
  html: string;
  text: string;
  /** Klaviyo: the event's properties (the variables) and the profile's loyalty properties. */
  properties: Record<string, unknown>;
  profileProperties: Record<string, unknown>;
}

export async function notificationContent(env: Env, n: Notify, claim: Claimed, channel: Notify["channel"]): Promise<Content> {
  const [settings, setup, tiers] = await Promise.all([
    getStoreSettings(env, n.shop),
    notificationSetup(env, n.shop),
    n.facts.tier_id ? shopTiers(env, n.shop) : Promise.resolve([]),
  ]);
  const tierName = (id: string | null | undefined, language: StoreLanguage) => {
    const tier = id ? tiers.find((t) => t.id === id) : undefined;
    return tier ? (tier.translations[language]?.name ?? tier.translations.en.name) : null;
  };
  const vars = (language: StoreLanguage): NotificationVars => ({
    shop_name: settings.store_name ?? n.shop.replace(/\.myshopify\.com$/, ""),
    points_balance: n.facts.points_balance ?? claim.pointsBalance,
    first_name: claim.contact.first_name,
    points: n.facts.points ?? null,
    reward_title: n.facts.reward_title ?? null,
    discount_code: claim.discountCode,
    tier_name: tierName(n.facts.tier_id, language),
    previous_tier_name: tierName(n.facts.previous_tier_id, language),
    expiring_points: n.facts.expiring_points ?? null,
    expires_at: n.facts.expires_at ?? null,
    widget_url: `https://${n.shop}/apps/loyalnest/rewards`,
  });
  if (channel === "klaviyo") {
    // Klaviyo writes its own messages (the merchant's flows): it gets the facts, in the shop's default language.
    const facts = vars(setup.default_language);
    const properties = Object.fromEntries(Object.entries(facts).filter(([name, v]) => v !== null && v !== undefined && name !== "first_name"));
    const profileProperties = { loyalnest_points_balance: claim.pointsBalance, ...(facts.tier_name ? { loyalnest_tier: facts.tier_name } : {}) };
    return { language: null, subject: "", html: "", text: "", properties, profileProperties };
  }
  // The language is chosen first (the customer's, if the shop offers it), so tier names follow it.
  const first = renderForCustomer(setup, { type: n.type, channel, customer_language: claim.locale, vars: vars(setup.default_language) });
  const { language, rendered } =
    first.language === setup.default_language ? first : renderForCustomer(setup, { type: n.type, channel, customer_language: claim.locale, vars: vars(first.language) });
  return {
    language,
    subject: "subject" in rendered ? rendered.subject : "",
    html: "html" in rendered ? rendered.html : "",
    text: rendered.text,
    properties: {},
    profileProperties: {},
  };
}
