// Referral ROI: what referred friends' orders brought in against what their referrals' rewards
// cost. Pure: postgres/referrals.ts reads the facts, this module counts them.
//
// Which referrals: those that completed in the window (completed_at in [from, to)), still
// `completed` or since `reversed`. `referrals_completed` counts the ones still completed; a
// reversed one (its qualifying order refunded or cancelled in full) still counts for its cost
// and for whatever its friend's other orders brought.
//
// Revenue: for each of those referrals, the earn base (the subtotal after discounts the points
// were computed on, as each `earn` ledger entry's snapshot records it) of every paid order of
// the friend from the completion on, the qualifying order included, until the query runs (the
// window chooses referrals, not orders: a referral's friends keep bringing revenue). Each order
// is net of refunds and cancellation as the ledger shows them: an order whose points were
// reversed by a share keeps (earned − reversed) / earned of its base. The projection does not
// link a refund's reversal to its order by id, so a reversal is matched by the order snapshot
// it carries (equal snapshots mean equal bases and points, so a wrong pick among equals changes
// no total). Known gaps: an order that earned no points (no entry) counts only when it is the
// qualifying one (the record's own `order_subtotal`); a reversal cut short by a low balance
// (the rest forgiven) nets less than was refunded.
//
// Cost: points given to both sides of the referrals still completed (a reversal took them
// back), as each referral's record states them, valued at the
// shop's money per point: the best rate a shopper can get from the enabled catalog's
// fixed_amount and points_to_money rewards (see bestPointValue; no such reward: points cost
// nothing in money); plus the face value of every discount code issued as a referral reward,
// a percentage one valued on the qualifying order's subtotal (none recorded: valued at 0).
import type { ReferralSideReward, ReferralStatus } from "./ledger-events";
import { formatMills, MILLS_PER_UNIT, parseAmountToMills } from "./money";
import type { Reward } from "./rewards";

/** `mills` of the shop's money for `points` points. */
export interface PointValue {
  mills: number;
  points: number;
}

/** What the ROI is (its shape is the API's answer, shared with the dashboard). */
export type { ReferralRoi } from "./merchant-wire";
import type { ReferralRoi } from "./merchant-wire";

/** A referral that completed in the window, as the projection holds it. */
export interface RoiReferral {
  friend_id: string;
  status: ReferralStatus;
  advocate: ReferralSideReward;
  friend: ReferralSideReward;
  order_gid: string | null;
  order_subtotal: string | null;
  completed_at: string;
}

/** An `earn` (of an order) or a `reversal` (of an order or a refund) of a friend's ledger, in ledger order. */
export interface FriendLedgerEntry {
  friend_id: string;
  kind: string;
  points: number;
  /** The order's gid for an earn and a cancellation's reversal; the refund's for a refund's. */
  source_id: string;
  /** The entry's snapshot in a canonical text form: a reversal carries its order's. */
  snapshot_key: string | null;
  /** The order's earn base in mills (from the snapshot), as text. */
  base_mills: string | null;
  created_at: string;
}

/**
 * The best money per point a shopper can get: fixed_amount (value for points_cost) and
 * points_to_money (one unit of money for points_cost) rewards that are enabled. Percentage,
 * free shipping and free product rewards have no fixed worth and are left out. Null: none.
 */
export function bestPointValue(rewards: readonly Pick<Reward, "type" | "points_cost" | "value" | "enabled">[]): PointValue | null {
  let best: PointValue | null = null;
  for (const reward of rewards) {
    if (!reward.enabled || reward.points_cost <= 0) continue;
    const mills = reward.type === "fixed_amount" ? parseAmountToMills(reward.value) : reward.type === "points_to_money" ? MILLS_PER_UNIT : null;
    if (!mills) continue;
    // a/b > c/d without division: a·d > c·b.
    if (!best || mills * best.points > best.mills * reward.points_cost) best = { mills, points: reward.points_cost };
  }
  return best;
}

interface FriendOrder {
  order_gid: string;
  base_mills: number;
  earned: number;
  reversed: number;
  snapshot_key: string | null;
  earned_at: number;
}

/** A friend's paid orders with the points reversed against each (see the header). */
export function friendOrders(entries: readonly FriendLedgerEntry[]): FriendOrder[] {
  const orders: FriendOrder[] = [];
  for (const entry of entries) {
    if (entry.kind === "earn") {
      orders.push({
        order_gid: entry.source_id,
        base_mills: Number(entry.base_mills ?? 0),
        earned: entry.points,
        reversed: 0,
        snapshot_key: entry.snapshot_key,
        earned_at: Date.parse(entry.created_at),
      });
      continue;
    }
    let owed = -entry.points;
    const byId = orders.filter((o) => o.order_gid === entry.source_id);
    const candidates = byId.length > 0 ? byId : orders.filter((o) => entry.snapshot_key !== null && o.snapshot_key === entry.snapshot_key);
    for (const order of candidates) {
      const room = order.earned - order.reversed;
      const taken = Math.min(room, owed);
      if (taken <= 0) continue;
      order.reversed += taken;
      owed -= taken;
    }
  }
  return orders;
}

/** An order's earn base net of the share its reversals took back, in mills (rounded down). */
export function netBaseMills(order: Pick<FriendOrder, "base_mills" | "earned" | "reversed">): number {
  if (order.earned <= 0) return order.base_mills;
  const kept = Math.max(0, order.earned - order.reversed);
  return Math.floor((order.base_mills * kept) / order.earned);
}

/**
 * A discount code's face value: fixed amounts as they are, percentages of the qualifying
 * order's subtotal. Whether the code was given is the caller's to say.
 */
export function discountFaceMills(side: ReferralSideReward, orderSubtotal: string | null): number {
  if (side.reward.type !== "discount") return 0;
  const value = parseAmountToMills(side.reward.value) ?? 0;
  if (side.reward.discount === "fixed_amount") return value;
  const subtotal = parseAmountToMills(orderSubtotal) ?? 0;
  // value is the percentage in mills ("10" → 10,000): subtotal × value / 100 units.
  return Math.floor((subtotal * value) / (100 * MILLS_PER_UNIT));
}

/** Points valued at `rate`, rounded half up to the mill; nothing without a rate. */
export function pointsCostMills(points: number, rate: PointValue | null): number {
  if (!rate || points <= 0) return 0;
  return Math.floor((2 * points * rate.mills + rate.points) / (2 * rate.points));
}

export function computeReferralRoi(referrals: readonly RoiReferral[], entries: readonly FriendLedgerEntry[], rate: PointValue | null): ReferralRoi {
  const entriesOf = new Map<string, FriendLedgerEntry[]>();
  for (const entry of entries) {
    const list = entriesOf.get(entry.friend_id) ?? [];
    list.push(entry);
    entriesOf.set(entry.friend_id, list);
  }
  let revenue = 0;
  let discountMills = 0;
  let points = 0;
  let discounts = 0;
  for (const referral of referrals) {
    const completedAt = Date.parse(referral.completed_at);
    const orders = friendOrders(entriesOf.get(referral.friend_id) ?? []);
    for (const order of orders) {
      if (order.order_gid === referral.order_gid || order.earned_at >= completedAt) revenue += netBaseMills(order);
    }
    const qualifyingSeen = orders.some((o) => o.order_gid === referral.order_gid);
    if (referral.status === "completed" && referral.order_gid !== null && !qualifyingSeen) revenue += parseAmountToMills(referral.order_subtotal) ?? 0;
    for (const [name, side] of [["advocate", referral.advocate], ["friend", referral.friend]] as const) {
      // A reversal took the points back (what a low balance left forgiven is not counted).
      if (side.reward.type === "points" && referral.status === "completed") points += side.points;
      // The friend's code is recorded on the record; the advocate's is issued in their own
      // account on completion, so a completed (or since reversed) referral has given it.
      const codeGiven = name === "friend" ? side.redemption_id !== null : true;
      if (side.reward.type === "discount" && codeGiven) {
        discounts += 1;
        discountMills += discountFaceMills(side, referral.order_subtotal);
      }
    }
  }
  const cost = pointsCostMills(points, rate) + discountMills;
  return {
    referrals_completed: referrals.filter((r) => r.status === "completed").length,
    revenue: formatMills(revenue),
    reward_cost: formatMills(cost),
    points_given: points,
    discounts_given: discounts,
    ratio: cost === 0 ? null : Math.round((revenue * 100) / cost) / 100,
  };
}
