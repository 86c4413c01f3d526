// What the theme tells the widget. The theme app embed (extensions/loyalnest-theme/blocks/
// app-embed.liquid) renders the script tag with data attributes — the App Proxy base, the
// signed-in customer's id, the storefront's locale and currency, Shopify's customer account URLs —
// and, beside it, the shop's widget settings inline (#loyalnest-settings: the app-data metafield
// the app publishes, queues/jobs.ts publish_widget_settings), so the launcher paints in the shop's
// colours and label before any API call answers. None of it is trusted by the app: the proxy's
// signature says who the shopper is. The panel's script is beside widget.js, wherever the theme
// serves it from.
import type { Branding } from "./api";

/** The shop's widget settings as the app publishes them (core/widget-settings.ts, mirrored). */
export interface InlineSettings {
  version: 1;
  languages: string[];
  default_language: string;
  branding: Omit<Branding, "launcher_label"> & { launcher_label: Record<string, string>; font?: string; custom_css?: string };
  surfaces: Record<string, boolean>;
}

export interface Settings {
  base: string;
  panelUrl: string;
  locale: string;
  /** ISO 4217, from Shopify's `Shopify.currency.active` (or the embed's); absent outside a Shopify theme. */
  currency?: string;
  /** The embed's signed-in customer (display only: the App Proxy's signature is what counts). */
  customerId?: string;
  /** Shopify's customer account pages, for the signed-out shopper's sign-in and join links. */
  loginUrl: string;
  registerUrl: string;
  /** The inline settings, or null when the page has none (or they are unreadable). */
  inline: InlineSettings | null;
}

declare global {
  interface Window {
    Shopify?: {
      locale?: string;
      currency?: { active?: string };
      /** Shopify's customer privacy API, once the consent-tracking-api feature has loaded. */
      customerPrivacy?: { analyticsProcessingAllowed?: () => boolean };
      loadFeatures?: (features: { name: string; version: string }[], done: (error?: unknown) => void) => void;
    };
  }
}

export const DEFAULT_PROXY_BASE = "/apps/loyalnest";
export const INLINE_SETTINGS_ID = "loyalnest-settings";
const PANEL_FILE = "widget-panel.js";

export function readSettings(script: HTMLOrSVGScriptElement | null): Settings {
  const tag = script ?? document.querySelector("script[data-proxy-base]");
  const data = (name: string) => tag?.getAttribute(`data-${name}`) || undefined;
  const src = tag instanceof HTMLScriptElement && tag.src ? tag.src : location.href;
  return {
    base: (data("proxy-base") ?? DEFAULT_PROXY_BASE).replace(/\/+$/, ""),
    panelUrl: new URL(PANEL_FILE, src).href,
    locale: document.documentElement.lang || window.Shopify?.locale || data("locale") || "",
    currency: window.Shopify?.currency?.active ?? data("currency"),
    customerId: data("customer-id"),
    loginUrl: data("login-url") ?? "/account/login",
    registerUrl: data("register-url") ?? "/account/register",
    inline: readInlineSettings(),
  };
}

/** The embed's JSON; a page without it, a metafield never published (`null`) or a broken one: none. */
function readInlineSettings(): InlineSettings | null {
  const text = document.getElementById(INLINE_SETTINGS_ID)?.textContent;
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as InlineSettings | null;
    return parsed?.version === 1 && parsed.branding ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The launcher's look before the config answers: the inline branding, its label in `language`
 * when the shop offers it, else in the shop's default (as the server picks the config's language).
 */
export function inlineBranding(inline: InlineSettings | null, language: string): Branding | undefined {
  if (!inline) return undefined;
  const { launcher_label, ...rest } = inline.branding;
  const offered = inline.languages.includes(language) ? language : inline.default_language;
  return { ...rest, launcher_label: launcher_label[offered] ?? null };
}
