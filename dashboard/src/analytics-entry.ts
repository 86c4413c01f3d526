// Entry of analytics.js: posthog-js (the slim build that loads no further scripts), added by the
// dashboard only when the shop has PostHog on (analytics.ts). Only the events the dashboard names:
// no autocapture, pageviews, session recording, surveys or flags.
import { PostHog, type CaptureResult } from "posthog-js/dist/module.slim.no-external";

/** Properties posthog-js fills with addresses (current URL, pathname, referrer…). */
const ADDRESS = /url|pathname|referr/i;

/**
 * An address without its query or hash, and its path without what names a record: Shopify's
 * first load carries the session token (`id_token`), the shop and the host in the query.
 */
function scrubAddress(key: string, value: string): string {
  const url = new URL(value, location.origin);
  const path = url.pathname.replace(/\/[^/]*\d[^/]*/g, "/:id");
  return key.endsWith("pathname") ? path : url.origin + path;
}

function scrub(properties: Record<string, unknown> | undefined) {
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (!ADDRESS.test(key) || typeof value !== "string" || !value || value === "$direct") continue;
    try {
      properties![key] = scrubAddress(key, value);
    } catch {
      delete properties![key];
    }
  }
}

function scrubbed(event: CaptureResult | null): CaptureResult | null {
  if (event) [event.properties, event.$set, event.$set_once].forEach(scrub);
  return event;
}

window.__loyalnestDashboardAnalytics?.((config) => {
  const posthog = new PostHog();
  posthog.init(config.api_key, {
    api_host: config.host,
    autocapture: false,
    capture_pageview: false,
    capture_pageleave: false,
    disable_session_recording: true,
    disable_surveys: true,
    advanced_disable_flags: true,
    disable_external_dependency_loading: true,
    bootstrap: config.distinct_id ? { distinctID: config.distinct_id, isIdentifiedID: true } : undefined,
    person_profiles: "identified_only",
    save_referrer: false,
    save_campaign_params: false,
    before_send: scrubbed,
    persistence: "localStorage",
    persistence_name: "loyalnest_dashboard_ph",
  });
  return { capture: (event, properties) => void posthog.capture(event, properties) };
});
