import type { Reward } from "./api";
import type { Translate } from "./translate";

/** `balance: null` is a signed-out shopper: costs, no actions. Redeeming is not wired yet. */
export function Rewards({ rewards, balance, t }: { rewards: Reward[]; balance: number | null; t: Translate }) {
  return (
    <ul class="ln-rewards">
      {rewards.map((reward) => (
        <li key={reward.reward_id} class="ln-reward">
          <span class="ln-reward-title">{reward.title}</span>
          <span class="ln-cost">{t("points_cost", { count: reward.points_cost })}</span>
          {balance !== null && <RedeemButton cost={reward.points_cost} balance={balance} t={t} />}
        </li>
      ))}
    </ul>
  );
}

function RedeemButton({ cost, balance, t }: { cost: number; balance: number; t: Translate }) {
  if (cost > balance) {
    return (
      <button type="button" class="ln-button ln-redeem" disabled>
        {t("not_enough", { count: cost - balance })}
      </button>
    );
  }
  return (
    <button type="button" class="ln-button ln-redeem">
      {t("redeem")}
    </button>
  );
}
