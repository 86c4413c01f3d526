// The surfaces over the page, in their own shadow root: the sticky bar, and at most one popup per
// page view: the email popup a few seconds in (guests only), the exit popup when a desktop
// shopper's pointer leaves through the top of the window. Each popup shows at most once per
// `popup_every_days` in this browser, and never over the open panel.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { EmailPopup } from "./email-popup";
import { ExitPopup } from "./exit-popup";
import type { SurfacesModel } from "./model";
import { isDue, POPUP_KEYS, remember } from "./schedule";
import { StickyBar } from "./sticky-bar";

/** Time on the page before the email popup: the shopper sees the shop first. */
export const EMAIL_POPUP_DELAY_MS = 5_000;
type Popup = "email" | "exit";

export function Surfaces({ model }: { model: SurfacesModel }) {
  const popup = useSignal<Popup | null>(null);
  const content = model.config.value?.storefront;

  useEffect(() => {
    if (!content) return;
    const { surfaces, popup_every_days: everyDays } = content;
    let offered = false;
    const offer = (kind: Popup) => {
      if (offered || model.panelOpen.value || !isDue(POPUP_KEYS[kind], everyDays, false)) return;
      offered = true;
      remember(POPUP_KEYS[kind]);
      popup.value = kind;
    };
    const timer = surfaces.email_popup && !model.signedIn ? setTimeout(() => offer("email"), EMAIL_POPUP_DELAY_MS) : undefined;
    // Leaving through the top edge (towards the tabs, the address bar): a pointer with nothing
    // under it. Touch screens have no such gesture.
    const onLeave = (event: MouseEvent) => {
      if (!event.relatedTarget && event.clientY <= 0) offer("exit");
    };
    const exit = surfaces.exit_popup && matchMedia("(hover: hover) and (pointer: fine)").matches;
    if (exit) document.addEventListener("mouseout", onLeave);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("mouseout", onLeave);
    };
    // Set up once, with the config this script was loaded for: a change of language must not
    // offer a popup again.
  }, []);

  if (!content) return null;
  const close = () => {
    popup.value = null;
  };
  const branding = model.config.value?.branding;
  return (
    <div class="lns" style={branding && { "--primary": branding.primary_color, "--accent": branding.accent_color }}>
      {content.surfaces.sticky_bar && <StickyBar model={model} everyDays={content.popup_every_days} />}
      {popup.value === "email" && <EmailPopup model={model} onClose={close} />}
      {popup.value === "exit" && <ExitPopup model={model} onClose={close} />}
    </div>
  );
}
