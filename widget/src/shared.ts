// What passes between the two scripts (build.mjs): the launcher lends the panel its libraries and
// hands it the store; the panel answers with what the dialog renders. Types only: a value here
// would be bundled into both.
import type { ComponentType } from "preact";
import type { Store } from "./store";

/** The panel script, once it has run. */
export interface PanelModule {
  Panel: ComponentType;
  /** Each time the dialog opens: fresh balance (and the open view's data). */
  opened(): void;
  /** "Try again" for what the panel loads. */
  retry(): void;
}

/** What the launcher knows of the page that the surfaces need (surfaces/loader.ts). */
export interface SurfacesContext {
  /** The theme's hint of a signed-in shopper (the App Proxy signature is the truth). */
  signedIn: boolean;
  /** The product-points blocks the theme renders (widget.js looks for them before loading the surfaces). */
  productPointsSelector: string;
}

/** Each script that borrows the libraries adds its own hook, and keeps the others'. */
export interface LoyalnestGlobal {
  libs: Record<string, unknown>;
  /** Called by widget-panel.js when it runs. */
  panel?(attach: (store: Store) => PanelModule): void;
  /** Called by widget-surfaces.js when it runs. */
  surfaces?(attach: (store: Store, context: SurfacesContext) => void): void;
}

declare global {
  interface Window {
    __loyalnest?: LoyalnestGlobal;
  }
}
