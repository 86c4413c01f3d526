// How a referral moves between its states (core/ledger-events.ts ReferralStatus), as pure rules
// the friend's CustomerAccount applies inside its transactions:
//
//   bound ──(score ≥ reject_at)──────────────────────────────▶ rejected
//     │ completion = signup: at once; first_order: at the friend's first paid order whose
//     │ earn base reaches min_order_subtotal, if it comes before expires_at (else ▶ expired)
//     ▼
//   scored ──(score < hold_at)──▶ completed ──(qualifying order cancelled or fully refunded)──▶ reversed
//     └──(hold_at ≤ score < reject_at)──▶ held ──(merchant approves)──▶ completed
//                                              └─(merchant rejects)──▶ rejected
//
// Reversal rule: the advocate's and the friend's points rewards are taken back when the order
// that completed the referral is cancelled, or refunded until nothing of its earn base is left.
// A partial refund keeps them (the friend still bought); a reward code already issued is not
// taken back (it is the shop's to deactivate in Shopify). Taking back never goes below a zero
// balance: what cannot be taken is forgiven, as with any reversal (DESIGN.md money rule 3).
import { MILLS_PER_UNIT, parseAmountToMills } from "./money";
import type { ReferralConfig, ReferralReward } from "./referral-config";
import type { ReferralRecord, ReferralSideReward, ReferralStatus } from "./ledger-events";

const DAY_MS = 86_400_000;
/** A friend whose Shopify account is older than this when bound was already a customer. */
export const ALREADY_CUSTOMER_AFTER_MS = DAY_MS;

/** The idempotency keys of a referral's ledger entries: one per side and effect, never reused. */
export const referralKeys = (id: string) => ({
  friendAward: `referral:${id}:friend`,
  advocateAward: `referral:${id}:advocate`,
  friendReversal: `referral:${id}:friend-reversal`,
  advocateReversal: `referral:${id}:advocate-reversal`,
});

const sideReward = (reward: ReferralReward): ReferralSideReward => ({ reward, points: 0, redemption_id: null });

export function newReferral(input: {
  friendId: string;
  code: string;
  advocateId: string;
  via: ReferralRecord["bound_via"];
  config: ReferralConfig;
  programVersion: number;
  at: number;
}): ReferralRecord {
  const at = new Date(input.at).toISOString();
  return {
    id: input.friendId,
    code: input.code,
    advocate_id: input.advocateId,
    friend_id: input.friendId,
    status: "pending",
    score: 0,
    reasons: [],
    bound_via: input.via,
    program_version: input.programVersion,
    advocate: sideReward(input.config.advocate_reward),
    friend: sideReward(input.config.friend_reward),
    order_gid: null,
    order_subtotal: null,
    decided_by: null,
    bound_at: at,
    expires_at: new Date(input.at + input.config.expiry_days * DAY_MS).toISOString(),
    completed_at: null,
    updated_at: at,
    revision: 1,
  };
}

/** The next state of a record: every change bumps the revision its readers keep the highest of. */
export function changed(record: ReferralRecord, change: Partial<Omit<ReferralRecord, "revision" | "updated_at">>, at: number): ReferralRecord {
  return { ...record, ...change, updated_at: new Date(at).toISOString(), revision: record.revision + 1 };
}

export function isExpired(record: ReferralRecord, at: number): boolean {
  return record.status === "pending" && at >= Date.parse(record.expires_at);
}

/** Whether a paid order with this earn base can complete a first_order referral. */
export function orderQualifies(config: ReferralConfig, baseMills: number): boolean {
  const min = config.min_order_subtotal === null ? 0 : (parseAmountToMills(config.min_order_subtotal) ?? 0);
  return baseMills > 0 && baseMills >= min;
}

/** Statuses nothing changes any more (except completed, which a reversal may still end). */
export const FINAL_STATUSES: ReadonlySet<ReferralStatus> = new Set(["rejected", "expired", "reversed"]);

/** "120.00" from mills, for the record (the projection's revenue). */
export function millsToAmount(mills: number): string {
  const cents = Math.floor(mills / (MILLS_PER_UNIT / 100));
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}
