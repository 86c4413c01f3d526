import { Balance, SignIn } from "./account";
import { HistoryView } from "./history";
import { Rewards } from "./rewards";
import type { Store, View } from "./store";

const VIEWS: [View, string][] = [
  ["catalog", "view_catalog"],
  ["history", "view_history"],
];

/** Loading, error or content: the panel is never blank. */
export function PanelBody({ store }: { store: Store }) {
  const t = store.t.value;
  const config = store.config.value;
  const account = store.account.value;

  if (config.state === "error" || account.state === "error") {
    return (
      <div class="ln-body ln-error" role="alert">
        <p>{t("error")}</p>
        <button type="button" class="ln-button" onClick={store.retry}>
          {t("retry")}
        </button>
      </div>
    );
  }
  if (config.state === "loading" || account.state === "loading") {
    return (
      <p class="ln-body ln-status" role="status">
        {t("loading")}
      </p>
    );
  }
  const customer = account.data;
  if (!customer) {
    return (
      <div class="ln-body">
        <SignIn t={t} />
        <Rewards store={store} rewards={config.data.rewards} balance={null} />
      </div>
    );
  }
  const view = store.view.value;
  return (
    <div class="ln-body">
      <Balance customer={customer} t={t} />
      <div class="ln-views">
        {VIEWS.map(([name, label]) => (
          <button key={name} type="button" class="ln-view" aria-pressed={view === name} onClick={() => store.setView(name)}>
            {t(label)}
          </button>
        ))}
      </div>
      {view === "catalog" ? <Rewards store={store} rewards={config.data.rewards} balance={customer.points_balance} /> : <HistoryView store={store} />}
    </div>
  );
}
