import type { TierAmount, TierStatus } from "./api";
import type { PanelStore } from "./panel-store";

/** The shopper's tier card: tier and perks, progress to the next, what holds the tier; then every tier. */
export function TierView({ store }: { store: PanelStore }) {
  const t = store.t.value;
  const format = store.format.value;
  const status = store.tierStatus.value;
  if (status.state === "loading") return <p class="ln-muted">{t("tier_loading")}</p>;
  if (status.state === "error") {
    return (
      <div class="ln-error" role="alert">
        <p>{t("tier_error")}</p>
        <button type="button" class="ln-button" onClick={() => void store.loadTierStatus()}>
          {t("retry")}
        </button>
      </div>
    );
  }
  const { current, next, progress, keeps_until: keepsUntil, tiers, basis } = status.data;
  if (!tiers.length) return <p class="ln-muted">{t("no_tiers")}</p>;
  /** "1000 points" or "$250" */
  const amount = (value: TierAmount) =>
    basis === "spend" ? format.price(Number(value)) : t("points_amount", { count: Number(value), points: store.pointsName.value(Number(value)) });
  const value = Number(progress.value);
  return (
    <>
      <div class="ln-tier-card">
        <p class="ln-balance">{current ? t("tier", { tier: current.name }) : t("tier_none")}</p>
        <Perks status={status.data} store={store} />
        {next ? (
          <div class="ln-progress">
            <p id="ln-tier-next">{t(`tier_next_${basis}`, { count: Number(next.remaining), points: store.pointsName.value(Number(next.remaining)), amount: amount(next.remaining), tier: next.name })}</p>
            <div
              class="ln-bar"
              role="progressbar"
              aria-labelledby="ln-tier-next"
              aria-valuemin={0}
              aria-valuemax={Number(next.threshold)}
              aria-valuenow={value}
              aria-valuetext={amount(progress.value)}
            >
              <span style={{ width: `${Math.min(100, (100 * value) / Number(next.threshold))}%` }} />
            </div>
          </div>
        ) : (
          current && <p class="ln-muted">{t("tier_top")}</p>
        )}
        {keepsUntil && current && <p class="ln-muted">{t("tier_keeps_until", { tier: current.name, date: format.date(keepsUntil) })}</p>}
        {progress.period_start && <p class="ln-muted">{t(`tier_counted_${basis}`, { amount: amount(progress.value), date: format.date(progress.period_start) })}</p>}
      </div>
      <h3 class="ln-subhead">{t("all_tiers")}</h3>
      <ul class="ln-list">
        {tiers.map((tier) => (
          <li key={tier.id} class="ln-item" aria-current={tier.id === current?.id ? "true" : undefined}>
            <span class="ln-reward-title">{tier.name}</span>
            <span class="ln-cost">{t(`tier_from_${basis}`, { amount: amount(tier.threshold) })}</span>
            {tier.perks.length > 0 && <span class="ln-muted">{tier.perks.join(" · ")}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

function Perks({ status, store }: { status: TierStatus; store: PanelStore }) {
  const t = store.t.value;
  const current = status.current;
  if (!current) return null;
  // The merchant's words (the default tiers' perks name their multiplier): nothing added here.
  const { perks } = current;
  if (!perks.length) return null;
  return (
    <>
      <h3 class="ln-subhead">{t("tier_perks")}</h3>
      <ul class="ln-perks">
        {perks.map((perk) => (
          <li key={perk}>{perk}</li>
        ))}
      </ul>
    </>
  );
}
