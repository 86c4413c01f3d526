// The shop's own PostHog in the dashboard, as in the widget (widget/src/analytics.ts): nothing
// loads unless the shop turned PostHog on in Settings (GET /v1/api/settings `posthog`); only then
// is analytics.js (posthog-js, built apart, never part of app.js) added to the page. The events
// name the screen by its route pattern ("/customers/:id"), never its address, whose ids and query
// (the session token Shopify passes on the first load, a search) stay out; the staff member is
// the server's keyed hash.
import { pageSettings, type PageSettings } from "./page-settings";

export type DashboardEvent = "loyalnest_dashboard_viewed" | "loyalnest_dashboard_saved";
type Posthog = NonNullable<PageSettings["posthog"]>;

/** What analytics.js hands back once posthog-js runs. */
export interface DashboardAnalyticsClient {
  capture(event: DashboardEvent, properties: Record<string, string>): void;
}

declare global {
  interface Window {
    /** Set just before analytics.js is added; it calls it with posthog-js started. */
    __loyalnestDashboardAnalytics?: (start: (posthog: Posthog) => DashboardAnalyticsClient) => void;
  }
}

/** Events made before the settings answer, or while posthog-js loads, wait: up to this many. */
const MAX_WAITING = 20;

let state: "unknown" | "off" | "loading" | "on" = "unknown";
let client: DashboardAnalyticsClient | null = null;
let waiting: [DashboardEvent, Record<string, string>][] = [];
let screen = "unknown";

export function track(event: DashboardEvent): void {
  if (state === "off") return;
  const properties = { screen };
  if (client) client.capture(event, properties);
  else if (waiting.length < MAX_WAITING) waiting.push([event, properties]);
}

/** The app frame shows the screen of route `pattern`: one view, however its query changes. */
export function screenShown(pattern: string): void {
  if (pattern === screen) return;
  screen = pattern;
  track("loyalnest_dashboard_viewed");
}

export function startAnalytics(): void {
  void pageSettings().then((settings) => {
    // Unread settings leave analytics off for this page load: no events are worth a broken app.
    if (!settings?.posthog) {
      state = "off";
      waiting = [];
      return;
    }
    load(settings.posthog);
  });
}

function load(config: Posthog): void {
  state = "loading";
  window.__loyalnestDashboardAnalytics = (start) => {
    client = start(config);
    state = "on";
    for (const [event, properties] of waiting) client.capture(event, properties);
    waiting = [];
  };
  const tag = document.createElement("script");
  tag.src = new URL("analytics.js", import.meta.url).href;
  tag.async = true;
  tag.onerror = () => {
    tag.remove();
    state = "off";
    waiting = [];
  };
  document.head.appendChild(tag);
}
