// What a CustomerAccount's ledger holds and what its outbox publishes on the ledger-events
// queue. Plain types: the object writes them, the queue consumer and the Postgres projection
// read them, and none of those reaches into another's folder for them.
import type { EarnLimit, EarnSnapshot } from "./program";
import type { DeliveryStatus, NotificationChannel } from "./notifications";
import type { REFERRAL_STATUSES, ReferralReward } from "./referral-config";

/**
 * earn, signup and the other earning actions, adjustment (+): new points, each a lot that may
 * expire. reversal, redemption, expiry, adjustment (−): points taken. release: a redemption's
 * points given back (Shopify refused the code, the code expired unused, or the order that used
 * it was cancelled). campaign (+): a bonus campaign's points (a spend goal reached, a bonus
 * action).
 */
export type LedgerKind =
  | "earn"
  | "reversal"
  | "signup"
  | "newsletter"
  | "review"
  | "birthday"
  | "social_follow"
  | "goal_spend"
  | "redemption"
  | "release"
  | "expiry"
  | "adjustment"
  | "campaign"
  | "referral";

/** Points earned from an action other than an order's purchase (a lot, counted as earned). */
export const ACTION_KINDS = ["signup", "newsletter", "review", "birthday", "social_follow", "goal_spend"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** What an action's award remembers of the rule that gave it. */
export interface ActionSnapshot {
  program_version: number;
  action: ActionKind;
  points: number;
  limit: EarnLimit;
}

/** Kinds whose points add to total_points_earned (when positive). */
export function countsAsEarned(kind: LedgerKind): boolean {
  return kind === "earn" || kind === "adjustment" || kind === "campaign" || kind === "referral" || (ACTION_KINDS as readonly string[]).includes(kind);
}

export interface AccountSummary {
  customer_id: string;
  points_balance: number;
  total_points_earned: number;
  total_points_redeemed: number;
  total_points_reversed: number;
}

export interface LedgerEntry {
  id: string;
  seq: number;
  kind: LedgerKind;
  points: number;
  balance_after: number;
  source_type: "order" | "refund" | "customer" | "review" | "redemption" | "adjustment" | "expiry" | "campaign" | "referral";
  source_id: string;
  snapshot: EarnSnapshot | ActionSnapshot | CampaignBonusSnapshot | null;
  note: string | null;
  created_at: string;
}

/** What a campaign bonus (kind `campaign`) remembers of the campaign that gave it. */
export interface CampaignBonusSnapshot {
  campaign_id: string;
  campaign_version: number;
  campaign_kind: "goal_spend" | "bonus_action";
  points: number;
  /** goal_spend: the goal and its window, and the order that reached it. */
  amount?: string;
  days?: number;
  order_gid?: string;
}

export interface CustomerProfile {
  email_encrypted: string | null;
  email_blind_index: string | null;
  first_name: string | null;
  last_name: string | null;
  shopify_created_at: string | null;
}

export type RedemptionStatus = "pending" | "issued" | "used" | "expired" | "failed" | "cancelled";

/** A redemption as the reporting projection holds it (never the code itself). */
export interface RedemptionRecord {
  id: string;
  reward_id: string;
  reward_type: string;
  title: string;
  points: number;
  status: RedemptionStatus;
  discount_gid: string | null;
  order_gid: string | null;
  failure_reason: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
  /** Grows with every change of this redemption: the projection keeps the highest. */
  revision: number;
}

/** Who changed points by hand, for audit_logs. */
export interface AuditRecord {
  id: string;
  actor_type: "merchant" | "admin";
  actor_id: string;
  action: "points.adjust";
  entry_id: string;
  points: number;
  reason: string;
  /** The balance just before and just after (absent from adjustments recorded before they were kept). */
  balance_before?: number;
  balance_after?: number;
  created_at: string;
}

/**
 * A change of the VIP tier a customer holds (ledger-adjacent: no points move). `from`/`to` are
 * tier ids (null: no tier); `value` is what they had in the tier basis then (points, or mills
 * of spend). Rules and reasons: core/tiers.ts.
 */
export interface TierChangeRecord {
  id: string;
  seq: number;
  from: string | null;
  to: string | null;
  reason: "qualified" | "grace_ended" | "period_ended" | "tier_removed";
  basis: "points" | "spend";
  value: number;
  at: string;
}

/**
 * A notification's state for email_events (ledger-adjacent: no points move): one row per
 * (key, channel), each newer record replacing the last (core/notifications.ts DELIVERY_STATUSES).
 */
export interface NotificationRecord {
  key: string;
  channel: NotificationChannel;
  notification_type: string;
  status: DeliveryStatus;
  provider: string | null;
  tries: number;
  provider_message_id: string | null;
  /** Why it was skipped or failed (a short code and message, no recipient). */
  error: string | null;
  /** The address it went to, sealed (core/crypto.ts recipientContext). */
  recipient_encrypted: string | null;
  language: string | null;
  at: string;
}

/**
 * pending: bound to a friend, waiting for the completion (the friend's first paid order);
 * completed: both sides rewarded; held: scored suspicious, waiting for the merchant;
 * rejected: by the score or the merchant, nothing paid; expired: not completed within the
 * shop's expiry_days, nothing paid; reversed: the qualifying order was cancelled or refunded in
 * full after completion, the points rewards taken back.
 */
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** One fraud check that fired: a named reason and what it adds to the score (core/referrals.ts). */
export interface ReferralReason {
  code: string;
  score: number;
  /** Plain words for the merchant, no personal data. */
  detail: string;
}

/** What rewarded (or will reward) one side of a referral. */
export interface ReferralSideReward {
  reward: ReferralReward;
  /** points: the points given (0 until given); discount: the redemption id of the code. */
  points: number;
  redemption_id: string | null;
}

/**
 * A referral as the friend's account holds it and publishes it (ledger-adjacent): the friend's
 * CustomerAccount owns it (a customer is referred at most once, so its id is the friend's
 * customer id); the advocate's account, the projection and the notifications follow it. Each
 * change carries the whole record and a higher revision: the readers keep the highest.
 */
export interface ReferralRecord {
  id: string;
  code: string;
  advocate_id: string;
  friend_id: string;
  status: ReferralStatus;
  score: number;
  reasons: ReferralReason[];
  /** How the friend was bound: the widget's complete call, their signup, or their order's cart attribute. */
  bound_via: "endpoint" | "signup" | "order";
  program_version: number;
  advocate: ReferralSideReward;
  friend: ReferralSideReward;
  /** The order that completed it (first_order), and its earn base in the shop's money ("120.00"). */
  order_gid: string | null;
  order_subtotal: string | null;
  /** Who decided a held referral: "merchant:<user id>" or "score"; null while undecided. */
  decided_by: string | null;
  bound_at: string;
  expires_at: string;
  completed_at: string | null;
  updated_at: string;
  revision: number;
}

/** What the ledger-events queue carries from an account's outbox. */
export type LedgerEvent =
  | {
      type: "ledger_entry";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      entry: LedgerEntry;
      account: Omit<AccountSummary, "customer_id">;
    }
  | {
      type: "customer_profile";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      profile: CustomerProfile;
    }
  | {
      type: "order_seen";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      order_gid: string;
    }  | {
      type: "redemption";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      redemption: RedemptionRecord;
    }
  | {
      type: "audit";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      audit: AuditRecord;
    }
  | {
      /** For notifications (no projection): points that expire soon unless the customer acts. */
      type: "points_expiring";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      points: number;
      expires_at: string;
    }
  | {
      type: "notification";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      notification: NotificationRecord;
    }
  | {
      /** The friend's account changed a referral: the advocate's account, the projection and the notifications follow. */
      type: "referral";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      referral: ReferralRecord;
    }
  | {
      type: "tier_changed";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      change: TierChangeRecord;
    }
  | {
      /**
       * For the plan's usage count (no projection): a paid order started or stopped counting
       * (core/plans.ts orderCounts), or its points were held or released. Each carries the
       * order's whole state; the consumer keeps the one with the highest outbox_seq.
       */
      type: "order_usage";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      order_gid: string;
      /** The calendar month (UTC) of the payment: "2026-12". */
      month: string;
      counts: boolean;
      /** The points held for it (0: none held). */
      held_points: number;
    };
