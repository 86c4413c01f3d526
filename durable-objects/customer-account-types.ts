import type { Campaign } from "../core/campaigns";
import type { ProgramSettings, SocialNetwork } from "../core/program";
import type { AwardOutcome } from "./earning-actions";
import type { CustomerProfile, LedgerEntry } from "../core/ledger-events";
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
