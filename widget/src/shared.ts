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

export interface LoyalnestGlobal {
  libs: Record<string, unknown>;
  /** Called by widget-panel.js when it runs. */
  panel(attach: (store: Store) => PanelModule): void;
}

declare global {
  interface Window {
    __loyalnest?: LoyalnestGlobal;
  }
}
