// The panel's state, on top of the launcher's store: the customer loads each time the dialog
// opens; the history, the shopper's actions (birthday, follows) and the tier status each when
// their view opens, and again at each opening.
import { computed, signal } from "@preact/signals";
import { createAnalytics } from "./analytics";
import type { Birthday, CustomerActions, Customer, Followed, History, Reward, TierStatus, WidgetConfig } from "./api";
import { createFormat } from "./format";
import { pointsNamer } from "./points-name";
import { createRedemption, newIdempotencyKey, type RedemptionModel } from "./redemption";
import { createReferralModel } from "./referrals-model";
import type { Load, Store } from "./store";

export type View = "catalog" | "earn" | "tier" | "history" | "referrals";
export type FollowStep = { kind: "saving" } | { kind: "error" } | { kind: "done"; result: Followed };
export type BirthdayStep = { kind: "idle" } | { kind: "saving" } | { kind: "error"; code: string };

export type PanelStore = ReturnType<typeof createPanelStore>;

export function createPanelStore(store: Store) {
  const { api, t, language } = store;
  const view = signal<View>("catalog");
  /** `data: null` is a signed-out shopper. */
  const account = signal<Load<Customer | null>>({ state: "loading" });
  const history = signal<Load<History>>({ state: "loading" });
  const actions = signal<Load<CustomerActions>>({ state: "loading" });
  const tierStatus = signal<Load<TierStatus>>({ state: "loading" });
  const follows = signal<Record<string, FollowStep>>({});
  const birthdayStep = signal<BirthdayStep>({ kind: "idle" });
  const redemptions = new Map<string, RedemptionModel>();
  const referrals = createReferralModel(api, store.settings.currency);
  /** Per network, kept until an answer arrives: a retry after a lost answer is the same follow. */
  const followKeys = new Map<string, string>();
  let customerRequest: Promise<void> | null = null;
  const analytics = createAnalytics(store.settings);
  // The panel's script can load before the config (on hover): the shop's PostHog waits for it.
  // (The signal's own subscribe: an effect() here would make the launcher lend one more name.)
  store.config.subscribe((current) => current.state === "ready" && analytics.configure(current.data));

  // A new language from the menu (store.setLanguage): the open view's own data was in the old one.
  let shownLanguage = language.peek();
  language.subscribe((next) => {
    if (next === shownLanguage) return;
    shownLanguage = next;
    if (view.value === "tier") void loadTierStatus();
    if (view.value === "referrals") void referrals.load();
  });

  /** The panel renders only once the config is ready (widget.tsx). */
  const config = computed(() => (store.config.value as { data: WidgetConfig }).data);
  const format = computed(() => createFormat(language.value, store.settings.currency));
  /** The merchant's name for points, for a count: "1 star", "5 stars". */
  const pointsName = computed(() => pointsNamer(language.value, config.value, t.value));

  function loadCustomer() {
    if (account.value.state === "error") account.value = { state: "loading" };
    customerRequest ??= api.customer().then((result) => {
      customerRequest = null;
      if (result.ok) account.value = { state: "ready", data: result.data.customer };
      else if (result.code === "not_logged_in") account.value = { state: "ready", data: null };
      else account.value = { state: "error" };
      if (view.value === "earn" && account.value.state === "ready" && account.value.data) void loadActions();
    });
    return customerRequest;
  }

  async function loadHistory() {
    history.value = { state: "loading" };
    const result = await api.history();
    history.value = result.ok ? { state: "ready", data: result.data } : { state: "error" };
  }

  async function loadActions() {
    if (actions.value.state !== "ready") actions.value = { state: "loading" };
    const result = await api.actions();
    actions.value = result.ok ? { state: "ready", data: result.data } : { state: "error" };
  }

  async function loadTierStatus() {
    tierStatus.value = { state: "loading" };
    const result = await api.tierStatus();
    tierStatus.value = result.ok ? { state: "ready", data: result.data } : { state: "error" };
  }

  function setBalance(points: number) {
    const current = account.value;
    if (current.state === "ready" && current.data) account.value = { state: "ready", data: { ...current.data, points_balance: points } };
  }

  /** Kept per reward, so a code stays on screen while the panel closes and opens again. */
  function redemptionFor(reward: Reward): RedemptionModel {
    let model = redemptions.get(reward.reward_id);
    if (!model) {
      model = createRedemption(api, reward, {
        setBalance,
        reloadBalance: () => void loadCustomer(),
        // For the shop's analytics: what kind of reward and how many points, nothing about the shopper.
        redeemed: (redemption) =>
          analytics.track("loyalnest_reward_redeemed", { reward_type: reward.type, points: redemption.points, status: redemption.status }),
      });
      redemptions.set(reward.reward_id, model);
    }
    return model;
  }

  /** Once a birthday is set it cannot change (the server answers 409): the form then shows it. */
  async function saveBirthday(birthday: Birthday) {
    if (birthdayStep.value.kind === "saving") return;
    birthdayStep.value = { kind: "saving" };
    const result = await api.setBirthday(birthday);
    if (result.ok) {
      const current = actions.value.state === "ready" ? actions.value.data : { social_follows: [] };
      actions.value = { state: "ready", data: { ...current, birthday: result.data.birthday } };
      birthdayStep.value = { kind: "idle" };
      return;
    }
    birthdayStep.value = { kind: "error", code: result.code };
    if (result.code === "birthday_already_set") void loadActions();
  }

  /** Records the follow; a repeat answers "duplicate" and awards nothing (the server's rule). */
  async function follow(network: string, openedUrl: boolean) {
    if (follows.value[network]?.kind === "saving") return;
    follows.value = { ...follows.value, [network]: { kind: "saving" } };
    let key = followKeys.get(network);
    if (!key) followKeys.set(network, (key = newIdempotencyKey()));
    const result = await api.follow(network, key);
    if (result.ok) {
      followKeys.delete(network);
      setBalance(result.data.balance);
      if (result.data.url && !openedUrl) window.open(result.data.url, "_blank", "noopener");
    }
    follows.value = { ...follows.value, [network]: result.ok ? { kind: "done", result: result.data } : { kind: "error" } };
  }

  function retry() {
    if (account.value.state === "error") void loadCustomer();
  }

  function opened() {
    analytics.track("loyalnest_panel_opened", { language: language.value });
    void loadCustomer();
    if (view.value === "history") void loadHistory();
    if (view.value === "tier") void loadTierStatus();
    if (view.value === "referrals") void referrals.load();
  }

  function setView(next: View) {
    view.value = next;
    if (next === "history") void loadHistory();
    if (next === "tier") void loadTierStatus();
    if (next === "referrals") void referrals.load();
    if (next === "earn" && account.value.state === "ready" && account.value.data) void loadActions();
  }

  return {
    t,
    language,
    switching: store.switching,
    setLanguage: store.setLanguage,
    format,
    pointsName,
    config,
    view,
    account,
    history,
    actions,
    tierStatus,
    referrals,
    follows,
    birthdayStep,
    loadHistory,
    loadActions,
    loadTierStatus,
    redemptionFor,
    saveBirthday,
    follow,
    retry,
    opened,
    setView,
  };
}
