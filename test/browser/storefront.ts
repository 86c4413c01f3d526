// The browser tests' storefront: the same stand-in `npm run dev` serves (scripts/storefront.mjs),
// theme pages with the extension's blocks rendered into them and Shopify's App Proxy, on a free port.
import { dirname } from "node:path";
import { startStorefront as startStandIn } from "../../scripts/storefront.mjs";

export { CUSTOMER_COOKIE, PROXY_PREFIX, PRODUCTS, signAppProxy } from "../../scripts/storefront.mjs";

export interface StorefrontOptions {
  /** widget/dist/widget.js (or the extension's assets/widget.js); its chunks are served from beside it. */
  widgetFile: string;
  /** The Worker, e.g. http://127.0.0.1:8801 */
  appOrigin: string;
  apiSecret: string;
  shop: string;
  /** The Shopify emulator, for the app-data metafield the embed inlines (none: no inline settings). */
  emulatorOrigin?: string;
}

export function startStorefront(options: StorefrontOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const { widgetFile, ...rest } = options;
  return startStandIn({ ...rest, assetsDir: dirname(widgetFile) });
}
