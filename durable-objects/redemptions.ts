// The pieces of a redemption that are not the saga itself: the code we mint, how an order's
// codes find their redemption, the Shopify discount it becomes, and what a shopper sees of it.
import { codeEndsAt } from "../core/expiry";
import type { RedemptionRecord, RedemptionStatus } from "../core/ledger-events";
import type { RedemptionTerms, RewardType } from "../core/rewards";
import type { DiscountCodeSpec } from "../workers/shopify/discounts";

/** Crockford's alphabet without I, L, O, U: nothing a shopper can misread when typing it. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 10; // 50 random bits

export function mintCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_LENGTH));
  let code = "";
  for (const byte of bytes) code += CODE_ALPHABET[byte & 31];
  return `LN-${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Shopify matches codes case-insensitively; so do we. */
export async function codeHash(code: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code.trim().toUpperCase()));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the shopper asked for, to tell a retried request from a different one under the same key. */
export function requestHash(rewardId: string, points: number): string {
  return JSON.stringify([rewardId, points]);
}

export interface RewardSnapshot {
  reward_id: string;
  version: number;
  type: RewardType;
  /** In the shopper's language at the time of the redemption. */
  title: string;
  code_expiry_days: number | null;
  min_order_subtotal: string | null;
}

export type SpecWithoutCode = Omit<DiscountCodeSpec, "code">;

export function discountSpec(customerId: string, reward: RewardSnapshot, terms: RedemptionTerms, issuedAt: number): SpecWithoutCode {
  const endsAt = codeEndsAt(issuedAt, reward.code_expiry_days);
  return {
    title: `LoyalNest: ${reward.title} (${terms.points} points)`,
    customerGid: `gid://shopify/Customer/${customerId}`,
    value: terms.discount,
    minimumSubtotal: reward.min_order_subtotal,
    startsAt: new Date(issuedAt).toISOString(),
    endsAt: endsAt === null ? null : new Date(endsAt).toISOString(),
  };
}

export type RedemptionRow = {
  id: string;
  request_key: string;
  request_hash: string;
  reward_id: string;
  reward_version: number;
  reward_type: string;
  title: string;
  points: number;
  spec: string;
  code_encrypted: string;
  code_hash: string;
  status: RedemptionStatus;
  revision: number;
  reserve_seq: number;
  discount_gid: string | null;
  ends_at: number | null;
  return_on_expiry: number;
  failure_reason: string | null;
  resolve_after: number | null;
  order_gid: string | null;
  created_at: number;
  updated_at: number;
};

/** What the shopper sees: their code only once it exists at Shopify. */
export interface ShopperRedemption {
  redemption_id: string;
  reward_id: string;
  title: string;
  type: string;
  points: number;
  status: RedemptionStatus;
  discount_code: string | null;
  expires_at: string | null;
  created_at: string;
  failure_reason: string | null;
}

export function codeIsShown(status: RedemptionStatus): boolean {
  return status === "issued" || status === "used" || status === "expired";
}

export function shopperView(row: RedemptionRow, code: string | null): ShopperRedemption {
  return {
    redemption_id: row.id,
    reward_id: row.reward_id,
    title: row.title,
    type: row.reward_type,
    points: row.points,
    status: row.status,
    discount_code: codeIsShown(row.status) ? code : null,
    expires_at: row.ends_at === null ? null : new Date(row.ends_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
    failure_reason: row.failure_reason,
  };
}

export function projectionRecord(row: RedemptionRow): RedemptionRecord {
  return {
    id: row.id,
    reward_id: row.reward_id,
    reward_type: row.reward_type,
    title: row.title,
    points: row.points,
    status: row.status,
    discount_gid: row.discount_gid,
    order_gid: row.order_gid,
    failure_reason: row.failure_reason,
    expires_at: row.ends_at === null ? null : new Date(row.ends_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
    revision: row.revision,
  };
}
