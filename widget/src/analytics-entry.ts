// Entry of widget-analytics.js: posthog-js (the slim build that loads no further scripts), added
// by the launcher only when the shop has PostHog on and the shopper allows analytics
// (analytics.ts). Its own instance, so a theme's own posthog-js is left alone. Only the events
// the widget names: no autocapture, pageviews, session recording, surveys or flags.
import { PostHog, type CaptureResult } from "posthog-js/dist/module.slim.no-external";

/** Properties posthog-js fills with the page's address (current URL, entry URL, pathname…). */
const ADDRESS = /url|pathname/i;

/**
 * A page address without what could name the shopper: no query or hash (an email in a link, a
 * token), and customer account pages (reset and activation links carry tokens) as /account.
 */
function scrubAddress(key: string, value: string): string {
  const url = new URL(value, location.origin);
  const path = url.pathname.startsWith("/account") ? "/account" : url.pathname;
  return key.endsWith("pathname") ? path : url.origin + path;
}

function scrub(properties: Record<string, unknown> | undefined) {
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (!ADDRESS.test(key) || typeof value !== "string" || !value) continue;
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

window.__loyalnestAnalytics?.((config) => {
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
    // The customer's keyed hash (no PII) when signed in; else posthog-js's anonymous id.
    bootstrap: config.distinct_id ? { distinctID: config.distinct_id, isIdentifiedID: true } : undefined,
    person_profiles: "identified_only",
    save_referrer: false,
    save_campaign_params: false,
    before_send: scrubbed,
    persistence: "localStorage",
    persistence_name: "loyalnest_ph",
  });
  return {
    capture: (event, properties) => void posthog.capture(event, properties),
    consent: (allowed) => (allowed ? posthog.opt_in_capturing() : posthog.opt_out_capturing()),
  };
});
