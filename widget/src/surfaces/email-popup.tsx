// The email-capture popup: the signup incentive, an email field posted as the theme's newsletter
// form posts it (subscribe.ts), then the way to the join page for the signup points.
import { useSignal } from "@preact/signals";
import { Dialog } from "./dialog";
import type { SurfacesModel } from "./model";
import { looksLikeEmail, submitInPage, subscribe } from "./subscribe";

type Step = { kind: "idle" } | { kind: "sending" } | { kind: "error"; code: "invalid" | "failed" } | { kind: "done" };

export function EmailPopup({ model, onClose }: { model: SurfacesModel; onClose: () => void }) {
  const stepSignal = useSignal<Step>({ kind: "idle" });
  const email = useSignal("");
  const step = stepSignal.value;
  const setStep = (next: Step) => {
    stepSignal.value = next;
  };
  const t = model.t.value;
  const signup = model.config.value?.earn.signup_points ?? 0;
  const title = model.copy(
    "email_popup_title",
    signup > 0 ? t("email_popup_title", { count: signup, points: model.pointsName.value(signup) }) : t("email_popup_title_plain"),
  );
  const body = model.copy("email_popup_body", t("email_popup_body", { points: model.pointsName.value(2) }));

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (stepSignal.value.kind === "sending") return;
    const address = email.value.trim();
    if (!looksLikeEmail(address)) return setStep({ kind: "error", code: "invalid" });
    setStep({ kind: "sending" });
    const result = await subscribe(address);
    if (result === "challenge") return submitInPage(address);
    setStep(result === "subscribed" ? { kind: "done" } : { kind: "error", code: "failed" });
  };

  const error = step.kind === "error" ? t(step.code === "invalid" ? "email_invalid" : "email_error") : null;
  return (
    <Dialog id="lns-email" closeLabel={t("close")} onClose={onClose}>
      <h2 id="lns-email-title" class="lns-title">
        {title}
      </h2>
      <p id="lns-email-body">{body}</p>
      {step.kind === "done" ? (
        <div role="status">
          <p class="lns-done">{t("email_done")}</p>
          <p>{model.joinOffer()}</p>
          <p class="lns-actions">
            <a class="lns-button" href={model.links.register} data-autofocus>
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
              if (stepSignal.value.kind === "error") setStep({ kind: "idle" });
            }}
          />
          {error && (
            <p id="lns-email-error" class="lns-error" role="alert">
              {error}
            </p>
          )}
          <p class="lns-actions">
            <button type="submit" class="lns-button" disabled={step.kind === "sending"}>
              {t(step.kind === "sending" ? "email_sending" : "email_subscribe")}
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
