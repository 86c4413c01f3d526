// The surfaces' state, on top of the launcher's store: the config's storefront part, the strings
// and the merchant's copy (which wins over them), in the store's language as it changes.
import { computed } from "@preact/signals";
import type { CopyField, WidgetConfig } from "../api";
import { pointsNamer } from "../points-name";
import type { SurfacesContext } from "../shared";
import type { Store } from "../store";
import { accountLinks } from "./links";

export type SurfacesModel = ReturnType<typeof createSurfacesModel>;

export function createSurfacesModel(store: Store, context: SurfacesContext) {
  // The last config that answered: while the store fetches it again (another language), the
  // surfaces stay as they are, an open popup and what was typed into it with them.
  let last: WidgetConfig | null = null;
  const config = computed<WidgetConfig | null>(() => {
    const current = store.config.value;
    if (current.state === "ready") last = current.data;
    return last;
  });
  const pointsName = computed(() => (config.value ? pointsNamer(store.language.value, config.value, store.t.value) : () => ""));
  /** The merchant's copy for this language, else the widget's string. */
  const copy = (field: CopyField, fallback: string) => config.value?.storefront?.copy[field] ?? fallback;
  /** "Create an account and get 100 points", or, without a signup bonus, "… to start earning points". */
  const joinOffer = () => {
    const signup = config.value?.earn.signup_points ?? 0;
    return signup > 0
      ? store.t.value("join_offer", { count: signup, points: pointsName.value(signup) })
      : store.t.value("join_offer_plain", { points: pointsName.value(2) });
  };
  return {
    t: store.t,
    config,
    pointsName,
    copy,
    joinOffer,
    links: accountLinks(),
    signedIn: context.signedIn,
    productPointsSelector: context.productPointsSelector,
    panelOpen: store.open,
    openPanel: () => store.setOpen(true),
  };
}
