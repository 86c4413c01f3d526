// What the thank-you page says about an order's points (GET /checkout/v1/api/order-points):
// what it earned once its payment reached the customer's account, else what it will earn,
// estimated from the order's subtotal by the same arithmetic the account will use.
import { earnOrder, type Campaign } from "./campaigns";
import { actionPoints, type ProgramSettings } from "./program";
import { tierMultiplier, type VipTier } from "./tiers";

/**
 * The order named by the thank-you page. Its `shopify.orderConfirmation.order.id` is an
 * OrderIdentity gid; its digits are the order's id, the same the webhooks' Order gid carries.
 * Digits alone, or an Order gid, are taken too. Null for anything else.
 */
export function orderGidFrom(orderId: string): string | null {
  const match = /^(?:gid:\/\/shopify\/(?:Order|OrderIdentity)\/)?(\d{1,20})$/.exec(orderId.trim());
  return match ? `gid://shopify/Order/${match[1]}` : null;
}

/** What the account knows of the order (CustomerAccount.orderPoints), null when it does not yet. */
export interface RecordedOrder {
  earned: number;
  reversed: number;
  held: boolean;
}

export type OrderPointsState =
  /** Awarded: `points` are in the balance (net of refunds so far). */
  | "earned"
  /** Not awarded yet (payment not arrived, or held past the plan's grace): `points` is what it will give. */
  | "pending"
  /** A guest's order earns nothing: `points` is what it would have earned as a member. */
  | "guest";

export interface OrderPoints {
  state: OrderPointsState;
  /** Null when nothing is known to count from (no award recorded and no subtotal given). */
  points: number | null;
  /** True when `points` is a forecast from the subtotal the page sent rather than a recorded award. */
  estimated: boolean;
}

export interface OrderPointsInput {
  program: ProgramSettings;
  campaigns: readonly Campaign[];
  /** The signed-in customer's tier (null for none or for a guest). */
  tier: VipTier | null;
  /** Null for a guest checkout. */
  customerId: string | null;
  recorded: RecordedOrder | null;
  /** The order's subtotal the page shows, in mills of the shop's currency; null when not sent. */
  subtotalMills: number | null;
  now: number;
}

export function orderPoints(input: OrderPointsInput): OrderPoints {
  const { recorded } = input;
  if (input.customerId !== null && recorded && !recorded.held) {
    return { state: "earned", points: Math.max(0, recorded.earned - recorded.reversed), estimated: false };
  }
  if (input.customerId !== null && recorded?.held) return { state: "pending", points: recorded.earned, estimated: false };
  const estimate =
    input.subtotalMills === null
      ? null
      : earnOrder(input.program, input.subtotalMills, tierMultiplier(input.customerId === null ? null : input.tier), input.campaigns, input.now).points;
  return { state: input.customerId === null ? "guest" : "pending", points: estimate, estimated: estimate !== null };
}

/** What joining the program earns now (0: joining earns nothing). */
export function signupPoints(program: ProgramSettings): number {
  return actionPoints(program, "signup");
}
