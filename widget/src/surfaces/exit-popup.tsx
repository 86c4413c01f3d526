// The exit-intent popup: the program's offer for a guest (join, or sign in), the way to their
// rewards for a member.
import { Dialog } from "./dialog";
import type { SurfacesModel } from "./model";

export function ExitPopup({ model, onClose }: { model: SurfacesModel; onClose: () => void }) {
  const t = model.t.value;
  const points = model.pointsName.value(2);
  const title = model.copy("exit_popup_title", t("exit_popup_title"));
  const body = model.copy("exit_popup_body", t(model.signedIn ? "exit_popup_body_member" : "exit_popup_body", { points }));
  return (
    <Dialog id="lns-exit" closeLabel={t("close")} onClose={onClose}>
      <h2 id="lns-exit-title" class="lns-title">
        {title}
      </h2>
      <p id="lns-exit-body">{body}</p>
      {!model.signedIn && <p>{model.joinOffer()}</p>}
      <p class="lns-actions">
        {model.signedIn ? (
          <button
            type="button"
            class="lns-button"
            onClick={() => {
              onClose();
              model.openPanel();
            }}
          >
            {t("see_rewards")}
          </button>
        ) : (
          <>
            <a class="lns-button" href={model.links.register}>
              {t("join")}
            </a>
            <a class="lns-link" href={model.links.login}>
              {t("sign_in")}
            </a>
          </>
        )}
        <button type="button" class="lns-link" onClick={onClose}>
          {t("no_thanks")}
        </button>
      </p>
    </Dialog>
  );
}
