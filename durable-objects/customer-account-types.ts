import type { Campaign } from "../core/campaigns";
import type { ProgramSettings, SocialNetwork } from "../core/program";
import type { AwardOutcome } from "./earning-actions";
import type { CustomerProfile, LedgerEntry, ReferralRecord, ReferralStatus } from "../core/ledger-events";
import type { Contact, ContactUpdate, NotificationChannel } from "../core/notifications";
import type { RedemptionTerms } from "../core/rewards";
import type { RewardSnapshot, ShopperRedemption } from "./redemptions";
import type { VipTier } from "../core/tiers";

export interface Delivery {
  /** X-Shopify-Event-Id, else X-Shopify-Webhook-Id, else an internal id. */
  id: string;
  topic: string;
}

export interface AccountIdentity {
  shop: string;
  customerId: string;
}

export type EffectResult =
  | { outcome: "applied"; points: number; balance: number }
  | { outcome: "duplicate"; points: number; balance: number }
  | { outcome: "recorded"; points: 0; balance: number };

export interface OrderPaidInput extends AccountIdentity {
  delivery: Delivery;
  orderGid: string;
  /** The subtotal after discounts: refunds are shares of it. */
  baseMills: number;
  /** Shipping and tax, counted when the program's earn base includes them. */
  shippingMills?: number;
  taxMills?: number;
  taxesIncluded?: boolean;
  /** The codes entered on the order: reward codes among them become `used`. */
  discountCodes?: string[];
  /** When the order was placed (epoch ms); null or absent: when it reached us. */
  placedAt?: number | null;
  program: ProgramSettings;
  /** The shop's VIP tiers (all, disabled included); absent: the object reads them from D1. */
  tiers?: VipTier[];
  /** The shop's campaigns (d1/campaigns.ts campaignsForEarning), judged at the placed time. */
  campaigns?: Campaign[];
  /**
   * The shop is past its plan's grace (core/plans.ts): the order is recorded with its earn
   * snapshot but its points are held until releaseHeldAwards.
   */
  holdAward?: boolean;
  /** What the order tells of the customer's contact and language (for notifications). */
  contact?: ContactUpdate;
  /** The referral code the order's cart attribute carries (the widget set it from a referral link). */
  referralCode?: string | null;
  /** Keyed hashes of the shopper's IP, for the referral's velocity check. */
  referralSource?: ReferralSource;
  /** Keyed hashes of the order's email, phone and shipping address, for referral fraud checks. */
  referralIdentity?: ReferralIdentityUpdate;
}

/** Held awards go out (the shop upgraded, or a new month began). */
export type ReleaseHeldInput = AccountIdentity;

export interface ReleaseHeldResult {
  /** Orders whose held points were given now, in payment order. */
  released: number;
  points: number;
}

/** The shop's tier configuration, when the caller has it; the object reads what is absent from D1. */
export interface TierConfigInput {
  tiers?: VipTier[];
  program?: ProgramSettings;
}

export interface OrderCancelledInput extends AccountIdentity, TierConfigInput {
  delivery: Delivery;
  orderGid: string;
}

export interface RefundInput extends AccountIdentity, TierConfigInput {
  delivery: Delivery;
  orderGid: string;
  refundGid: string;
  refundedMills: number;
}

export interface CustomerCreatedInput extends AccountIdentity {
  /** Running bonus-action campaigns add their points to the award (d1/campaigns.ts campaignsForEarning). */
  campaigns?: Campaign[];
  delivery: Delivery;
  customerGid: string;
  profile: CustomerProfile;
  program: ProgramSettings;
  /** Set when the customer's email marketing consent is `subscribed`. */
  newsletter?: NewsletterConsent | null;
  /** The customer's contact (for notifications). */
  contact?: ContactUpdate;
  /** Keyed hashes of the customer's email and phone and when their account was created, for referral fraud checks. */
  referralIdentity?: ReferralIdentityUpdate;
}

/** An email marketing consent that is `subscribed`. */
export interface NewsletterConsent {
  /** consent_updated_at (epoch ms): one subscription, whatever the redeliveries; null if Shopify sent none. */
  consentedAt: number | null;
  /** When the delivery says it happened: the limit counts it then when consentedAt is null. */
  triggeredAt: number;
}

export interface NewsletterInput extends AccountIdentity {
  /** Running bonus-action campaigns add their points to the award (d1/campaigns.ts campaignsForEarning). */
  campaigns?: Campaign[];
  delivery: Delivery;
  customerGid: string;
  program: ProgramSettings;
  newsletter: NewsletterConsent;
}

export interface ReviewInput extends AccountIdentity {
  /** Running bonus-action campaigns add their points to the award (d1/campaigns.ts campaignsForEarning). */
  campaigns?: Campaign[];
  /** The provider's review id: the award's idempotency key. */
  reviewId: string;
  /** When the review was written (the limit counts it then); absent: now. */
  at?: number;
  program: ProgramSettings;
}

export interface SocialFollowInput extends AccountIdentity {
  /** Running bonus-action campaigns add their points to the award (d1/campaigns.ts campaignsForEarning). */
  campaigns?: Campaign[];
  network: SocialNetwork;
  /** The request's Idempotency-Key, or a fresh id. */
  requestKey: string;
  /** The limit counts it at this time; absent: now (tests pass a fixed clock). */
  at?: number;
  program: ProgramSettings;
}

export type ActionResult = AwardOutcome & { balance: number };

export interface SetBirthdayInput extends AccountIdentity {
  month: number;
  day: number;
  year?: number;
  /** Absent: now. */
  at?: number;
}

export interface CustomerActions {
  birthday: { month: number; day: number } | null;
  social_follows: string[];
}

export interface RedeemInput extends AccountIdentity {
  /** The request's Idempotency-Key, or a fresh id when it sent none. */
  requestKey: string;
  reward: RewardSnapshot;
  terms: RedemptionTerms;
  program: ProgramSettings;
}

export type RedeemResult =
  | { outcome: "issued" | "pending" | "failed"; redemption: ShopperRedemption; balance: number }
  | { outcome: "insufficient_points"; balance: number; needed: number }
  | { outcome: "key_reused" };

export interface AdjustInput extends AccountIdentity {
  requestKey: string;
  /** Non-zero: added when positive, removed when negative. */
  points: number;
  reason: string;
  actor: { type: "merchant" | "admin"; id: string };
  program: ProgramSettings;
}

export type AdjustResult =
  | { outcome: "applied" | "duplicate"; entry_id: string; points: number; balance: number }
  | { outcome: "insufficient_points"; balance: number }
  | { outcome: "key_reused" };

export interface AccountHistory {
  redemptions: ShopperRedemption[];
  transactions: LedgerEntry[];
}

export interface TierStatusInput extends AccountIdentity, TierConfigInput {}

/** The tier a customer holds now (core/tiers.ts rules), as the object evaluated it. */
/** What one paid order did for the account (the thank-you page's read). */
export interface OrderPointsRead {
  /** The order's own award (not bonuses it triggered), before refunds. */
  earned: number;
  /** What refunds or a cancellation took back of it. */
  reversed: number;
  /** Past the plan's grace the award waits (releaseHeldAwards gives it later). */
  held: boolean;
}

export interface HeldTier {
  tier_id: string | null;
  /** Points, or mills of spend, in the program's basis and period. */
  value: number;
  keeps_until: string | null;
}

/** The error a redacted customer's object throws for any effect (topics/index.ts answers `ignored`). */
export const CUSTOMER_REDACTED = "customer_redacted";

/** Asks for the right to send one notification on one channel (notification-rows.ts claim). */
export interface ClaimNotificationInput extends AccountIdentity {
  key: string;
  channel: NotificationChannel;
  type: string;
  /** reward_issued: the redemption whose code the message carries. */
  redemptionId?: string | null;
}

export type NotificationClaim =
  | { state: "send"; claimId: string; tries: number; contact: Contact; locale: string | null; discountCode: string | null; pointsBalance: number }
  | { state: "busy"; retryInMs: number }
  | { state: "done"; status: string }
  | { state: "skip"; reason: string };

export interface NotificationOutcomeInput extends AccountIdentity {
  key: string;
  channel: NotificationChannel;
  type: string;
  claimId: string;
  /** unsubscribed: the provider refused the recipient as opted out (Twilio's STOP): their SMS consent ends. */
  status: "sent" | "retrying" | "failed" | "unsubscribed";
  provider: string;
  providerMessageId: string | null;
  error: string | null;
  language: string | null;
  /** The address used (sealed into the email_events record, never stored plain). */
  recipient: string | null;
}

/** What a provider reported after accepting a message (SendGrid's event webhook). */
export interface NotificationFeedbackInput extends AccountIdentity {
  key: string;
  channel: NotificationChannel;
  type: string;
  status: "bounced" | "unsubscribed";
  /** The provider's event and reason, short, no address. */
  detail: string;
  /** Whether the address may not be written to again. */
  suppress: boolean;
}

// --- Referrals (durable-objects/referral-rows.ts; rules: core/referrals.ts) ---------------------

/**
 * Keyed hashes of who a customer is (core/referral-identity.ts identityFingerprints): compared,
 * never opened. A field unknown so far is null.
 */
export interface ReferralIdentity {
  email: string | null;
  phone: string | null;
  address: string | null;
}

/** What a webhook or request tells of the customer, for fraud checks; each field null when it told nothing. */
export interface ReferralIdentityUpdate extends Partial<ReferralIdentity> {
  /** When the customer's Shopify account was created (epoch ms). */
  customerCreatedAt?: number | null;
}

/** Where a referral came from: keyed hashes of the shopper's IP and the widget's device id. */
export interface ReferralSource {
  ip: string | null;
  device: string | null;
}

/** A referral code to bind this customer (the friend) to. */
export interface BindReferralInput extends AccountIdentity {
  code: string;
  via: "endpoint" | "signup";
  program: ProgramSettings;
  source: ReferralSource;
  identity?: ReferralIdentityUpdate;
  /** Absent: now (tests pass a clock). */
  at?: number;
}

export type BindReferralResult =
  | { outcome: "bound" | "existing"; referral: ReferralRecord }
  | { outcome: "invalid_code" | "unknown_code" | "own_code" | "disabled" }
  | { outcome: "already_referred"; referral: ReferralRecord };

/** A referral the customer made, as the advocate's widget lists it: never the friend's name or email. */
export interface ReferredFriend {
  id: string;
  status: ReferralStatus;
  bound_at: string;
  completed_at: string | null;
  /** The advocate's points from it (0 when not given, or taken back). */
  points: number;
  /** The advocate got a discount code from it. */
  discount: boolean;
}

export interface DecideReferralInput extends AccountIdentity {
  decision: "approve" | "reject";
  /** "merchant:<user id>" or "admin:<id>". */
  by: string;
  program: ProgramSettings;
}

export type DecideReferralResult =
  | { outcome: "decided"; referral: ReferralRecord }
  | { outcome: "not_found" }
  | { outcome: "not_held"; referral: ReferralRecord };
