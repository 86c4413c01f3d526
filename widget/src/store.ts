// The widget's state: the config (strings + rewards) loads at once, for the launcher's label;
// the customer loads when the panel opens, and again at each opening.
import { computed, signal } from "@preact/signals";
import { getJson, type Customer, type WidgetConfig } from "./api";
import type { Settings } from "./settings";
import { chromeLanguage, chromeStrings } from "./strings";
import { translator } from "./translate";

export type Load<T> = { state: "loading" } | { state: "error" } | { state: "ready"; data: T };

export type Store = ReturnType<typeof createStore>;

export function createStore({ base, locale }: Settings) {
  const open = signal(false);
  const config = signal<Load<WidgetConfig>>({ state: "loading" });
  /** `data: null` is a signed-out shopper. */
  const account = signal<Load<Customer | null>>({ state: "loading" });
  let customerRequest: Promise<void> | null = null;

  const t = computed(() => {
    const current = config.value;
    const language = current.state === "ready" ? current.data.language : chromeLanguage(locale);
    const served = current.state === "ready" ? current.data.translations : {};
    return translator(language, { ...chromeStrings(language), ...served });
  });

  async function loadConfig() {
    config.value = { state: "loading" };
    const query = locale ? `?locale=${encodeURIComponent(locale)}` : "";
    const result = await getJson<WidgetConfig>(`${base}/widget/config${query}`);
    config.value = result.ok ? { state: "ready", data: result.data } : { state: "error" };
  }

  function loadCustomer() {
    if (account.value.state === "error") account.value = { state: "loading" };
    customerRequest ??= getJson<{ customer: Customer }>(`${base}/customer`).then((result) => {
      customerRequest = null;
      if (result.ok) account.value = { state: "ready", data: result.data.customer };
      else if (result.code === "not_logged_in") account.value = { state: "ready", data: null };
      else account.value = { state: "error" };
    });
    return customerRequest;
  }

  function retry() {
    if (config.value.state === "error") void loadConfig();
    if (account.value.state === "error") void loadCustomer();
  }

  function setOpen(next: boolean) {
    open.value = next;
    if (next) void loadCustomer();
  }

  return { open, config, account, t, loadConfig, retry, setOpen };
}
