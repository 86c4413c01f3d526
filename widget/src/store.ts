// The launcher's state: the config (strings, program, rewards) loads at once, for the launcher's
// label; the panel's script when the shopper reaches for the launcher (hover, focus) or opens it.
// The panel keeps its own state (panel-store.ts) and is told each time the dialog opens.
import { computed, signal } from "@preact/signals";
import { createApi, type Api, type WidgetConfig } from "./api";
import { storedLanguage, storeLanguage } from "./language";
import { inlineBranding, type Settings } from "./settings";
import type { PanelModule } from "./shared";
import { chromeLanguage, chromeStrings } from "./strings";
import { translator } from "./translate";

export type Load<T> = { state: "loading" } | { state: "error" } | { state: "ready"; data: T };
/** `off`: the shop has not installed LoyalNest (uninstalled): the widget shows nothing. */
type ConfigLoad = Load<WidgetConfig> | { state: "off" };

export type Store = ReturnType<typeof createStore>;

export function createStore(settings: Settings, libs: Record<string, unknown>, injectedApi?: Api) {
  /** The shopper's choice (language.ts), else the page's; every call to the proxy sends it. */
  const locale = signal(storedLanguage() || settings.locale);
  const open = signal(false);
  /** A language switch in flight: the panel says so while it keeps the old one on screen. */
  const switching = signal(false);
  const config = signal<ConfigLoad>({ state: "loading" });
  const panel = signal<Load<PanelModule>>({ state: "loading" });
  // Without a locale the config's language came from Accept-Language: later calls send that one,
  // so the tier status and redemptions answer in the language the panel shows.
  const api = injectedApi ?? createApi(settings.base, () => locale.value || (config.value.state === "ready" ? config.value.data.language : ""));
  let panelRequest: Promise<PanelModule | null> | null = null;

  const language = computed(() => (config.value.state === "ready" ? config.value.data.language : chromeLanguage(locale.value)));
  const t = computed(() => {
    const current = config.value;
    const served = current.state === "ready" ? current.data.translations : {};
    return translator(language.value, { ...chromeStrings(language.value), ...served });
  });

  // The config's branding once it answers; until then the embed's inline settings (no flash).
  const branding = computed(() => (config.value.state === "ready" ? config.value.data.branding : inlineBranding(settings.inline, language.value)));
  // The merchant may turn the launcher off (the panel then opens from the sticky bar or a popup);
  // the inline settings say so before the config answers, so it never flashes.
  const launcherShown = computed(() => (config.value.state === "ready" ? config.value.data.storefront?.surfaces.launcher : settings.inline?.surfaces.launcher) !== false);

  async function loadConfig() {
    config.value = { state: "loading" };
    const result = await api.config();
    config.value = result.ok ? { state: "ready", data: result.data } : result.code === "shop_not_installed" ? { state: "off" } : { state: "error" };
  }

  /**
   * The shopper's pick from the panel's menu: kept for the next pages, and the config fetched again
   * so the strings, rewards and the merchant's copy follow. The panel stays on screen meanwhile; if
   * the fetch fails it stays in the language it was in, and nothing is kept.
   */
  async function setLanguage(next: string) {
    const previous = locale.value;
    locale.value = next;
    switching.value = true;
    const result = await api.config();
    if (locale.value !== next) return; // a later pick answers instead
    switching.value = false;
    if (!result.ok) {
      locale.value = previous;
      return;
    }
    storeLanguage(next);
    config.value = { state: "ready", data: result.data };
  }

  /** Adds widget-panel.js to the page once; again only after it failed. */
  function loadPanel(): Promise<PanelModule | null> {
    panelRequest ??= new Promise((done) => {
      panel.value = { state: "loading" };
      const tag = document.createElement("script");
      tag.src = settings.panelUrl;
      tag.async = true;
      window.__loyalnest = {
        ...window.__loyalnest,
        libs,
        panel: (attach) => {
          const module = attach(store);
          panel.value = { state: "ready", data: module };
          done(module);
        },
      };
      tag.onerror = () => {
        tag.remove();
        panelRequest = null;
        panel.value = { state: "error" };
        done(null);
      };
      document.head.appendChild(tag);
    });
    return panelRequest;
  }

  function retry() {
    if (config.value.state === "error") void loadConfig();
    const current = panel.value;
    if (current.state === "ready") current.data.retry();
    else if (current.state === "error") void loadPanel().then((module) => open.value && module?.opened());
  }

  function setOpen(next: boolean) {
    open.value = next;
    if (next) void loadPanel().then((module) => module?.opened());
  }

  const store = { settings, api, open, config, panel, language, locale, switching, t, branding, launcherShown, loadConfig, loadPanel, retry, setOpen, setLanguage };
  return store;
}
