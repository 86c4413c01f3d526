import { useLayoutEffect, useRef } from "preact/hooks";
import { focusColour } from "../../core/contrast";
import type { Branding } from "./api";
import type { Store } from "./store";

/** What Tab can reach in the dialog; `hidden` parts are skipped below. */
const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

/** The merchant's `branding.font`; "theme" is the page's own (the shadow root does not inherit it). */
const FONTS: Record<string, string> = {
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  serif: 'Georgia, "Times New Roman", serif',
  rounded: 'ui-rounded, "SF Pro Rounded", Nunito, "Varela Round", system-ui, sans-serif',
  monospace: 'ui-monospace, "SF Mono", Menlo, Consolas, monospace',
};
const fontFor = (font: Branding["font"]) => FONTS[font ?? ""] ?? getComputedStyle(document.body).fontFamily;

/**
 * Focus stays in the open dialog: Tab from its last control goes to its first, Shift+Tab from its
 * first (or from the dialog itself, or from outside it) to its last.
 */
function keepFocusIn(dialog: HTMLElement, event: KeyboardEvent) {
  const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((item) => !item.closest("[hidden]"));
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  const active = (dialog.getRootNode() as ShadowRoot).activeElement;
  const inside = !!active && active !== dialog && dialog.contains(active);
  if (event.shiftKey ? !inside || active === first : !inside || active === last) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}

export function Widget({ store }: { store: Store }) {
  const launcher = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLElement>(null);
  const open = store.open.value;
  const t = store.t.value;
  const config = store.config.value;
  const branding = store.branding.value;

  // In the commit that shows the dialog, before the browser paints it: no frame shows the open
  // dialog while focus (and a screen reader) is still on the launcher.
  useLayoutEffect(() => {
    if (open) dialog.current?.focus();
  }, [open]);

  const close = () => {
    store.setOpen(false);
    launcher.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (!store.open.value) return;
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    } else if (event.key === "Tab" && dialog.current) keepFocusIn(dialog.current, event);
  };
  // The panel's script is fetched as soon as the shopper reaches for the launcher.
  const prefetch = () => void store.loadPanel();

  // Uninstalled: no launcher, no panel (the proxy answered shop_not_installed).
  if (config.state === "off") return null;
  return (
    <div
      class={branding?.launcher_position === "bottom-left" ? "ln ln-left" : "ln"}
      lang={store.language.value}
      style={{
        "--font": fontFor(branding?.font),
        ...(branding && { "--primary": branding.primary_color, "--accent": branding.accent_color, "--focus": focusColour(branding.accent_color) }),
      }}
      onKeyDown={onKeyDown}
    >
      {branding?.custom_css && <style>{branding.custom_css}</style>}
      <section id="ln-dialog" class="ln-dialog" role="dialog" aria-modal="true" aria-labelledby="ln-title" tabIndex={-1} ref={dialog} hidden={!open}>
        <header class="ln-head">
          <h2 id="ln-title">{t("title")}</h2>
          <button type="button" class="ln-close" aria-label={t("close")} onClick={close}>
            <svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 3l10 10M13 3L3 13" /></svg>
          </button>
        </header>
        <Body store={store} />
      </section>
      {store.launcherShown.value && (
        <button
          type="button"
          class="ln-launcher"
          ref={launcher}
          aria-haspopup="dialog"
          aria-expanded={open ? "true" : "false"}
          aria-controls="ln-dialog"
          onPointerEnter={prefetch}
          onFocus={prefetch}
          onClick={() => store.setOpen(!open)}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 11h16v9H4zM2 7h20v4H2zM12 7v13M12 7c-2-4-6-4-6-1.5S9 7 12 7zm0 0c2-4 6-4 6-1.5S15 7 12 7z" />
          </svg>
          {branding?.launcher_label || t("title")}
        </button>
      )}
    </div>
  );
}

/** Loading, error or the panel: never blank. */
function Body({ store }: { store: Store }) {
  const t = store.t.value;
  const config = store.config.value;
  const panel = store.panel.value;
  if (config.state === "error" || panel.state === "error") {
    return (
      <div class="ln-body ln-error" role="alert">
        <p>{t("error")}</p>
        <button type="button" class="ln-button" onClick={store.retry}>
          {t("retry")}
        </button>
      </div>
    );
  }
  if (config.state === "loading" || panel.state === "loading") {
    return (
      <p class="ln-body ln-status" role="status">
        {t("loading")}
      </p>
    );
  }
  return <panel.data.Panel />;
}
