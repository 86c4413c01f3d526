// The part of App Bridge (v4, `https://cdn.shopify.com/shopifycloud/app-bridge.js`) the dashboard
// uses. Shopify admin provides `window.shopify`; in dev the admin frame (scripts/admin-frame.mjs)
// serves a stand-in with the same API. Outside Shopify admin there is none: main.tsx says so.

export interface ShopifyGlobal {
  idToken(): Promise<string>;
  toast: { show(message: string, options?: { isError?: boolean; duration?: number }): void };
  saveBar: { show(id: string): Promise<void> | void; hide(id: string): Promise<void> | void };
  config?: { shop?: string; locale?: string; apiKey?: string };
}

declare global {
  interface Window {
    shopify?: ShopifyGlobal;
  }
}

/** App Bridge when the page runs inside Shopify admin (or the dev admin frame), else null. */
export function appBridge(): ShopifyGlobal | null {
  return window.shopify && window.top !== window ? window.shopify : null;
}

function bridge(): ShopifyGlobal {
  const found = appBridge();
  if (!found) throw new Error("App Bridge is not available: open LoyalNest from Shopify admin");
  return found;
}

export const idToken = (): Promise<string> => bridge().idToken();

export function toast(message: string, options: { error?: boolean } = {}): void {
  bridge().toast.show(message, { isError: options.error ?? false, duration: 5000 });
}

/** The admin's page title: App Bridge reads the `<ui-title-bar>` element's title. */
export function setTitle(title: string): void {
  let bar = document.querySelector("ui-title-bar");
  if (!bar) {
    bar = document.createElement("ui-title-bar");
    document.body.appendChild(bar);
  }
  bar.setAttribute("title", title);
  document.title = `${title} · LoyalNest`;
}
