// The shop's own PostHog, as the server's batches and the widget's posthog-js reach it: only when
// the shop turned it on, with its project key; and the one distinct_id a customer has in it, so
// the widget's events and the server's land on the same person without naming the customer.
import type { PosthogConfig } from "../workers/providers/types";
import { toHex, utf8 } from "./encoding";
import type { DataKeys } from "./crypto";
import type { AnalyticsSettings } from "./store-settings";

/**
 * null while the shop has PostHog off (or, from an old version, no key). `originOverride`: the
 * dev and test stand-in's origin, which replaces PostHog's host (null in production).
 */
export function posthogConfig(analytics: AnalyticsSettings, originOverride: string | null): PosthogConfig | null {
  if (!analytics.posthog_enabled || analytics.posthog_project_api_key === null) return null;
  return { project_api_key: analytics.posthog_project_api_key, host: originOverride ?? analytics.posthog_host };
}

/**
 * A customer's PostHog distinct_id: a keyed hash (the blind-index key) of shop and customer,
 * its own purpose so it matches no other hash we keep (a GDPR tombstone's, say). Without the
 * key it cannot be walked back to the Shopify customer id, which is a small, guessable number.
 */
export async function posthogDistinctId(keys: DataKeys, shop: string, customerId: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", keys.blindIndex, utf8(`posthog\n${shop}\n${customerId}`));
  return `ln_${toHex(mac).slice(0, 32)}`;
}

/**
 * A staff member's distinct_id in the shop's PostHog (the dashboard's posthog-js): a keyed hash
 * of shop and Shopify user id, its own purpose, so it is neither the user id nor any customer's.
 */
export async function posthogStaffId(keys: DataKeys, shop: string, userId: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", keys.blindIndex, utf8(`posthog-staff\n${shop}\n${userId}`));
  return `ln_staff_${toHex(mac).slice(0, 32)}`;
}

/** Where PostHog is reached for this env: the providers' rule (workers/providers/http.ts). */
export { providersOriginOverride } from "./providers-origin";
