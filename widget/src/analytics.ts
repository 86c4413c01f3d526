// The shop's own PostHog in the shopper's browser, part of the panel's script (every event is
// the panel's, so the launcher's first load carries none of this). Nothing loads unless the
// widget config carries the shop's PostHog (the shop turned it on) AND Shopify's customer privacy API says the shopper
// allows analytics; only then is widget-analytics.js (posthog-js, outside the widget's budget)
// added to the page. Consent given later (Shopify's `visitorConsentCollected`) starts it then;
// consent withdrawn stops it. Events carry no PII: the customer is the server's keyed hash.
import type { WidgetConfig } from "./api";
import type { Settings } from "./settings";

export type AnalyticsEvent = "loyalnest_panel_opened" | "loyalnest_reward_redeemed";
export type EventProperties = Record<string, string | number | boolean | null>;
export type PosthogSettings = NonNullable<WidgetConfig["analytics"]>["posthog"];

/** What widget-analytics.js hands back once posthog-js runs. */
export interface AnalyticsClient {
  capture(event: AnalyticsEvent, properties: EventProperties): void;
  /** Consent withdrawn or given again after posthog-js started. */
  consent(allowed: boolean): void;
}

declare global {
  interface Window {
    /** Set by the launcher just before it adds widget-analytics.js, which calls it. */
    __loyalnestAnalytics?: (start: (posthog: PosthogSettings) => AnalyticsClient) => void;
  }
}

/** posthog-js, built beside the panel's script (widget/build.mjs). */
const SCRIPT = "widget-analytics.js";
/** Events made while the config or consent is unknown, or posthog-js is loading, wait: up to this many. */
const MAX_WAITING = 20;

export type Analytics = ReturnType<typeof createAnalytics>;

export function createAnalytics(settings: Settings) {
  /** undefined until the config is read; null when the shop has PostHog off. */
  let posthog: PosthogSettings | null | undefined;
  /** null until Shopify's privacy API answers. */
  let allowed: boolean | null = null;
  let client: AnalyticsClient | null = null;
  let loading = false;
  let waiting: [AnalyticsEvent, EventProperties][] = [];

  function load(config: PosthogSettings) {
    loading = true;
    window.__loyalnestAnalytics = (start) => {
      client = start(config);
      for (const [event, properties] of waiting) client.capture(event, properties);
      waiting = [];
    };
    const tag = document.createElement("script");
    tag.src = new URL(SCRIPT, settings.panelUrl).href;
    tag.async = true;
    // Analytics never break the widget: a failed load just leaves them off.
    tag.onerror = () => {
      tag.remove();
      waiting = [];
    };
    document.head.appendChild(tag);
  }

  function setConsent(next: boolean) {
    allowed = next;
    if (client) client.consent(next);
    else if (next && posthog && !loading) load(posthog);
    if (!next) waiting = [];
  }

  /** The config arrived: watch consent only when the shop has PostHog on. */
  function configure(config: WidgetConfig) {
    if (posthog !== undefined) return;
    posthog = config.analytics?.posthog ?? null;
    if (!posthog) {
      waiting = [];
      return;
    }
    const shopify = window.Shopify;
    const allowedNow = () => window.Shopify?.customerPrivacy?.analyticsProcessingAllowed?.() === true;
    document.addEventListener("visitorConsentCollected", (event) => setConsent((event as CustomEvent<{ analyticsAllowed?: boolean }>).detail?.analyticsAllowed === true));
    if (shopify?.customerPrivacy) setConsent(allowedNow());
    // Outside a Shopify storefront (no loadFeatures) there is no consent to read: analytics stay off.
    else shopify?.loadFeatures?.([{ name: "consent-tracking-api", version: "0.1" }], (error) => !error && setConsent(allowedNow()));
  }

  /** Before the config and consent are known, an event waits for them. */
  function track(event: AnalyticsEvent, properties: EventProperties = {}) {
    if (posthog === null || allowed === false) return;
    if (client) client.capture(event, properties);
    else if (waiting.length < MAX_WAITING) waiting.push([event, properties]);
  }

  return { configure, track };
}
