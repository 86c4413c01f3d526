// A stand-in for Shopify's checkout host, enough to run extensions/loyalnest-thank-you in
// Chromium: the extension bundled as the Shopify CLI would (esbuild, Preact's JSX), a page that
// provides the `shopify` global of the purchase.thank-you.block.render target (signals as
// `{ value }`, sessionToken.get(), i18n from the extension's locales), and small custom elements
// for the Polaris web components it uses (Shopify's own load only from its CDN). The extension
// module is the real one; only its app-url module is swapped for the local Worker's origin.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as esbuild from "esbuild";

const EXTENSION = resolve(import.meta.dirname, "../../extensions/loyalnest-thank-you");

export async function buildThankYouExtension(appUrl: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [resolve(EXTENSION, "src/ThankYou.tsx")],
    bundle: true,
    write: false,
    format: "esm",
    jsx: "automatic",
    jsxImportSource: "preact",
    target: "es2020",
    plugins: [
      {
        name: "checkout-host",
        setup(build) {
          // The side-effect import that declares Shopify's elements and global types: nothing at runtime here.
          build.onResolve({ filter: /^@shopify\/ui-extensions\/preact$/ }, () => ({ path: "ui-extensions", namespace: "host" }));
          build.onResolve({ filter: /\/app-url$/ }, () => ({ path: "app-url", namespace: "host" }));
          build.onLoad({ filter: /.*/, namespace: "host" }, ({ path }) => ({
            contents: path === "app-url" ? `export const APP_URL = ${JSON.stringify(appUrl)};` : "",
            loader: "js",
          }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

export interface CheckoutState {
  orderId: string;
  subtotal: number | null;
  language: string;
  sessionToken: string;
  storefrontUrl: string;
  myshopifyDomain: string;
}

export function extensionLocale(language: string): Record<string, string> {
  const file = language === "en" ? "en.default.json" : `${language}.json`;
  return JSON.parse(readFileSync(resolve(EXTENSION, "locales", file), "utf8")) as Record<string, string>;
}

/**
 * The extension's sandbox, run the way Shopify runs it: its default export called once, rendering
 * into this document's body (which it owns).
 */
export function thankYouPage(state: CheckoutState): string {
  const strings = extensionLocale(state.language);
  return `<!doctype html>
<html lang="${state.language}">
<head><meta charset="utf-8"><title>Thank you</title></head>
<body>
<script>
  const state = ${JSON.stringify(state)};
  const strings = ${JSON.stringify(strings)};
  // What each fetch of the extension came to, for the test to read.
  globalThis.__fetchOutcomes = [];
  const pageFetch = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (...args) => {
    try {
      const response = await pageFetch(...args);
      globalThis.__fetchOutcomes.push(String(response.status));
      return response;
    } catch (error) {
      globalThis.__fetchOutcomes.push("failed");
      throw error;
    }
  };
  const signal = (value) => ({ value, subscribe(fn) { fn(value); return () => {}; } });
  globalThis.shopify = {
    extension: { target: "purchase.thank-you.block.render" },
    orderConfirmation: signal({ order: { id: state.orderId }, number: "ABC123" }),
    cost: { subtotalAmount: signal(state.subtotal === null ? undefined : { amount: state.subtotal, currencyCode: "USD" }) },
    localization: { language: signal({ isoCode: state.language }) },
    shop: { id: "gid://shopify/Shop/1", name: "Demo", storefrontUrl: state.storefrontUrl, myshopifyDomain: state.myshopifyDomain },
    sessionToken: { get: async () => state.sessionToken },
    i18n: {
      translate: (key, values = {}) => {
        const text = strings[key];
        if (text === undefined) throw new Error("no string for " + key);
        return text.replace(/\\{\\{(\\w+)\\}\\}/g, (_, name) => String(values[name]));
      },
      formatNumber: (n) => new Intl.NumberFormat(state.language).format(n),
    },
  };

  // The Polaris elements the block uses, as plain accessible HTML in a shadow root.
  class Element extends HTMLElement {
    static get observedAttributes() { return ["heading", "href", "tone", "variant", "gap"]; }
    connectedCallback() { this.paint(); }
    attributeChangedCallback() { this.paint(); }
    paint() {
      const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
      root.innerHTML = this.template();
    }
  }
  customElements.define("s-banner", class extends Element {
    template() {
      const heading = document.createElement("h2");
      heading.textContent = this.getAttribute("heading") ?? "";
      return '<section role="status" aria-label="' + heading.textContent.replace(/"/g, "&quot;") + '" data-tone="' + (this.getAttribute("tone") ?? "") + '">' + heading.outerHTML + '<slot></slot></section>';
    }
  });
  customElements.define("s-stack", class extends Element { template() { return '<div style="display:grid;gap:8px"><slot></slot></div>'; } });
  customElements.define("s-text", class extends Element { template() { return "<p><slot></slot></p>"; } });
  customElements.define("s-button", class extends Element {
    template() {
      const href = this.getAttribute("href");
      return href ? '<a part="button" href="' + href.replace(/"/g, "&quot;") + '"><slot></slot></a>' : '<button part="button"><slot></slot></button>';
    }
  });
</script>
<script type="module">
  const { default: run } = await import("/extension.js");
  await run();
  document.documentElement.dataset.extensionRan = "true";
</script>
</body>
</html>`;
}
