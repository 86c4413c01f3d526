// The sticky bar: one line of the merchant's copy (or the widget's) across the top of the page,
// the way in (join, or the panel for a member), and a dismiss button remembered for
// `popup_every_days`.
import { useSignal } from "@preact/signals";
import type { SurfacesModel } from "./model";
import { isDue, POPUP_KEYS, remember } from "./schedule";

export function StickyBar({ model, everyDays }: { model: SurfacesModel; everyDays: number }) {
  const shown = useSignal(isDue(POPUP_KEYS.bar, everyDays, true));
  if (!shown.value) return null;
  const t = model.t.value;
  const dismiss = () => {
    remember(POPUP_KEYS.bar);
    shown.value = false;
  };
  return (
    <div class="lns-bar" role="region" aria-label={t("sticky_bar_label")}>
      <p class="lns-bar-text">{model.copy("sticky_bar", t("sticky_bar", { points: model.pointsName.value(2) }))}</p>
      {model.signedIn ? (
        <button type="button" class="lns-bar-action" onClick={model.openPanel}>
          {t("see_rewards")}
        </button>
      ) : (
        <a class="lns-bar-action" href={model.links.register}>
          {t("join")}
        </a>
      )}
      <button type="button" class="lns-bar-dismiss" aria-label={t("dismiss")} onClick={dismiss}>
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M3 3l10 10M13 3L3 13" />
        </svg>
      </button>
    </div>
  );
}
