// The on-site content screen's live preview: the storefront widget's own Preact views (widget/src:
// the launcher and its dialog with the panel, the sticky bar, the popups) rendered in a shadow root
// of their own, as the theme shows them, fed the config the storefront serves
// (GET /v1/api/widget/preview-config) with the merchant's unsaved settings laid over it. The views
// are the widget's, not copies: what the preview shows is what shoppers will see once saved.
import { signal, type Signal } from "@preact/signals";
import { render } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Api, WidgetConfig } from "../../../widget/src/api";
import { PanelBody } from "../../../widget/src/panel";
import { createPanelStore } from "../../../widget/src/panel-store";
import { createStore, type Store } from "../../../widget/src/store";
import { EmailPopup } from "../../../widget/src/surfaces/email-popup";
import { ExitPopup } from "../../../widget/src/surfaces/exit-popup";
import { createSurfacesModel } from "../../../widget/src/surfaces/model";
import { StickyBar } from "../../../widget/src/surfaces/sticky-bar";
import { Widget } from "../../../widget/src/widget";
import launcherCss from "../../../widget/src/launcher.css" with { type: "text" };
import surfacesCss from "../../../widget/src/surfaces/surfaces.css" with { type: "text" };

export type PreviewPopup = "none" | "email" | "exit";

/**
 * The widget's API for the preview: the config is the one handed in; the shopper is a guest (as
 * most visitors are), so nothing personal is asked for and nothing can be redeemed.
 */
function previewApi(config: () => WidgetConfig): Api {
  const guest = async () => ({ ok: false as const, code: "not_logged_in" });
  return {
    config: async () => ({ ok: true as const, data: config() }),
    customer: guest,
    redeem: guest,
    history: guest,
    referrals: guest,
    createReferral: guest,
    tierStatus: guest,
    actions: guest,
    setBirthday: guest,
    follow: guest,
  };
}

interface PreviewWidget {
  store: Store;
  popup: Signal<PreviewPopup>;
  unmount: () => void;
}

/** Mounts the widget's views into `host`'s shadow root; the store's config is then set from outside. */
function mountPreview(host: HTMLElement, initial: WidgetConfig, onPopupClose: () => void): PreviewWidget {
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  root.replaceChildren();
  const style = document.createElement("style");
  style.textContent = `${launcherCss}\n${surfacesCss}\n${STAGE_FIT}`;
  const container = document.createElement("div");
  root.append(style, container);

  let current = initial;
  const popup = signal<PreviewPopup>("none");
  const base = createStore(
    { base: "", panelUrl: "", locale: initial.language, currency: undefined, loginUrl: "#", registerUrl: "#", inline: null },
    {},
    previewApi(() => current),
  );
  base.config.value = { state: "ready", data: initial };
  // The panel's views are here already: no script to fetch as the widget does on the storefront.
  const panel = createPanelStore(base);
  base.panel.value = { state: "ready", data: { Panel: () => <PanelBody store={panel} />, opened: panel.opened, retry: panel.retry } };
  const store: Store = {
    ...base,
    loadPanel: async () => (base.panel.value.state === "ready" ? base.panel.value.data : null),
    setOpen: (next: boolean) => {
      base.open.value = next;
      if (next) panel.opened();
    },
    retry: () => panel.retry(),
  };
  base.config.subscribe((value) => {
    if (value.state === "ready") current = value.data;
  });
  const model = createSurfacesModel(store, { signedIn: false, productPointsSelector: "[data-loyalnest-product-points]" });

  function Preview() {
    const content = model.config.value?.storefront;
    const branding = model.config.value?.branding;
    return (
      <>
        <Widget store={store} />
        <div class="lns" style={branding && { "--primary": branding.primary_color, "--accent": branding.accent_color }}>
          {content?.surfaces.sticky_bar && <StickyBar model={model} everyDays={0} />}
          {popup.value === "email" && <EmailPopup model={model} onClose={onPopupClose} />}
          {popup.value === "exit" && <ExitPopup model={model} onClose={onPopupClose} />}
        </div>
      </>
    );
  }
  render(<Preview />, container);
  return { store, popup, unmount: () => render(null, container) };
}

/** The page of the shop in miniature; its `transform` holds the widget's fixed parts inside it. */
const STAGE_HEIGHT = 640;
/**
 * The widget sizes its dialogs by the window (100vh); in the preview the window is the stage, so
 * the same limits, taken from the stage's height, keep them (and their close buttons) inside it.
 */
const STAGE_FIT = `.ln-dialog{max-height:${Math.min(600, STAGE_HEIGHT - 110)}px}.lns-dialog{max-height:${STAGE_HEIGHT - 32}px}`;
const STAGE = { position: "relative", height: `${STAGE_HEIGHT}px`, overflow: "hidden", transform: "translateZ(0)", border: "1px solid #d4d4d4", borderRadius: "12px", background: "#f7f7f5" };
const BAR = { height: "36px", background: "#ffffff", borderBottom: "1px solid #e3e3e3" };
const CARDS = { display: "grid", gridTemplateColumns: "repeat(3, 1fr)", gap: "12px", padding: "16px" };
const CARD = { height: "110px", background: "#e9e7e1", borderRadius: "8px" };

/** The preview pane: the widget drawn with `config`, and the popup asked for. */
export function WidgetPreview({ config, popup, onPopupClose, label }: { config: WidgetConfig; popup: PreviewPopup; onPopupClose: () => void; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const widget = useRef<PreviewWidget | null>(null);
  const close = useRef(onPopupClose);
  close.current = onPopupClose;

  useEffect(() => {
    if (!host.current) return;
    widget.current = mountPreview(host.current, config, () => close.current());
    return () => widget.current?.unmount();
  }, []);

  useEffect(() => {
    const store = widget.current?.store;
    if (store) store.config.value = { state: "ready", data: config };
  }, [config]);

  useEffect(() => {
    if (widget.current) widget.current.popup.value = popup;
  }, [popup]);

  return (
    <section style={STAGE} aria-label={label}>
      <div aria-hidden="true">
        <div style={BAR} />
        <div style={CARDS}>
          <span style={CARD} />
          <span style={CARD} />
          <span style={CARD} />
        </div>
      </div>
      <div ref={host} />
    </section>
  );
}
