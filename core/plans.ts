// Plans and fair limits: the rules alone (no bindings). A shop's usage is the number of NET
// paid orders in a calendar month (UTC): an order counts from its payment until it is fully
// refunded or cancelled. The plans themselves (limits, prices) live in D1 (d1/plans.ts).

/** Warned at 80% of the month's limit; told again at 100%. */
export const WARN_AT_PERCENT = 80;
/** Awards keep coming this long after the month's limit is first reached; then they are held. */
export const GRACE_MS = 7 * 24 * 3600_000;

export interface Plan {
  id: string;
  name: string;
  /** USD per 30 days, as Shopify's billing takes it ("49.00"). */
  price: string;
  /** Net paid orders a calendar month; null: unlimited. */
  monthly_order_limit: number | null;
}

/**
 * ok: under 80%. warned: 80% or more. grace: at or past the limit, awarding until the grace
 * ends. over: past the grace: awards are held (recorded with their earn snapshot, applied on an
 * upgrade or at the month's roll).
 */
export type UsageState = "ok" | "warned" | "grace" | "over";
export const USAGE_STATES = ["ok", "warned", "grace", "over"] as const satisfies readonly UsageState[];

export interface Usage {
  state: UsageState;
  /** Whole percent of the limit used (may pass 100); null on an unlimited plan. */
  percent: number | null;
  /** Epoch ms; null unless the limit is reached. */
  grace_ends_at: number | null;
}

/** "2026-12": the calendar month (UTC) an instant falls in; the unit usage is counted per. */
export function usageMonth(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** Epoch ms of the first instant of the month after `month` ("2026-12" → 2027-01-01T00:00Z). */
export function monthEndsAt(month: string): number {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  return Date.UTC(year, mon, 1);
}

/**
 * Where a shop stands this month. `limitReachedAt` is when the consumer first saw the month's
 * count reach the limit (null if it has not recorded it yet: the grace then runs from now).
 */
export function usageState(limit: number | null, netOrders: number, limitReachedAt: number | null, now: number): Usage {
  if (limit === null) return { state: "ok", percent: null, grace_ends_at: null };
  const percent = Math.floor((netOrders * 100) / limit);
  if (netOrders >= limit) {
    const graceEndsAt = (limitReachedAt ?? now) + GRACE_MS;
    return { state: now < graceEndsAt ? "grace" : "over", percent, grace_ends_at: graceEndsAt };
  }
  return { state: percent >= WARN_AT_PERCENT ? "warned" : "ok", percent, grace_ends_at: null };
}

/** Whether an order paid in this state has its points held rather than awarded. */
export function holdsAwards(state: UsageState): boolean {
  return state === "over";
}

/**
 * Whether a paid order counts towards the month's usage: not cancelled and not fully refunded
 * (its refunded line items do not cover its whole earn base). A partial refund still counts.
 */
export function orderCounts(order: { paid: boolean; cancelled: boolean; baseMills: number | null; refundedMills: number }): boolean {
  if (!order.paid || order.cancelled) return false;
  const fullyRefunded = order.refundedMills > 0 && order.baseMills !== null && order.refundedMills >= order.baseMills;
  return !fullyRefunded;
}

/** The notices a month's count calls for (each told once per month, plan and threshold). */
export function thresholdsReached(limit: number | null, netOrders: number): { warning: boolean; limit: boolean } {
  if (limit === null) return { warning: false, limit: false };
  return { warning: netOrders * 100 >= limit * WARN_AT_PERCENT, limit: netOrders >= limit };
}

/** The subscription name at Shopify, from which a webhook's subscription is matched to a plan. */
export function subscriptionName(plan: Pick<Plan, "name">): string {
  return `LoyalNest ${plan.name}`;
}
