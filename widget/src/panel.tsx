import { Balance, SignIn } from "./account";
import { Rewards } from "./rewards";
import type { Store } from "./store";

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
  return (
    <div class="ln-body">
      {customer ? <Balance customer={customer} t={t} /> : <SignIn t={t} />}
      <Rewards rewards={config.data.rewards} balance={customer?.points_balance ?? null} t={t} />
    </div>
  );
}
