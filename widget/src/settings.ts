// What the theme tells the widget: the App Proxy base on its script tag, the storefront's locale
// and currency; where the panel's script is (beside widget.js, wherever the theme serves it from).
export interface Settings {
  base: string;
  panelUrl: string;
  locale: string;
  /** ISO 4217, from Shopify's `Shopify.currency.active`; absent outside a Shopify theme. */
  currency?: string;
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
const PANEL_FILE = "widget-panel.js";

export function readSettings(script: HTMLOrSVGScriptElement | null): Settings {
  const tag = script ?? document.querySelector("script[data-proxy-base]");
  const base = tag?.getAttribute("data-proxy-base") || DEFAULT_PROXY_BASE;
  const src = tag instanceof HTMLScriptElement && tag.src ? tag.src : location.href;
  return {
    base: base.replace(/\/+$/, ""),
    panelUrl: new URL(PANEL_FILE, src).href,
    locale: document.documentElement.lang || window.Shopify?.locale || "",
    currency: window.Shopify?.currency?.active,
  };
}
