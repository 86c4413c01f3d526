import { useLayoutEffect, useRef } from "preact/hooks";
import type { Reward } from "./api";
import { CodeBox } from "./code";
import type { Format } from "./format";
import { pointsRange, type RedemptionModel } from "./redemption";
import type { PanelStore } from "./panel-store";
import type { Translate } from "./translate";

/** `balance: null` is a signed-out shopper: costs, no actions. */
export function Rewards({ store, rewards, balance }: { store: PanelStore; rewards: Reward[]; balance: number | null }) {
  const t = store.t.value;
  const format = store.format.value;
  return (
    <ul class="ln-rewards">
      {rewards.map((reward) => (
        <li key={reward.reward_id} class="ln-reward">
          <RewardTerms reward={reward} t={t} format={format} />
          {balance !== null && <RedeemControls model={store.redemptionFor(reward)} balance={balance} t={t} format={format} />}
        </li>
      ))}
    </ul>
  );
}

function RewardTerms({ reward, t, format }: { reward: Reward; t: Translate; format: Format }) {
  const cost =
    reward.type === "points_to_money"
      ? t("points_rate", { count: reward.points_cost, amount: format.money(1) })
      : t("points_cost", { count: reward.points_cost });
  return (
    <div class="ln-terms">
      <span class="ln-reward-title">{reward.title}</span>
      {reward.description && <span class="ln-muted">{reward.description}</span>}
      <span class="ln-cost">{cost}</span>
      {reward.min_order_subtotal && <span class="ln-muted">{t("min_order", { amount: format.money(Number(reward.min_order_subtotal)) })}</span>}
    </div>
  );
}

function RedeemControls({ model, balance, t, format }: { model: RedemptionModel; balance: number; t: Translate; format: Format }) {
  const { reward } = model;
  const step = model.step.value;
  const range = pointsRange(reward, balance);
  const affordable = range ? range.max >= range.min : reward.points_cost <= balance;
  const chosen = range ? model.chosenPoints(range) : null;
  const points = chosen ?? reward.points_cost;
  const amount = range && chosen !== null ? format.money(chosen / range.step) : "";
  const asking = step.kind === "confirming" || step.kind === "saving" || (step.kind === "error" && step.retry);
  const fieldId = `ln-points-${reward.reward_id}`;

  const redeemButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const previous = useRef(step.kind);
  // Keyboard focus follows the step, so it is never left on a button that just went away (a
  // layout effect: moved in the same task as the DOM, never dropped to <body> in between); an
  // answer that arrives later (a pending code) is announced, and leaves focus where it is.
  useLayoutEffect(() => {
    const from = previous.current;
    previous.current = step.kind;
    if (from === step.kind) return;
    if (step.kind === "confirming" || (step.kind === "error" && step.retry)) confirmButton.current?.focus();
    else if (step.kind === "idle" && from === "confirming") redeemButton.current?.focus();
    else if (from === "saving") outcome.current?.querySelector<HTMLElement>("button, [tabindex]")?.focus();
  }, [step]);

  return (
    <>
      {!asking && (
        <button type="button" class="ln-button ln-redeem" ref={redeemButton} disabled={!affordable} onClick={() => model.start(balance)}>
          {affordable ? t("redeem") : t("not_enough", { count: (range ? range.min : reward.points_cost) - balance })}
        </button>
      )}
      {affordable && range && (
        <div class="ln-panel ln-amount">
          <label for={fieldId}>{t("points_label")}</label>
          <input
            id={fieldId}
            type="number"
            inputMode="numeric"
            min={range.min}
            max={range.max}
            step={range.step}
            value={model.pointsInput.value}
            disabled={step.kind === "saving"}
            aria-invalid={model.pointsInvalid.value}
            aria-describedby={`${fieldId}-hint`}
            onInput={(event) => model.setPoints(event.currentTarget.value)}
          />
          <p id={`${fieldId}-hint`} class={model.pointsInvalid.value ? "ln-error-text" : "ln-muted"}>
            {chosen === null ? t("points_invalid", { ...range }) : t("points_worth", { amount })}
          </p>
        </div>
      )}
      {asking && (
        <div class="ln-panel ln-confirm">
          <p>{range ? t("confirm_money", { count: points, amount }) : t("confirm_spend", { count: points, reward: reward.title })}</p>
          <button type="button" class="ln-button" ref={confirmButton} disabled={step.kind === "saving"} onClick={() => void model.confirm(balance)}>
            {step.kind === "saving" ? t("redeeming") : t("confirm")}
          </button>
          <button type="button" class="ln-button ln-secondary" disabled={step.kind === "saving"} onClick={model.cancel}>
            {t("cancel")}
          </button>
        </div>
      )}
      <div class="ln-panel" ref={outcome} aria-live="polite">
        <Outcome model={model} t={t} />
      </div>
    </>
  );
}

/** The code, the wait for it, or what went wrong. */
function Outcome({ model, t }: { model: RedemptionModel; t: Translate }) {
  const step = model.step.value;
  if (step.kind === "issued" && step.redemption.discount_code) {
    return (
      <>
        <p>{t("code_ready", { reward: step.redemption.title })}</p>
        <CodeBox code={step.redemption.discount_code} t={t} />
      </>
    );
  }
  if (step.kind === "pending") return <p tabIndex={-1}>{t("code_pending")}</p>;
  if (step.kind === "error") {
    // Each error code the shopper can act on has its message; the rest share one.
    const key = `redeem_error_${step.code}`;
    const { min_points, max_points, points_cost } = model.reward;
    const message = t(key, { min: min_points ?? 0, max: max_points ?? 0, step: points_cost });
    return (
      <p class="ln-error-text" role="alert" tabIndex={-1}>
        {message === key ? t("redeem_error") : message}
      </p>
    );
  }
  return null;
}
