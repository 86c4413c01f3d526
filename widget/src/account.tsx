import type { Customer } from "./api";
import type { Translate } from "./translate";

export function Balance({ customer, t }: { customer: Customer; t: Translate }) {
  const { next_tier: next, vip_tier: tier } = customer;
  const lifetime = customer.total_points_earned - customer.total_points_reversed;
  return (
    <div class="ln-account">
      <p class="ln-balance">{t("balance", { count: customer.points_balance })}</p>
      {tier && <p class="ln-tier">{t("tier", { tier })}</p>}
      {next && (
        <div class="ln-progress">
          <p id="ln-next">{t("next_tier", { count: next.points_needed, tier: next.name })}</p>
          <div
            class="ln-bar"
            role="progressbar"
            aria-labelledby="ln-next"
            aria-valuemin={0}
            aria-valuemax={lifetime + next.points_needed}
            aria-valuenow={lifetime}
          >
            <span style={{ width: `${(100 * lifetime) / (lifetime + next.points_needed)}%` }} />
          </div>
        </div>
      )}
    </div>
  );
}
