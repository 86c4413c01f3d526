// One reward's redemption, from the Redeem click to the code: the amount (points_to_money),
// the confirmation, the request and what came back. A model per reward row, built by the store.
import { signal } from "@preact/signals";
import type { Api, Redemption, Reward } from "./api";

export type RedeemStep =
  | { kind: "idle" }
  | { kind: "confirming" }
  | { kind: "saving" }
  | { kind: "issued"; redemption: Redemption }
  | { kind: "pending"; redemption: Redemption }
  /** `retry`: the outcome is unknown, so Confirm sends the same request again, with the same key. */
  | { kind: "error"; code: string; retry: boolean };

export interface PointsRange {
  min: number;
  /** The most this shopper can spend now: the reward's maximum, or their balance in whole steps. */
  max: number;
  step: number;
}

export interface RedemptionHooks {
  /** The balance an answer reported. */
  setBalance: (points: number) => void;
  /** The balance shown is out of date: read it again. */
  reloadBalance: () => void;
  /** A redemption the server accepted (issued, or pending Shopify's answer). */
  redeemed?: (redemption: Redemption) => void;
}

/** Answers that leave the outcome unknown (or, rate_limited, the request unread): Confirm tries again under the same key. */
const UNKNOWN_OUTCOME = ["network", "bad_response", "rate_limited"];
/** After a 202, the history is read every 5 s for a minute, then every 15 s for another (Shopify answers within a minute or so). */
const pendingCheckDelay = (attempt: number) => (attempt < 12 ? 5_000 : attempt < 16 ? 15_000 : undefined);

/** null: the reward has a fixed cost. */
export function pointsRange(reward: Reward, balance: number): PointsRange | null {
  if (reward.type !== "points_to_money") return null;
  const step = reward.points_cost;
  const affordable = Math.floor(balance / step) * step;
  return { min: reward.min_points ?? step, max: Math.min(reward.max_points ?? affordable, affordable), step };
}

/** A UUID; before Safari 15.4 (no crypto.randomUUID), a random key the server accepts as well. */
export const newIdempotencyKey = (): string =>
  crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;

export type RedemptionModel = ReturnType<typeof createRedemption>;

export function createRedemption(api: Api, reward: Reward, balance: RedemptionHooks) {
  const step = signal<RedeemStep>({ kind: "idle" });
  /** points_to_money: the amount as typed, and whether it failed validation on Redeem. */
  const initialPoints = String(reward.min_points ?? reward.points_cost);
  const pointsInput = signal(initialPoints);
  const pointsInvalid = signal(false);
  /** One per confirmation: made on the first Confirm, kept while the outcome is unknown. */
  let idempotencyKey: string | null = null;

  /** The typed amount, or null when it is not one this shopper may spend now. */
  function chosenPoints(range: PointsRange): number | null {
    const points = Number(pointsInput.value);
    const valid = Number.isInteger(points) && points >= range.min && points <= range.max && points % range.step === 0;
    return valid ? points : null;
  }

  function setPoints(value: string) {
    pointsInput.value = value;
    pointsInvalid.value = false;
    idempotencyKey = null;
    if (step.value.kind === "confirming" || step.value.kind === "error") step.value = { kind: "idle" };
  }

  /** Redeem: checks the amount, then asks for confirmation. */
  function start(currentBalance: number) {
    const range = pointsRange(reward, currentBalance);
    if (range && chosenPoints(range) === null) {
      pointsInvalid.value = true;
      return;
    }
    idempotencyKey = null;
    step.value = { kind: "confirming" };
  }

  function cancel() {
    idempotencyKey = null;
    step.value = { kind: "idle" };
  }

  async function confirm(currentBalance: number) {
    if (step.value.kind === "saving") return;
    const range = pointsRange(reward, currentBalance);
    const points = range ? chosenPoints(range) : null;
    if (range && points === null) {
      pointsInvalid.value = true;
      step.value = { kind: "idle" };
      return;
    }
    const key = (idempotencyKey ??= newIdempotencyKey());
    step.value = { kind: "saving" };
    const result = await api.redeem(points === null ? { reward_id: reward.reward_id } : { reward_id: reward.reward_id, points }, key);
    if (result.ok) {
      idempotencyKey = null;
      // What was spent is no longer affordable as often as not: start again from the least.
      pointsInput.value = initialPoints;
      balance.setBalance(result.data.points_balance);
      const redemption = { ...result.data.redemption, discount_code: result.data.discount_code ?? result.data.redemption.discount_code };
      balance.redeemed?.(redemption);
      if (redemption.status === "pending") {
        step.value = { kind: "pending", redemption };
        checkPending(redemption.redemption_id, 0);
      } else {
        step.value = { kind: "issued", redemption };
      }
      return;
    }
    const retry = UNKNOWN_OUTCOME.includes(result.code);
    if (!retry) idempotencyKey = null;
    if (result.pointsBalance !== undefined) balance.setBalance(result.pointsBalance);
    else if (result.code === "insufficient_points") balance.reloadBalance();
    step.value = { kind: "error", code: result.code, retry };
  }

  /** After a 202: reads the history until Shopify's answer shows there, or gives up (the code will be in "Your rewards"). */
  function checkPending(redemptionId: string, attempt: number) {
    const delay = pendingCheckDelay(attempt);
    if (delay === undefined) return;
    setTimeout(async () => {
      const result = await api.history();
      const current = step.value;
      if (current.kind !== "pending" || current.redemption.redemption_id !== redemptionId) return;
      const found = result.ok ? result.data.redemptions.find((r) => r.redemption_id === redemptionId) : undefined;
      if (!found || found.status === "pending") return checkPending(redemptionId, attempt + 1);
      if (found.discount_code && found.status === "issued") {
        step.value = { kind: "issued", redemption: found };
      } else {
        // The points held for it were given back.
        balance.reloadBalance();
        step.value = { kind: "error", code: "shopify_rejected", retry: false };
      }
    }, delay);
  }

  return { reward, step, pointsInput, pointsInvalid, chosenPoints, setPoints, start, cancel, confirm };
}
