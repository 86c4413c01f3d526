// Goal spend: "spend `amount` within `days` days". Pure window arithmetic over a customer's paid
// orders; the customer's object (and the campaigns' goal-spend bonuses) call it.
import { parseAmountToMills } from "./money";

export const DAY_MS = 86_400_000;

export interface PaidOrderSpend {
  /** When the order was placed (epoch ms): processed_at, else created_at, else receipt. */
  paidAt: number;
  /** The order's earn base (shop money, mills). */
  baseMills: number;
  refundedMills: number;
  cancelled: boolean;
}

export interface SpendGoal {
  /** As merchants write it: "200.00". */
  amount: string;
  days: number;
}

/**
 * The window ending at `at` (inclusive) and reaching back `days` days (exclusive):
 * (at − days × 24 h, at]. `countedThrough`, when given, moves its start: spend already counted
 * toward an earlier goal (orders placed at or before that time) does not count again.
 */
export function goalWindow(days: number, at: number, countedThrough: number | null = null): { after: number; through: number } {
  const after = at - days * DAY_MS;
  return { after: countedThrough === null ? after : Math.max(after, countedThrough), through: at };
}

/** What an order counts toward a goal: its earn base less refunds; nothing once cancelled. */
export function netSpendMills(order: PaidOrderSpend): number {
  return order.cancelled ? 0 : Math.max(0, order.baseMills - order.refundedMills);
}

/** Net spend (mills) of the orders placed inside the window. */
export function spendInWindow(orders: readonly PaidOrderSpend[], days: number, at: number, countedThrough: number | null = null): number {
  const { after, through } = goalWindow(days, at, countedThrough);
  return orders.filter((o) => o.paidAt > after && o.paidAt <= through).reduce((sum, o) => sum + netSpendMills(o), 0);
}

/** Whether the orders inside the window reach the goal's amount. */
export function goalReached(orders: readonly PaidOrderSpend[], goal: SpendGoal, at: number, countedThrough: number | null = null): boolean {
  const target = parseAmountToMills(goal.amount);
  if (target === null || target <= 0) return false;
  return spendInWindow(orders, goal.days, at, countedThrough) >= target;
}

/**
 * When the goal is reached in a window that holds the order placed at `at`: the earliest window
 * end t in [at, at + days) — `at` itself or a later order's time — whose window reaches the
 * amount; null when none does. Orders can reach us out of order: an order placed before others
 * already recorded still completes the windows it falls in.
 */
export function goalReachedAt(orders: readonly PaidOrderSpend[], goal: SpendGoal, at: number, countedThrough: number | null = null): number | null {
  if (countedThrough !== null && at <= countedThrough) return null;
  const ends = [at, ...orders.map((o) => o.paidAt).filter((t) => t > at && t < at + goal.days * DAY_MS)].sort((a, b) => a - b);
  return ends.find((end) => goalReached(orders, goal, end, countedThrough)) ?? null;
}
