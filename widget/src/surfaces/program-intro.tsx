// The panel's signed-out branch: what the program gives and how it works, with the way in (join,
// sign in). The ways to earn and the rewards follow in the panel's own views.
import type { PanelStore } from "../panel-store";
import css from "./program-intro.css" with { type: "text" };
import { accountLinks } from "./links";

export function ProgramIntro({ store }: { store: PanelStore }) {
  const t = store.t.value;
  const signup = store.config.value.earn.signup_points;
  const links = accountLinks();
  return (
    <div class="ln-account ln-intro">
      <style>{css}</style>
      <p class="ln-intro-offer">
        {signup > 0
          ? t("join_offer", { count: signup, points: store.pointsName.value(signup) })
          : t("join_offer_plain", { points: store.pointsName.value(2) })}
      </p>
      <p class="ln-muted">{t("how_it_works", { points: store.pointsName.value(2) })}</p>
      <p class="ln-intro-links">
        <a class="ln-button ln-join" href={links.register}>
          {t("join")}
        </a>
        <a class="ln-signin" href={links.login}>
          {t("sign_in")}
        </a>
      </p>
    </div>
  );
}
