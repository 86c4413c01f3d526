// The email-capture popup: the signup incentive, an email field posted as the theme's newsletter
// form posts it (subscribe.ts), then the way to the join page for the signup points.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { Dialog } from "./dialog";
import type { SurfacesModel } from "./model";
import { looksLikeEmail, submitInPage, subscribe } from "./subscribe";

type Step = { kind: "idle" } | { kind: "sending" } | { kind: "error"; code: "invalid" | "failed" } | { kind: "done" };

export function EmailPopup({ model, onClose }: { model: SurfacesModel; onClose: () => void }) {
  const step = useSignal<Step>({ kind: "idle" });
  const email = useSignal("");
  const join = useRef<HTMLAnchorElement>(null);
  // The form (and the button that had focus) gives way to the join link: focus follows, so it
  // stays inside the dialog.
  useEffect(() => {
    if (step.value.kind === "done") join.current?.focus();
  }, [step.value.kind]);
  const t = model.t.value;
  const signup = model.config.value?.earn.signup_points ?? 0;
  const title = model.copy(
    "email_popup_title",
    signup > 0 ? t("email_popup_title", { count: signup, points: model.pointsName.value(signup) }) : t("email_popup_title_plain"),
  );
  const body = model.copy("email_popup_body", t("email_popup_body", { points: model.pointsName.value(2) }));

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (step.value.kind === "sending") return;
    const address = email.value.trim();
    if (!looksLikeEmail(address)) {
      step.value = { kind: "error", code: "invalid" };
      return;
    }
    step.value = { kind: "sending" };
    const result = await subscribe(address);
    if (result === "challenge") return submitInPage(address);
    step.value = result === "subscribed" ? { kind: "done" } : { kind: "error", code: "failed" };
  };

  const current = step.value;
  const error = current.kind === "error" ? t(current.code === "invalid" ? "email_invalid" : "email_error") : null;
  return (
    <Dialog id="lns-email" closeLabel={t("close")} onClose={onClose}>
      <h2 id="lns-email-title" class="lns-title">
        {title}
      </h2>
      <p id="lns-email-body">{body}</p>
      {current.kind === "done" ? (
        <div role="status">
          <p class="lns-done">{t("email_done")}</p>
          <p>{model.joinOffer()}</p>
          <p class="lns-actions">
            <a class="lns-button" href={model.links.register} ref={join}>
              {t("join")}
            </a>
          </p>
        </div>
      ) : (
        <form class="lns-form" noValidate onSubmit={onSubmit}>
          <label for="lns-email-input">{t("email_label")}</label>
          <input
            id="lns-email-input"
            type="email"
            name="email"
            autocomplete="email"
            required
            value={email.value}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? "lns-email-error" : undefined}
            onInput={(event) => {
              email.value = event.currentTarget.value;
              if (step.value.kind === "error") step.value = { kind: "idle" };
            }}
          />
          {error && (
            <p id="lns-email-error" class="lns-error" role="alert">
              {error}
            </p>
          )}
          <p class="lns-actions">
            {/* aria-disabled, not disabled: a disabled button would drop the focus out of the dialog. */}
            <button type="submit" class="lns-button" aria-disabled={current.kind === "sending" ? "true" : undefined}>
              {t(current.kind === "sending" ? "email_sending" : "email_subscribe")}
            </button>
            <button type="button" class="lns-link" onClick={onClose}>
              {t("no_thanks")}
            </button>
          </p>
        </form>
      )}
    </Dialog>
  );
}
