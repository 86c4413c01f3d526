// Entry of widget-analytics.js: posthog-js (the slim build that loads no further scripts), added
// by the launcher only when the shop has PostHog on and the shopper allows analytics
// (analytics.ts). Its own instance, so a theme's own posthog-js is left alone. Only the events
// the widget names: no autocapture, pageviews, session recording, surveys or flags.
import { PostHog } from "posthog-js/dist/module.slim.no-external";

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
    persistence: "localStorage",
    persistence_name: "loyalnest_ph",
  });
  return {
    capture: (event, properties) => void posthog.capture(event, properties),
    consent: (allowed) => (allowed ? posthog.opt_in_capturing() : posthog.opt_out_capturing()),
  };
});
