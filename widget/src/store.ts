// The widget's state: the config (strings + rewards) loads at once, for the launcher's label;
// the customer loads when the panel opens, and again at each opening; the history when its view
// opens, and again at each opening.
import { computed, signal } from "@preact/signals";
import { createApi, type Api, type Customer, type History, type Reward, type WidgetConfig } from "./api";
import { createFormat } from "./format";
import { createRedemption, type RedemptionModel } from "./redemption";
import type { Settings } from "./settings";
import { chromeLanguage, chromeStrings } from "./strings";
import { translator } from "./translate";

export type Load<T> = { state: "loading" } | { state: "error" } | { state: "ready"; data: T };
export type View = "catalog" | "history";

export type Store = ReturnType<typeof createStore>;

export function createStore({ base, locale, currency }: Settings, api: Api = createApi(base, locale)) {
  const open = signal(false);
  const view = signal<View>("catalog");
  const config = signal<Load<WidgetConfig>>({ state: "loading" });
  /** `data: null` is a signed-out shopper. */
  const account = signal<Load<Customer | null>>({ state: "loading" });
  const history = signal<Load<History>>({ state: "loading" });
  const redemptions = new Map<string, RedemptionModel>();
  let customerRequest: Promise<void> | null = null;

  const language = computed(() => (config.value.state === "ready" ? config.value.data.language : chromeLanguage(locale)));
  const t = computed(() => {
    const current = config.value;
    const served = current.state === "ready" ? current.data.translations : {};
    return translator(language.value, { ...chromeStrings(language.value), ...served });
  });
  const format = computed(() => createFormat(language.value, currency));

  async function loadConfig() {
    config.value = { state: "loading" };
    const result = await api.config();
    config.value = result.ok ? { state: "ready", data: result.data } : { state: "error" };
  }

  function loadCustomer() {
    if (account.value.state === "error") account.value = { state: "loading" };
    customerRequest ??= api.customer().then((result) => {
      customerRequest = null;
      if (result.ok) account.value = { state: "ready", data: result.data.customer };
      else if (result.code === "not_logged_in") account.value = { state: "ready", data: null };
      else account.value = { state: "error" };
    });
    return customerRequest;
  }

  async function loadHistory() {
    history.value = { state: "loading" };
    const result = await api.history();
    history.value = result.ok ? { state: "ready", data: result.data } : { state: "error" };
  }

  function setBalance(points: number) {
    const current = account.value;
    if (current.state === "ready" && current.data) account.value = { state: "ready", data: { ...current.data, points_balance: points } };
  }

  /** Kept per reward, so a code stays on screen while the panel closes and opens again. */
  function redemptionFor(reward: Reward): RedemptionModel {
    let model = redemptions.get(reward.reward_id);
    if (!model) {
      model = createRedemption(api, reward, { setBalance, reloadBalance: () => void loadCustomer() });
      redemptions.set(reward.reward_id, model);
    }
    return model;
  }

  function retry() {
    if (config.value.state === "error") void loadConfig();
    if (account.value.state === "error") void loadCustomer();
  }

  function setOpen(next: boolean) {
    open.value = next;
    if (next) void loadCustomer();
    if (next && view.value === "history") void loadHistory();
  }

  function setView(next: View) {
    view.value = next;
    if (next === "history") void loadHistory();
  }

  return { open, view, config, account, history, t, format, loadConfig, loadHistory, redemptionFor, retry, setOpen, setView };
}
