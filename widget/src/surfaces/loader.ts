// In widget.js, so kept to a few hundred bytes: once the config answers, whether this page shows
// any surface besides the launcher; only then is widget-surfaces.js added (from beside the panel's
// script) and handed the store. A shop with every surface off, or a page with nothing to show,
// never fetches it.
import type { Store } from "../store";
import type { SurfacesContext } from "../shared";

/** The theme's product-points block renders these, with `data-price-cents` and `data-currency`. */
const PRODUCT_POINTS_SELECTOR = "[data-loyalnest-product-points]";
const SURFACES_FILE = "widget-surfaces.js";

export function loadSurfaces(store: Store, libs: Record<string, unknown>, signedIn: boolean): void {
  const context: SurfacesContext = { signedIn, productPointsSelector: PRODUCT_POINTS_SELECTOR };
  let added = false;
  // The config is fetched again when the language changes: the chunk is added once, and its
  // components follow the store from then on.
  store.config.subscribe((config) => {
    const on = config.state === "ready" && config.data.storefront?.surfaces;
    if (added || !on) return;
    const wanted =
      on.sticky_bar || on.exit_popup || (on.email_popup && !context.signedIn) || (on.product_points && !!document.querySelector(PRODUCT_POINTS_SELECTOR));
    if (!wanted) return;
    added = true;
    window.__loyalnest = { ...window.__loyalnest, libs, surfaces: (attach) => attach(store, context) };
    const tag = document.createElement("script");
    tag.src = new URL(SURFACES_FILE, store.settings.panelUrl).href;
    tag.async = true;
    document.head.appendChild(tag);
  });
}
