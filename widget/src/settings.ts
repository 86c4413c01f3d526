// What the theme tells the widget: the App Proxy base on its script tag, the storefront's locale.
export interface Settings {
  base: string;
  locale: string;
}

declare global {
  interface Window {
    Shopify?: { locale?: string };
  }
}

export const DEFAULT_PROXY_BASE = "/apps/loyalnest";

export function readSettings(script: HTMLOrSVGScriptElement | null): Settings {
  const tag = script ?? document.querySelector("script[data-proxy-base]");
  const base = tag?.getAttribute("data-proxy-base") || DEFAULT_PROXY_BASE;
  return {
    base: base.replace(/\/+$/, ""),
    locale: document.documentElement.lang || window.Shopify?.locale || "",
  };
}
