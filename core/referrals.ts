// Referral rules that every surface shares: the codes advocates hand out, and the fraud score
// a referral gets when it would complete (identity normalisation: core/referral-identity.ts).
import type { ReferralReason } from "./ledger-events";
import type { ReferralConfig } from "./referral-config";
import type { IdentityFingerprints } from "./referral-identity";

/** No 0/O, 1/I/L: a code read aloud or copied by hand stays the same code. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const REFERRAL_CODE_LENGTH = 8;

/** A new random code (31^8 ≈ 8.5 × 10^11 of them); uniqueness in the shop is D1's. */
export function newReferralCode(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % CODE_ALPHABET.length);
  let code = "";
  while (code.length < REFERRAL_CODE_LENGTH) {
    for (const byte of random(new Uint8Array(REFERRAL_CODE_LENGTH * 2))) {
      if (byte < limit && code.length < REFERRAL_CODE_LENGTH) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
    }
  }
  return code;
}

/**
 * A code as a friend may have typed or pasted it (" k7qm-4tzp ") in the stored form, or null
 * when it cannot be one of ours.
 */
export function normaliseReferralCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== REFERRAL_CODE_LENGTH) return null;
  for (const char of code) if (!CODE_ALPHABET.includes(char)) return null;
  return code;
}

// --- Fraud scoring ----------------------------------------------------------------------------

/** What is known about a referral when it would complete; identities as keyed hashes only. */
export interface ReferralFacts {
  advocate: IdentityFingerprints;
  friend: IdentityFingerprints;
  /** The friend had an account (or orders) in the shop before the referral bound them. */
  friendAlreadyCustomer: boolean;
  /** Other referrals completed from the friend's IP / device within the velocity window. */
  sameIpCompletions: number;
  sameDeviceCompletions: number;
}

export type ReferralDecision = "complete" | "hold" | "reject";

export interface ReferralScore {
  score: number;
  reasons: ReferralReason[];
  decision: ReferralDecision;
}

/**
 * Every check's score, weighed against the defaults (hold_at 50, reject_at 100) so that one
 * strong sign holds a referral for the merchant and two independent signs reject it:
 * - same_email 90: the same mailbox after normalising is almost surely one person, but a shared
 *   family inbox exists, so alone it holds (the issue's case: a `+tag` self-referral is held,
 *   with its reason shown) rather than rejects.
 * - same_phone 70: a phone is personal, yet households share landlines: holds alone.
 * - same_address 60: one home; partners and flatmates referring each other are often welcome,
 *   so it only holds, for the merchant to judge.
 * - device_velocity 50: many referrals completing in one browser is one person making accounts;
 *   holds alone.
 * - ip_velocity 30: one network is weak (offices, carrier NAT, a café's Wi-Fi): alone it does
 *   not hold, beside any other sign it does.
 * - existing_customer 100: the friend was already a customer, so there is no one new to reward:
 *   rejected at the default threshold.
 */
export const REFERRAL_REASON_SCORES = {
  same_email: 90,
  same_phone: 70,
  same_address: 60,
  device_velocity: 50,
  ip_velocity: 30,
  existing_customer: 100,
} as const;
export type ReferralReasonCode = keyof typeof REFERRAL_REASON_SCORES;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The referral's score: the sum of every check that fired, each a named reason in plain words
 * without personal data. A part missing on either side (null) never matches. Velocity fires when
 * the other referrals from the same IP or device within `velocity_days` reach `velocity_limit`
 * (so the one that would pass the limit is the first flagged). At or above reject_at: reject;
 * at or above hold_at: hold; otherwise complete.
 */
export function scoreReferral(facts: ReferralFacts, fraud: ReferralConfig["fraud"]): ReferralScore {
  const reasons: ReferralReason[] = [];
  const fire = (code: ReferralReasonCode, detail: string) => reasons.push({ code, score: REFERRAL_REASON_SCORES[code], detail });
  const same = (part: keyof IdentityFingerprints) => facts.advocate[part] !== null && facts.advocate[part] === facts.friend[part];
  const window = plural(fraud.velocity_days, "day", "days");

  if (same("email")) fire("same_email", "The friend's email address is the advocate's, once +tags (and dots, where the provider ignores them) are set aside.");
  if (same("phone")) fire("same_phone", "The friend's phone number is the advocate's.");
  if (same("address")) fire("same_address", "The friend's shipping address is the advocate's.");
  if (facts.sameDeviceCompletions >= fraud.velocity_limit) {
    fire("device_velocity", `${plural(facts.sameDeviceCompletions, "other referral", "other referrals")} came from the same device in the last ${window} (the limit is ${fraud.velocity_limit}).`);
  }
  if (facts.sameIpCompletions >= fraud.velocity_limit) {
    fire("ip_velocity", `${plural(facts.sameIpCompletions, "other referral", "other referrals")} came from the same IP address in the last ${window} (the limit is ${fraud.velocity_limit}).`);
  }
  if (facts.friendAlreadyCustomer) fire("existing_customer", "The friend was already a customer of the shop before the referral.");

  const score = reasons.reduce((sum, reason) => sum + reason.score, 0);
  const decision: ReferralDecision = score >= fraud.reject_at ? "reject" : score >= fraud.hold_at ? "hold" : "complete";
  return { score, reasons, decision };
}
