import type { PointsTransaction, Redemption } from "./api";
import { CodeBox } from "./code";
import type { Format } from "./format";
import type { PanelStore } from "./panel-store";
import type { Translate } from "./translate";

/** "Your rewards": the shopper's codes, then their points history, both newest first. */
export function HistoryView({ store }: { store: PanelStore }) {
  const t = store.t.value;
  const format = store.format.value;
  const history = store.history.value;

  if (history.state === "loading") return <p class="ln-muted">{t("history_loading")}</p>;
  if (history.state === "error") {
    return (
      <div class="ln-error" role="alert">
        <p>{t("history_error")}</p>
        <button type="button" class="ln-button" onClick={() => void store.loadHistory()}>
          {t("retry")}
        </button>
      </div>
    );
  }
  const { redemptions, transactions } = history.data;
  return (
    <>
      <h3 class="ln-subhead">{t("your_codes")}</h3>
      {redemptions.length ? (
        <ul class="ln-list">
          {redemptions.map((redemption) => (
            <CodeItem key={redemption.redemption_id} redemption={redemption} t={t} format={format} />
          ))}
        </ul>
      ) : (
        <p class="ln-muted">{t("no_codes")}</p>
      )}
      <h3 class="ln-subhead">{t("points_history")}</h3>
      {transactions.length ? (
        <ul class="ln-list">
          {transactions.map((entry) => (
            <LedgerItem key={entry.id} entry={entry} t={t} format={format} />
          ))}
        </ul>
      ) : (
        <p class="ln-muted">{t("no_activity")}</p>
      )}
    </>
  );
}

function CodeItem({ redemption: r, t, format }: { redemption: Redemption; t: Translate; format: Format }) {
  const usable = r.status === "issued" && r.discount_code;
  return (
    <li class="ln-item">
      <span class="ln-reward-title">{r.title}</span>
      <span class="ln-cost">{t(`status_${r.status}`)}</span>
      <span class="ln-muted">
        {format.date(r.created_at)} · {t("points_cost", { count: r.points })}
        {usable && r.expires_at ? ` · ${t("expires", { date: format.date(r.expires_at) })}` : ""}
      </span>
      {usable ? <CodeBox code={r.discount_code!} t={t} /> : r.discount_code && <s class="ln-muted">{r.discount_code}</s>}
    </li>
  );
}

function LedgerItem({ entry, t, format }: { entry: PointsTransaction; t: Translate; format: Format }) {
  const kind = t(`kind_${entry.kind}`);
  return (
    <li class="ln-item">
      {/* A kind this widget does not know yet reads as the server named it. */}
      <span>{kind === `kind_${entry.kind}` ? entry.kind : kind}</span>
      <span class="ln-reward-title">
        {t("points_delta", { count: Math.abs(entry.points), points: format.signed(entry.points) })}
      </span>
      <span class="ln-muted">
        {format.date(entry.created_at)}
        {entry.note ? ` · ${entry.note}` : ""}
      </span>
    </li>
  );
}
