// One object per (shop, customer): the only writer of that customer's points. Every effect is
// applied synchronously inside one storage transaction, so concurrent deliveries serialize and
// an effect's idempotency key, its ledger rows, the balance and its outbox rows commit together.
import { DurableObject } from "cloudflare:workers";
import { backoffMs, type BackoffPolicy } from "../core/backoff";
import { contactContext, decryptText, discountCodeContext, encryptText, keyring, recipientContext } from "../core/crypto";
import {
  CODE_EXPIRY_GRACE_MS,
  NO_EXPIRY,
  PointsExpirySchema,
  inactivityExpiresAt,
  lotExpiresAt,
  reminderAt,
  type PointsExpiry,
} from "../core/expiry";
import { campaignActionBonus, earnOrder, goalSpendLookaround, isCampaignAction, spendGoalBonuses, type Campaign } from "../core/campaigns";
import { campaignsForEarning } from "../d1/campaigns";
import type { PaidOrderSpend } from "../core/goal-spend";
import { earnBaseMills, reversalTarget, type EarnSnapshot, type ProgramSettings, type TierPolicy } from "../core/program";
import { goalSpendRule } from "../core/earn-limits";
import { evaluateCustomerTier, pointsContribution, tierMultiplier, type TierEvaluation, type VipTier } from "../core/tiers";
import { redemptionTerms } from "../core/rewards";
import { getReward } from "../d1/rewards";
import { getProgram } from "../d1/shops";
import { shopTiers } from "../d1/vip-tiers";
import * as earning from "./earning-actions";
import { createDiscountCode, findDiscountByCode, type CreateDiscountOutcome } from "../workers/shopify/discounts";
import { migrateSqlStorage } from "./sql-migrations";
import { CUSTOMER_ACCOUNT_MIGRATIONS } from "./customer-account-schema";
import * as lots from "./lots";
import * as notificationRows from "./notification-rows";
import { unreachableBy, type Contact, type ContactUpdate } from "../core/notifications";
import * as redemptionRows from "./redemption-rows";
import * as tierRows from "./tier-rows";
import * as referralRows from "./referral-rows";
import { ALREADY_CUSTOMER_AFTER_MS, changed, isExpired, newReferral, referralDiscount, orderQualifies, referralKeys } from "../core/referral-lifecycle";
import { normaliseReferralCode, scoreReferral } from "../core/referrals";
import type { ReferralConfig } from "../core/referral-config";
import { advocateOfCode } from "../d1/referral-codes";
import { customerAccount, shopCoordinator } from "./stubs";
import { nextWakeAt } from "./wake-schedule";
import { orderCounts, usageMonth } from "../core/plans";
import { formatMills } from "../core/money";
import {
  codeHash,
  discountSpec,
  mintCode,
  projectionRecord,
  requestHash,
  shopperView,
  codeIsShown,
  type RedemptionRow,
  type ShopperRedemption,
} from "./redemptions";
import { ACTION_KINDS, countsAsEarned, type ReferralRecord, type AccountSummary, type ActionSnapshot, type CampaignBonusSnapshot, type LedgerEntry, type LedgerEvent, type LedgerKind } from "../core/ledger-events";
import { CUSTOMER_REDACTED } from "./customer-account-types";
import type {
  AccountHistory,
  AccountIdentity,
  OrderPointsRead,
  AdjustInput,
  AdjustResult,
  ClaimNotificationInput,
  NotificationClaim,
  NotificationFeedbackInput,
  NotificationOutcomeInput,
  ActionResult,
  CustomerActions,
  CustomerCreatedInput,
  NewsletterInput,
  NewsletterConsent,
  ReviewInput,
  SetBirthdayInput,
  SocialFollowInput,
  Delivery,
  EffectResult,
  HeldTier,
  OrderCancelledInput,
  OrderPaidInput,
  RedeemInput,
  RedeemResult,
  RefundInput,
  ReleaseHeldInput,
  ReleaseHeldResult,
  TierStatusInput,
  BindReferralInput,
  BindReferralResult,
  DecideReferralInput,
  DecideReferralResult,
  ReferralIdentity,
  ReferralIdentityUpdate,
  ReferralSource,
  ReferredFriend,
} from "./customer-account-types";
import { log, rememberSecrets } from "../core/log";

/**
 * An unconfirmed outbox row is sent again after 15 s, then 30 s, then every minute. The cap is
 * how long the projection may lag once Postgres returns from an outage: while it is down, the
 * consumer leaves its events to these resends (queues/ledger-events.ts).
 */
export const OUTBOX_RESEND: BackoffPolicy = { baseMs: 15_000, maxMs: 60_000 };
// One sendBatch: queues take at most 100 messages per batch.
const OUTBOX_BATCH = 90;
/** How long a shopper's redemption may wait on Shopify, all retries and throttling included. */
export const REDEEM_BUDGET_MS = 6_000;
const REDEEM_ATTEMPT_TIMEOUT_MS = 3_000;
/**
 * A redemption whose create call may still land at Shopify (a timeout, a dropped connection)
 * is settled this long after: by then Shopify has finished with any request of ours, and a
 * lookup of the code tells for certain whether it exists. Later tries back off to 10 minutes.
 */
export const REDEMPTION_SETTLE: BackoffPolicy = { baseMs: 30_000, maxMs: 600_000 };

type Row = Record<string, SqlStorageValue>;

/** What tier evaluation needs of the shop: its tiers (disabled included) and the policy. */
type StoredTierState = ReturnType<typeof tierRows.readState>;

function sameTierState(a: StoredTierState, b: StoredTierState): boolean {
  return a.tier_id === b.tier_id && a.since === b.since && a.below_since === b.below_since && a.wake_at === b.wake_at;
}

interface TierConfig {
  tiers: VipTier[];
  policy: TierPolicy;
}

/** A failed read of the tier configuration in the alarm is tried again this much later. */
const TIER_CONFIG_RETRY_MS = 60_000;
/** An entry reward not issued right after its commit (the process died) is issued by the alarm this much later. */
const ENTRY_REWARD_BACKSTOP_MS = 30_000;

type OrderRow = {
  order_gid: string;
  paid: number;
  base_mills: number | null;
  earned: number;
  snapshot: string | null;
  refunded_mills: number;
  cancelled: number;
  reversed: number;
  forgiven: number;
  paid_at: number | null;
  usage_month: string | null;
  usage_reported: string | null;
  hold: "held" | "released" | "dropped" | null;
};

interface Trigger {
  sourceType: LedgerEntry["source_type"];
  sourceId: string;
  idempotencyKey: string;
  note: string | null;
}

/** What the fraud checks of a referral need from outside the friend's account. */
interface ReferralOutsideFacts {
  advocate: ReferralIdentity;
  sameIpCompletions: number;
  sameDeviceCompletions: number;
}

/** A paid order's referral step, prepared before its transaction: a code to bind (its cart attribute), and the outside facts. */
interface ReferralOrderPlan {
  bind: { code: string; advocateId: string } | null;
  outside: ReferralOutsideFacts;
}

/** What an entry does to the expiry lots; by default it follows from the entry's kind. */
type LotEffect = { kind: "restore"; drawSeq: number } | { kind: "take"; lots: lots.OpenLot[] };

/** Kinds that count as the customer's activity (after_inactivity expiry). */
const ACTIVITY_KINDS: ReadonlySet<LedgerKind> = new Set(["earn", ...ACTION_KINDS, "redemption", "adjustment", "campaign"]);

/** What gdprExport returns. */
export interface CustomerAccountExport {
  summary: Omit<AccountSummary, "customer_id">;
  ledger: LedgerEntry[];
  orders: Record<string, SqlStorageValue>[];
  redemptions: Record<string, unknown>[];
  tier: ReturnType<typeof tierRows.readState>;
  tier_history: ReturnType<typeof tierRows.changes>;
  earning_actions: Record<string, SqlStorageValue>[];
  birthday: { month: number; day: number; year: number | null } | null;
  social_follows: string[];
  /** The contact notifications go to, opened, with the language and consents kept. */
  contact: (Contact & { locale: string | null; sms_consent: boolean; email_suppressed: boolean }) | null;
  /** Every notification claimed or skipped for the customer. */
  notifications: Record<string, SqlStorageValue>[];
  /** The referral they were brought by (as its friend), and those they made (as advocate). */
  referrals: { as_friend: ReferralRecord | null; as_advocate: ReferredFriend[] };
}

export function customerAccountName(shop: string, customerId: string): string {
  return `${shop}:${customerId}`;
}

export class CustomerAccount extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  /** Redemptions waiting on Shopify in this instance: a retried request joins the same call. */
  private readonly inflight = new Map<string, Promise<RedeemResult>>();
  /**
   * A committed entry moved the tier value and no evaluation followed it in its transaction
   * (an effect that does not evaluate tiers itself): afterCommit evaluates them then.
   */
  private tierValueMoved = false;
  /** Entry rewards were recorded as due in the committed transaction: issue them after it. */
  private entryRewardsDue = false;
  private issuingEntryRewards: Promise<void> | null = null;
  /** A referral reward code became due in the committed transaction: issue it after it. */
  private referralCodesDue = false;
  private issuingReferralCodes: Promise<void> | null = null;
  // In-memory copies of one-row tables; dropped whenever a transaction rolls back.
  private boundIdentity: AccountIdentity | null = null;
  /** Transactions begun in this instance: what a memo of a read checks nothing moved since. */
  private writes = 0;
  private standingMemo: { tiers: VipTier[]; policy: TierPolicy; writes: number; state: StoredTierState; until: number; held: HeldTier } | null = null;
  private accountRow: Omit<AccountSummary, "customer_id"> | null = null;
  /** The redaction tombstone's time, once read (undefined: not read yet). */
  private redacted: number | null | undefined = undefined;
  /** The customer's contact, opened once (null: not opened yet). */
  private contactMemo: Contact | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    rememberSecrets(env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateSqlStorage(ctx.storage, CUSTOMER_ACCOUNT_MIGRATIONS));
  }

  // --- Effects (RPC) ------------------------------------------------------------------------

  async orderPaid(input: OrderPaidInput): Promise<EffectResult> {
    await this.rememberContact(input, input.contact);
    const codeHashes = await Promise.all((input.discountCodes ?? []).map(codeHash));
    const tiers = await this.tierConfig(input.shop, input);
    this.rememberReferralIdentity(input, input.referralIdentity);
    const referral = await this.planReferralForOrder(input);
    return this.applyOnce(input, input.delivery, `${input.orderGid}:earn`, () => {
      this.rememberPolicy(input.program);
      // The order earns at the tier held when it is paid, before it counts towards one; campaigns
      // are judged at the order's placed time, for that tier.
      const { held } = this.evaluateTiers(tiers);
      const placedAt = input.placedAt ?? Date.now();
      const { points, snapshot, tierId } = earnOrder(
        input.program,
        earnBaseMills(input.program.earn_base, input),
        tierMultiplier(held),
        input.campaigns ?? [],
        placedAt,
      );
      // Past the plan's grace the points are held: the order keeps its snapshot (the rules at
      // payment time) and releaseHeldAwards gives them later. Nothing to give, nothing held.
      const hold = input.holdAward === true && points > 0 ? "held" : null;
      const prior = this.sql
        .exec<{ refunded_mills: number; cancelled: number }>(
          `INSERT INTO orders (order_gid, paid, base_mills, earned, snapshot, paid_at, usage_month, hold, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (order_gid) DO UPDATE SET paid = 1, base_mills = excluded.base_mills, earned = excluded.earned,
             snapshot = excluded.snapshot, paid_at = excluded.paid_at, usage_month = excluded.usage_month, hold = excluded.hold,
             updated_at = excluded.updated_at
           RETURNING refunded_mills, cancelled`,
          input.orderGid,
          input.baseMills,
          points,
          JSON.stringify(snapshot),
          placedAt,
          usageMonth(Date.now()),
          hold,
          Date.now(),
        )
        .one();
      if (points > 0 && hold === null) {
        this.append("earn", points, {
          sourceType: "order",
          sourceId: input.orderGid,
          idempotencyKey: `${input.orderGid}:earn`,
          note: null,
        }, snapshot);
      }
      const bonus = this.awardSpendGoals(input.campaigns ?? [], tierId, placedAt, input.orderGid);
      this.enqueue({ type: "order_seen", order_gid: input.orderGid });
      const goal = this.awardGoalSpend(input.program, input.orderGid, placedAt);
      this.markCodesUsed(codeHashes, input.orderGid);
      if (prior.cancelled === 1) this.returnCodesOfCancelledOrder(input.orderGid);
      // Refunds or a cancellation that arrived before the payment are applied now.
      const late = prior.refunded_mills === 0 && prior.cancelled === 0 ? 0 : this.reconcile(input.orderGid, {
        sourceType: "order",
        sourceId: input.orderGid,
        idempotencyKey: `${input.orderGid}:late-reversal`,
        note: "refunds or cancellation received before the payment",
      });
      this.settleHold(input.orderGid);
      this.reportUsage(input.orderGid);
      const referred = this.referralOnPaidOrder(referral, input.program, input.orderGid, input.baseMills);
      this.evaluateTiers(tiers);
      return (hold === null ? points : 0) + goal + bonus - late + referred;
    });
  }

  /**
   * Goal-spend campaigns (core/campaigns.ts goalSpendReached) that the order placed at `at`
   * reaches: each awards its points once per customer (key `campaign:<id>:goal`). Returns the
   * points awarded.
   */
  private awardSpendGoals(campaigns: readonly Campaign[], tierId: string | null, at: number, orderGid: string): number {
    const state = this.goalSpendState(campaigns, at);
    if (!state) return 0;
    let awarded = 0;
    for (const bonus of spendGoalBonuses(campaigns, state.orders, tierId, at, new Set(state.awarded))) {
      const goal = campaigns.find((c) => c.id === bonus.campaign_id);
      if (goal?.kind !== "goal_spend") continue;
      const key = `campaign:${goal.id}:goal`;
      const snapshot: CampaignBonusSnapshot = {
        campaign_id: goal.id,
        campaign_version: goal.version,
        campaign_kind: "goal_spend",
        points: goal.points,
        amount: goal.amount,
        days: goal.days,
        order_gid: orderGid,
      };
      this.append("campaign", goal.points, { sourceType: "campaign", sourceId: goal.id, idempotencyKey: key, note: goal.translations.en.name }, snapshot);
      awarded += goal.points;
    }
    return awarded;
  }

  /**
   * What goal-spend campaigns judge an order placed at `at` by: the paid orders placed within
   * their longest window either side, and the campaigns whose bonus this customer already has.
   * Null when no campaign is a goal-spend one. (Read by the simulate dry run too.)
   */
  goalSpendState(campaigns: readonly Campaign[], at: number): { orders: PaidOrderSpend[]; awarded: string[] } | null {
    const around = goalSpendLookaround(campaigns, at);
    if (!around) return null;
    const orders = this.sql
      .exec<{ paid_at: number; base_mills: number; refunded_mills: number; cancelled: number }>(
        `SELECT paid_at, base_mills, refunded_mills, cancelled FROM orders
         WHERE paid = 1 AND base_mills IS NOT NULL AND paid_at > ? AND paid_at < ?`,
        around.after,
        around.before,
      )
      .toArray()
      .map((o) => ({ paidAt: o.paid_at, baseMills: o.base_mills, refundedMills: o.refunded_mills, cancelled: o.cancelled === 1 }));
    const awarded = this.sql
      .exec<{ source_id: string }>(`SELECT source_id FROM ledger WHERE kind = 'campaign' AND idempotency_key LIKE 'campaign:%:goal'`)
      .toArray()
      .map((r) => r.source_id);
    return { orders, awarded };
  }

  async orderCancelled(input: OrderCancelledInput): Promise<EffectResult> {
    const tiers = await this.tierConfig(input.shop, input);
    return this.applyOnce(input, input.delivery, `${input.orderGid}:cancel`, () => {
      this.touchOrder(input.orderGid);
      this.sql.exec(`UPDATE orders SET cancelled = 1, updated_at = ? WHERE order_gid = ?`, Date.now(), input.orderGid);
      this.enqueue({ type: "order_seen", order_gid: input.orderGid });
      this.returnCodesOfCancelledOrder(input.orderGid);
      const taken = this.reconcile(input.orderGid, {
        sourceType: "order",
        sourceId: input.orderGid,
        idempotencyKey: `${input.orderGid}:cancel`,
        note: "order cancelled",
      });
      this.reverseReferralIfOrderGone(input.orderGid);
      this.settleHold(input.orderGid);
      this.reportUsage(input.orderGid);
      this.evaluateTiers(tiers);
      return -taken;
    });
  }

  async refundCreated(input: RefundInput): Promise<EffectResult> {
    const tiers = await this.tierConfig(input.shop, input);
    return this.applyOnce(input, input.delivery, `${input.refundGid}:refund`, () => {
      this.touchOrder(input.orderGid);
      this.sql.exec(
        `UPDATE orders SET refunded_mills = refunded_mills + ?, updated_at = ? WHERE order_gid = ?`,
        input.refundedMills,
        Date.now(),
        input.orderGid,
      );
      const taken = this.reconcile(input.orderGid, {
        sourceType: "refund",
        sourceId: input.refundGid,
        idempotencyKey: `${input.refundGid}:refund`,
        note: "order refunded",
      });
      this.reverseReferralIfOrderGone(input.orderGid);
      this.settleHold(input.orderGid);
      this.reportUsage(input.orderGid);
      this.evaluateTiers(tiers);
      return -taken;
    });
  }

  async customerCreated(input: CustomerCreatedInput): Promise<EffectResult> {
    await this.rememberContact(input, input.contact);
    this.rememberReferralIdentity(input, input.referralIdentity);
    return this.applyOnce(input, input.delivery, `${input.customerGid}:signup`, () => {
      this.rememberPolicy(input.program);
      this.enqueue({ type: "customer_profile", profile: input.profile });
      const campaigns = input.campaigns ?? [];
      const signup = this.awardAction(earning.signupAward(input.program, input.customerGid, Date.now()), campaigns);
      const newsletter = input.newsletter ? this.awardNewsletter(input.program, input.customerGid, input.newsletter, campaigns) : null;
      return (signup.outcome === "applied" ? signup.points : 0) + (newsletter?.outcome === "applied" ? newsletter.points : 0);
    });
  }

  /**
   * Gives the points held for this customer's orders (the shop upgraded, or a new month began),
   * in payment order, each exactly once: its earn entry carries the snapshot taken at payment
   * (the ledger's unique `<order>:earn` key forbids a second), then refunds received while it
   * was held reverse their share (money rule 3). The caller has checked the shop may award.
   */
  releaseHeldAwards(input: ReleaseHeldInput): ReleaseHeldResult {
    this.bindIdentity(input);
    const result = this.transaction(() => {
      const held = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE hold = 'held' ORDER BY paid_at, rowid`).toArray();
      let points = 0;
      for (const order of held) {
        const snapshot = order.snapshot ? (JSON.parse(order.snapshot) as EarnSnapshot) : null;
        const trigger = { sourceType: "order" as const, sourceId: order.order_gid, idempotencyKey: `${order.order_gid}:earn`, note: "held by the plan's limit, released" };
        this.append("earn", order.earned, trigger, snapshot);
        this.sql.exec(`UPDATE orders SET hold = 'released', updated_at = ? WHERE order_gid = ?`, Date.now(), order.order_gid);
        const taken = this.reconcile(order.order_gid, {
          sourceType: "order",
          sourceId: order.order_gid,
          idempotencyKey: `${order.order_gid}:held-reversal`,
          note: "refunds received while the award was held",
        });
        this.reportUsage(order.order_gid);
        points += order.earned - taken;
      }
      return { released: held.length, points };
    });
    if (result.released > 0) this.afterCommit();
    return result;
  }

  // --- Earning actions (RPC); the rules live in earning-actions.ts ------------------------------

  /** Email marketing consent became `subscribed`: the newsletter award. */
  newsletterSubscribed(input: NewsletterInput): ActionResult {
    this.bindIdentity(input);
    this.recordDelivery(input.delivery);
    const result = this.transaction(() => {
      this.rememberPolicy(input.program);
      return this.awardNewsletter(input.program, input.customerGid, input.newsletter, input.campaigns ?? []);
    });
    if (result.outcome === "applied") this.afterCommit();
    return { ...result, balance: this.summaryRow().points_balance };
  }

  /** A review published through the shop's review provider: once per review id, within the limit. */
  reviewPublished(input: ReviewInput): ActionResult {
    this.bindIdentity(input);
    return this.awardOnce(input.program, earning.reviewAward(input.program, input.reviewId, input.at ?? Date.now()), input.campaigns ?? []);
  }

  /** A follow from the widget: counted per network; a retried request (same key) answers the same. */
  socialFollow(input: SocialFollowInput): ActionResult {
    this.bindIdentity(input);
    return this.awardOnce(input.program, earning.socialFollowAward(input.program, input.network, input.requestKey, input.at ?? Date.now()), input.campaigns ?? []);
  }

  /** The shopper's birthday, given once (earning-actions.ts setBirthday). */
  setBirthday(input: SetBirthdayInput): { outcome: earning.SetBirthdayOutcome; birthday: { month: number; day: number } } {
    this.bindIdentity(input);
    const outcome = this.transaction(() => earning.setBirthday(this.sql, input, input.at ?? Date.now()));
    if (outcome === "set") this.armAlarm();
    const stored = earning.storedBirthday(this.sql)!;
    return { outcome, birthday: { month: stored.month, day: stored.day } };
  }

  /** What the shopper already did, for the widget. */
  actions(): CustomerActions {
    const birthday = earning.storedBirthday(this.sql);
    return { birthday: birthday ? { month: birthday.month, day: birthday.day } : null, social_follows: earning.followedNetworks(this.sql) };
  }

  /**
   * The one award path of every earning action. Inside a transaction. An award that applies
   * also earns every running bonus-action campaign for that action that the customer's tier
   * (as held) may join: one `campaign` entry each, keyed `campaign:<id>:<award key>`, so the
   * award and its bonuses commit together and a repeat of the award repeats neither.
   */
  private awardAction(award: earning.ActionAward, campaigns: readonly Campaign[] = []): earning.AwardOutcome {
    const outcome = earning.awardAction(this.sql, award, (a, points, snapshot) =>
      this.append(a.action, points, { sourceType: a.sourceType, sourceId: a.sourceId, idempotencyKey: a.key, note: a.note }, snapshot),
    );
    if (outcome.outcome === "duplicate") {
      // A repeat answers what the award brought, bonuses included.
      const bonus = this.sql
        .exec<{ points: number | null }>(
          `SELECT sum(points) AS points FROM ledger WHERE kind = 'campaign' AND substr(idempotency_key, -?) = ?`,
          award.key.length + 1,
          `:${award.key}`,
        )
        .one().points;
      return bonus ? { ...outcome, campaign_points: bonus } : outcome;
    }
    if (outcome.outcome !== "applied" || !isCampaignAction(award.action) || campaigns.length === 0) return outcome;
    const { bonuses } = campaignActionBonus(campaigns, award.action, tierRows.readState(this.sql).tier_id, award.at);
    for (const bonus of bonuses) {
      const campaign = campaigns.find((c) => c.id === bonus.campaign_id)!;
      const snapshot: CampaignBonusSnapshot = { campaign_id: bonus.campaign_id, campaign_version: bonus.campaign_version, campaign_kind: "bonus_action", points: bonus.points };
      this.append("campaign", bonus.points, {
        sourceType: "campaign",
        sourceId: bonus.campaign_id,
        idempotencyKey: `campaign:${bonus.campaign_id}:${award.key}`,
        note: campaign.translations.en.name,
      }, snapshot);
    }
    return { ...outcome, campaign_points: bonuses.reduce((sum, b) => sum + b.points, 0) };
  }

  private awardOnce(program: ProgramSettings, award: earning.ActionAward, campaigns: readonly Campaign[]): ActionResult {
    const result = this.transaction(() => {
      this.rememberPolicy(program);
      return this.awardAction(award, campaigns);
    });
    if (result.outcome === "applied") this.afterCommit();
    return { ...result, balance: this.summaryRow().points_balance };
  }

  private awardNewsletter(program: ProgramSettings, customerGid: string, consent: NewsletterConsent, campaigns: readonly Campaign[]): earning.AwardOutcome {
    return this.awardAction(earning.newsletterAward(program, customerGid, consent), campaigns);
  }

  /** After an order is paid: the goal-spend award when its window's spend reaches the amount. */
  private awardGoalSpend(program: ProgramSettings, orderGid: string, at: number): number {
    const rule = goalSpendRule(program);
    const reachedAt = rule ? earning.goalSpendReachedAt(this.sql, rule, at) : null;
    if (!rule || reachedAt === null) return 0;
    const result = this.awardAction(earning.goalSpendAward(program, rule, orderGid, reachedAt));
    return result.outcome === "applied" ? result.points : 0;
  }

  /**
   * The alarm: the birthday due by `now`, once (key birthday:<year>), under the shop's program
   * then. False when the program could not be read (the alarm tries again in a minute).
   */
  private async awardDueBirthday(now: number): Promise<boolean> {
    const due = earning.dueBirthday(this.sql, now);
    if (!due) return true;
    const { shop } = this.identity()!;
    let program: ProgramSettings;
    let campaigns: Campaign[];
    try {
      [program, campaigns] = await Promise.all([getProgram(this.env, shop), campaignsForEarning(this.env, shop)]);
    } catch (error) {
      log.warn("birthday: program unavailable, the alarm will retry", String(error));
      return false;
    }
    this.transaction(() => {
      if (earning.dueBirthday(this.sql, now)?.at !== due.at) return; // handled meanwhile
      this.awardAction(earning.birthdayAward(program, due), campaigns);
      earning.birthdayHandled(this.sql, due.at);
    });
    return true;
  }

  // --- Redemption: the saga of money rule 4 (RPC) ---------------------------------------------

  /**
   * Reserve → create the code at Shopify → issue, or release with a compensating entry. The
   * reservation and its ledger entry commit before Shopify is called, so a crash in between
   * leaves a `pending` redemption that the alarm settles; the code we mint is Shopify's
   * idempotency key, so no path creates two discounts for one redemption.
   */
  async redeem(input: RedeemInput): Promise<RedeemResult> {
    // A redacted customer holds nothing: the storefront answers as for any empty balance.
    if (this.redactedAt() !== null) return { outcome: "insufficient_points", balance: 0, needed: input.terms.points };
    this.bindIdentity(input);
    const hash = requestHash(input.reward.reward_id, input.terms.points);
    const existing = this.redemptionByKey(input.requestKey);
    if (existing) return this.replay(existing, hash);

    // Prepared before the transaction: encryption and hashing are async.
    const id = crypto.randomUUID();
    const code = mintCode();
    const ring = await keyring(this.env);
    const [codeEncrypted, hashOfCode] = await Promise.all([
      encryptText(ring.current, code, discountCodeContext(input.shop, input.customerId, id)),
      codeHash(code),
    ]);
    // Another request with this key may have reserved while we were preparing.
    const raced = this.redemptionByKey(input.requestKey);
    if (raced) return this.replay(raced, hash);

    const balance = this.summaryRow().points_balance;
    if (balance < input.terms.points) return { outcome: "insufficient_points", balance, needed: input.terms.points };

    const now = Date.now();
    const spec = discountSpec(input.customerId, input.reward, input.terms, now);
    this.transaction(() => {
      this.rememberPolicy(input.program);
      const reserveSeq = this.append("redemption", -input.terms.points, {
        sourceType: "redemption",
        sourceId: id,
        idempotencyKey: `redemption:${id}:reserve`,
        note: input.reward.title,
      }, null);
      redemptionRows.insert(this.sql, {
        id,
        request_key: input.requestKey,
        request_hash: hash,
        reward_id: input.reward.reward_id,
        reward_version: input.reward.version,
        reward_type: input.reward.type,
        title: input.reward.title,
        points: input.terms.points,
        spec: JSON.stringify(spec),
        code_encrypted: codeEncrypted,
        code_hash: hashOfCode,
        reserve_seq: reserveSeq,
        ends_at: spec.endsAt === null ? null : Date.parse(spec.endsAt),
        return_on_expiry: input.program.return_points_on_code_expiry ? 1 : 0,
        // If this process dies before Shopify answers, the alarm settles it after this.
        resolve_after: now + REDEMPTION_SETTLE.baseMs,
        created_at: now,
      });
      this.publishRedemption(id);
    });
    this.afterCommit();

    const call = this.completeRedemption(id, code, spec);
    this.inflight.set(id, call);
    try {
      return await call;
    } finally {
      this.inflight.delete(id);
    }
  }

  private async completeRedemption(id: string, code: string, spec: ReturnType<typeof discountSpec>): Promise<RedeemResult> {
    const { shop } = this.identity()!;
    const budget = { deadline: Date.now() + REDEEM_BUDGET_MS, attemptTimeoutMs: REDEEM_ATTEMPT_TIMEOUT_MS };
    let outcome: CreateDiscountOutcome;
    try {
      outcome = await createDiscountCode(this.env, shop, { ...spec, code }, budget);
    } catch (error) {
      // Not a Shopify answer (e.g. the shop has no token): nothing can have been created.
      outcome = { kind: "rejected", reason: `not sent to Shopify: ${String(error)}`, userErrors: [] };
    }
    if (outcome.kind === "created") this.settle(id, { issued: outcome.discountGid });
    else if (outcome.kind === "rejected") this.settle(id, { failed: `shopify_rejected: ${outcome.reason}` });
    else if (!outcome.ambiguous) this.settle(id, { failed: `shopify_unavailable: ${outcome.reason}` });
    else await this.settleByLookup(id, code, `shopify_unavailable: ${outcome.reason}`, { mayStillLand: mayStillLand(outcome.reason) });
    return this.redemptionResult(this.redemptionById(id)!, code);
  }

  /**
   * After an ambiguous failure: the code's existence at Shopify decides. A request that may
   * still be travelling (timeout, dropped connection) is not judged absent until it settles.
   */
  private async settleByLookup(id: string, code: string, reason: string, { mayStillLand }: { mayStillLand: boolean }): Promise<void> {
    const { shop } = this.identity()!;
    let found: { discountGid: string } | null;
    try {
      found = await findDiscountByCode(this.env, shop, code, { deadline: Date.now() + 3_000, attemptTimeoutMs: 1_500 });
    } catch (error) {
      this.postpone(id, `${reason}; lookup failed: ${String(error)}`);
      return;
    }
    if (found) this.settle(id, { issued: found.discountGid });
    else if (mayStillLand) this.postpone(id, reason);
    else this.settle(id, { failed: reason });
  }

  /** Settles pending redemptions whose time has come (the alarm). */
  private async settleDueRedemptions(now: number): Promise<void> {
    for (const row of redemptionRows.dueToSettle(this.sql, now)) {
      if (this.inflight.has(row.id)) continue;
      const code = await this.openCode(row);
      // Long enough after the last call that nothing of ours is still travelling to Shopify.
      await this.settleByLookup(row.id, code, row.failure_reason ?? "shopify_unconfirmed", { mayStillLand: false });
    }
  }

  private settle(id: string, result: { issued: string } | { failed: string }): void {
    this.transaction(() => {
      const row = this.redemptionById(id)!;
      if (row.status !== "pending") return; // settled meanwhile (a lookup, an order that used it)
      if ("issued" in result) {
        this.updateRedemption(id, { status: "issued", discount_gid: result.issued, failure_reason: null, resolve_after: null });
      } else {
        this.updateRedemption(id, { status: "failed", failure_reason: result.failed, resolve_after: null });
        this.releaseRedemption(row, "the discount code could not be created");
      }
    });
    this.afterCommit();
  }

  private postpone(id: string, reason: string): void {
    this.transaction(() => {
      const row = this.redemptionById(id)!;
      if (row.status !== "pending") return;
      // Waits as long again as the redemption has waited so far: 30 s, then doubling, at most 10 min.
      const now = Date.now();
      const wait = Math.min(Math.max(now - row.created_at, REDEMPTION_SETTLE.baseMs), REDEMPTION_SETTLE.maxMs);
      this.updateRedemption(id, { failure_reason: reason, resolve_after: now + wait });
    });
    this.afterCommit();
  }

  /** The points of a redemption go back to the lots they came from (kind `release`). */
  private releaseRedemption(row: RedemptionRow, note: string): void {
    this.append("release", row.points, {
      sourceType: "redemption",
      sourceId: row.id,
      idempotencyKey: `redemption:${row.id}:release`,
      note,
    }, null, { kind: "restore", drawSeq: row.reserve_seq });
  }

  private async replay(row: RedemptionRow, hash: string): Promise<RedeemResult> {
    if (row.request_hash !== hash) return { outcome: "key_reused" };
    const running = this.inflight.get(row.id);
    if (running) return running;
    return this.redemptionResult(row, codeIsShown(row.status) ? await this.openCode(row) : null);
  }

  private redemptionResult(row: RedemptionRow, code: string | null): RedeemResult {
    const outcome = row.status === "pending" ? "pending" : row.status === "failed" ? "failed" : "issued";
    return { outcome, redemption: shopperView(row, code), balance: this.summaryRow().points_balance };
  }

  /** Marks the reward codes an order used (its discount_codes, hashed), issued or still pending. */
  private markCodesUsed(codeHashes: readonly string[], orderGid: string): void {
    for (const hash of codeHashes) {
      const row = redemptionRows.byCodeHash(this.sql, hash);
      if (!row || (row.status !== "issued" && row.status !== "pending")) continue;
      this.updateRedemption(row.id, { status: "used", order_gid: orderGid, resolve_after: null });
    }
  }

  /**
   * The stated rule for reward codes on orders: a cancelled order gives back the points of the
   * reward codes it used (the shopper got nothing, and Shopify does not reopen a used code);
   * a refund, partial or full, gives nothing back (the refund is of money net of the discount).
   */
  private returnCodesOfCancelledOrder(orderGid: string): void {
    for (const row of redemptionRows.usedBy(this.sql, orderGid)) {
      this.updateRedemption(row.id, { status: "cancelled" });
      this.releaseRedemption(row, "the order that used the code was cancelled");
    }
  }

  /** Issued codes past their end (and the grace for late orders) expire; points back if the shop says so. */
  private expireDueCodes(now: number): void {
    const due = redemptionRows.issuedEndedBy(this.sql, now - CODE_EXPIRY_GRACE_MS);
    if (due.length === 0) return;
    this.transaction(() => {
      for (const row of due) {
        this.updateRedemption(row.id, { status: "expired" });
        if (row.return_on_expiry === 1) this.releaseRedemption(row, "the reward code expired unused");
      }
    });
  }

  private updateRedemption(id: string, changes: redemptionRows.RedemptionChanges): void {
    redemptionRows.update(this.sql, id, changes);
    this.publishRedemption(id);
  }

  private publishRedemption(id: string): void {
    this.enqueue({ type: "redemption", redemption: projectionRecord(this.redemptionById(id)!) });
  }

  private redemptionById(id: string): RedemptionRow | null {
    return redemptionRows.byId(this.sql, id);
  }

  private redemptionByKey(key: string): RedemptionRow | null {
    return redemptionRows.byRequestKey(this.sql, key);
  }

  private async openCode(row: RedemptionRow): Promise<string> {
    const { shop, customerId } = this.identity()!;
    return decryptText(await keyring(this.env), row.code_encrypted, discountCodeContext(shop, customerId, row.id));
  }

  // --- Notifications (RPC, from the notifications queue) -----------------------------------

  /**
   * The right to send one notification on one channel, with the contact to send it to: at most
   * one sender holds it at a time, and none once it was sent, failed for good or skipped.
   * A customer that cannot be reached on the channel is recorded as skipped, with the reason.
   */
  async claimNotification(input: ClaimNotificationInput): Promise<NotificationClaim> {
    if (this.redactedAt() !== null) return { state: "skip", reason: "redacted" };
    if (!this.identity()) return { state: "skip", reason: "unknown_customer" };
    const row = notificationRows.contactRow(this.sql);
    const contact = row ? await this.openContact(row.sealed, input) : { email: null, phone: null, first_name: null };
    const redemption = input.redemptionId ? this.redemptionById(input.redemptionId) : null;
    const discountCode = redemption && codeIsShown(redemption.status) ? await this.openCode(redemption) : null;
    // Nothing awaited from here on: the decision and its write are one step of this object.
    if (this.redactedAt() !== null) return { state: "skip", reason: "redacted" };
    const unreachable = unreachableBy(input.channel, contact, { sms: row?.sms_consent === 1, emailSuppressed: row?.email_suppressed === 1 });
    const decision = this.transaction(() => {
      const blocked = notificationRows.blocked(this.sql, input.key, input.channel);
      if (blocked) return blocked;
      if (unreachable !== null) {
        notificationRows.skip(this.sql, input.key, input.channel, unreachable);
        this.enqueueNotification(input, { status: "skipped", provider: null, tries: 0, providerMessageId: null, error: unreachable, recipientEncrypted: null, language: null });
        return { state: "skipped" as const };
      }
      return notificationRows.claim(this.sql, input.key, input.channel);
    });
    if (decision.state === "skipped") {
      this.afterCommit();
      return { state: "skip", reason: unreachable! };
    }
    if (decision.state === "busy") return decision;
    if (decision.state === "done") return decision;
    return {
      state: "send",
      claimId: decision.claimId,
      tries: decision.tries,
      contact,
      locale: row?.locale ?? null,
      discountCode,
      pointsBalance: this.summaryRow().points_balance,
    };
  }

  /** A claimed send's outcome: recorded (and projected to email_events) when the claim is still current. */
  async notificationOutcome(input: NotificationOutcomeInput): Promise<boolean> {
    if (this.redactedAt() !== null || !this.identity()) return false;
    const recipientEncrypted = input.recipient
      ? await encryptText((await keyring(this.env)).current, input.recipient, recipientContext(input.shop, input.customerId))
      : null;
    if (this.redactedAt() !== null) return false;
    const applied = this.transaction(() => {
      const tries = notificationRows.settle(this.sql, input.key, input.channel, input.claimId, {
        status: input.status,
        providerMessageId: input.providerMessageId,
        error: input.error,
      });
      if (tries === null) return false;
      if (input.status === "unsubscribed" && input.channel !== "email") notificationRows.withdrawSmsConsent(this.sql);
      this.enqueueNotification(input, {
        status: input.status,
        provider: input.provider,
        tries,
        providerMessageId: input.providerMessageId,
        error: input.error,
        recipientEncrypted,
        language: input.language,
      });
      return true;
    });
    if (applied) this.afterCommit();
    return applied;
  }

  /** A provider's later word on a sent message: bounced or unsubscribed, the address suppressed when it says so. */
  notificationFeedback(input: NotificationFeedbackInput): boolean {
    if (this.redactedAt() !== null || !this.identity()) return false;
    const changed = this.transaction(() => {
      if (!notificationRows.recordFeedback(this.sql, input.key, input.channel, input.status, input.detail)) return false;
      if (input.suppress) {
        if (input.channel === "email") notificationRows.suppressEmail(this.sql);
        else if (input.channel !== "klaviyo") notificationRows.withdrawSmsConsent(this.sql);
      }
      this.enqueueNotification(input, { status: input.status, provider: null, tries: 0, providerMessageId: null, error: input.detail, recipientEncrypted: null, language: null });
      return true;
    });
    if (changed) this.afterCommit();
    return changed;
  }

  private enqueueNotification(
    input: { key: string; channel: ClaimNotificationInput["channel"]; type: string },
    outcome: {
      status: "skipped" | "sent" | "retrying" | "failed" | "bounced" | "unsubscribed";
      provider: string | null;
      tries: number;
      providerMessageId: string | null;
      error: string | null;
      recipientEncrypted: string | null;
      language: string | null;
    },
  ): void {
    this.enqueue({
      type: "notification",
      notification: {
        key: input.key,
        channel: input.channel,
        notification_type: input.type,
        status: outcome.status,
        provider: outcome.provider,
        tries: outcome.tries,
        provider_message_id: outcome.providerMessageId,
        error: outcome.error,
        recipient_encrypted: outcome.recipientEncrypted,
        language: outcome.language,
        at: new Date().toISOString(),
      },
    });
  }

  /**
   * Merges what a webhook says of the customer's contact into the sealed copy. Not money: kept
   * outside the effect's transaction, and never for a redacted customer (checked again after
   * the awaits, which let other calls run).
   */
  private async rememberContact(identity: { shop: string; customerId: string }, update: ContactUpdate | undefined): Promise<void> {
    if (!update || this.redactedAt() !== null) return;
    const row = notificationRows.contactRow(this.sql);
    const known = this.contactMemo ?? (row ? await this.openContact(row.sealed, identity) : { email: null, phone: null, first_name: null });
    const merged: Contact = {
      email: update.email !== undefined && update.email !== null ? update.email : known.email,
      phone: update.phone !== undefined && update.phone !== null ? update.phone : known.phone,
      first_name: update.first_name !== undefined && update.first_name !== null ? update.first_name : known.first_name,
    };
    const locale = update.locale ?? row?.locale ?? null;
    const smsConsent = update.sms_consent === undefined ? (row?.sms_consent ?? 0) : update.sms_consent ? 1 : 0;
    const unchanged =
      row !== null &&
      merged.email === known.email &&
      merged.phone === known.phone &&
      merged.first_name === known.first_name &&
      locale === row.locale &&
      smsConsent === row.sms_consent;
    if (unchanged) {
      this.contactMemo = known;
      return;
    }
    const sealed = await encryptText((await keyring(this.env)).current, JSON.stringify(merged), contactContext(identity.shop, identity.customerId));
    if (this.redactedAt() !== null) return;
    // A new address starts clean: what the provider said of the old one does not follow it.
    const emailSuppressed = merged.email !== known.email ? 0 : (row?.email_suppressed ?? 0);
    notificationRows.saveContact(this.sql, { sealed, locale, sms_consent: smsConsent, email_suppressed: emailSuppressed });
    this.contactMemo = merged;
  }

  private async openContact(sealed: string, { shop, customerId }: { shop: string; customerId: string }): Promise<Contact> {
    if (this.contactMemo) return this.contactMemo;
    this.contactMemo = JSON.parse(await decryptText(await keyring(this.env), sealed, contactContext(shop, customerId))) as Contact;
    return this.contactMemo;
  }

  // --- Adjustments (RPC) ------------------------------------------------------------------

  /** A merchant's or admin's correction: a ledger entry and an audit record; never below zero. */
  adjust(input: AdjustInput): AdjustResult {
    this.bindIdentity(input);
    const key = `adjustment:${input.requestKey}`;
    const asked = JSON.stringify([input.points, input.reason]);
    const seen = this.sql.exec<{ result: string }>(`SELECT result FROM effects WHERE idempotency_key = ?`, key).toArray()[0];
    if (seen) {
      const prior = JSON.parse(seen.result) as { asked: string; entry_id: string; points: number };
      if (prior.asked !== asked) return { outcome: "key_reused" };
      return { outcome: "duplicate", entry_id: prior.entry_id, points: prior.points, balance: this.summaryRow().points_balance };
    }
    const balance = this.summaryRow().points_balance;
    if (balance + input.points < 0) return { outcome: "insufficient_points", balance };
    const entryId = this.transaction(() => {
      this.rememberPolicy(input.program);
      const auditId = crypto.randomUUID();
      const seq = this.append("adjustment", input.points, {
        sourceType: "adjustment",
        sourceId: auditId,
        idempotencyKey: key,
        note: input.reason,
      }, null);
      const entryId = this.sql.exec<{ id: string }>(`SELECT id FROM ledger WHERE seq = ?`, seq).one().id;
      this.enqueue({
        type: "audit",
        audit: {
          id: auditId,
          actor_type: input.actor.type,
          actor_id: input.actor.id,
          action: "points.adjust",
          entry_id: entryId,
          points: input.points,
          reason: input.reason,
          balance_before: balance,
          balance_after: balance + input.points,
          created_at: new Date().toISOString(),
        },
      });
      this.sql.exec(
        `INSERT INTO effects (idempotency_key, result, created_at) VALUES (?, ?, ?)`,
        key,
        JSON.stringify({ asked, entry_id: entryId, points: input.points }),
        Date.now(),
      );
      return entryId;
    });
    this.afterCommit();
    return { outcome: "applied", entry_id: entryId, points: input.points, balance: this.summaryRow().points_balance };
  }

  // --- Expiry (alarm) -----------------------------------------------------------------------

  /** Reminders first, then expiries: a lot reminded late still expires on its date. */
  private expireAndRemind(now: number): void {
    const policy = this.policy();
    this.transaction(() => {
      if (policy.reminder_days !== null) {
        for (const group of lots.lotsToRemind(this.sql, now + policy.reminder_days * 86_400_000)) {
          if (group.expires_at > now) {
            this.enqueue({ type: "points_expiring", points: group.points, expires_at: new Date(group.expires_at).toISOString() });
          }
          lots.markReminded(this.sql, group.ids);
        }
      }
      const expired = lots.lotsExpiredBy(this.sql, now);
      if (expired.length > 0) {
        const points = expired.reduce((sum, lot) => sum + lot.remaining, 0);
        this.append("expiry", -points, {
          sourceType: "expiry",
          sourceId: `lots:${expired[0]!.id}-${expired.at(-1)!.id}`,
          idempotencyKey: `expiry:lots:${expired.map((l) => l.id).join(",")}:${expired[0]!.expires_at}`,
          note: "points expired",
        }, null, { kind: "take", lots: expired });
      }
      this.expireInactive(policy, now);
    });
  }

  private expireInactive(policy: PointsExpiry, now: number): void {
    const { last_activity_at, inactivity_reminded_for } = this.activityRow();
    const expiresAt = inactivityExpiresAt(policy, last_activity_at);
    const balance = this.summaryRow().points_balance;
    if (expiresAt === null || balance === 0) return;
    const remindAt = reminderAt(policy, expiresAt);
    if (remindAt !== null && remindAt <= now && now < expiresAt && inactivity_reminded_for !== last_activity_at) {
      this.enqueue({ type: "points_expiring", points: balance, expires_at: new Date(expiresAt).toISOString() });
      this.sql.exec(`UPDATE account SET inactivity_reminded_for = ?`, last_activity_at);
    }
    if (expiresAt <= now) {
      this.append("expiry", -balance, {
        sourceType: "expiry",
        sourceId: `inactive-since:${last_activity_at}`,
        idempotencyKey: `expiry:inactive:${last_activity_at}`,
        note: "points expired after inactivity",
      }, null, { kind: "take", lots: lots.allOpenLots(this.sql) });
    }
  }

  private rememberPolicy(program: ProgramSettings): void {
    const policy = JSON.stringify(program.points_expiry ?? NO_EXPIRY);
    this.sql.exec(`UPDATE account SET expiry_policy = ? WHERE expiry_policy IS NOT ? `, policy, policy);
  }

  private policy(): PointsExpiry {
    const raw = this.sql.exec<{ p: string | null }>(`SELECT expiry_policy AS p FROM account`).one().p;
    return raw ? PointsExpirySchema.parse(JSON.parse(raw)) : NO_EXPIRY;
  }

  private activityRow(): { last_activity_at: number | null; inactivity_reminded_for: number | null } {
    return this.sql
      .exec<{ last_activity_at: number | null; inactivity_reminded_for: number | null }>(
        `SELECT last_activity_at, inactivity_reminded_for FROM account`,
      )
      .one();
  }

  private armAlarm(floor = 0): void {
    const next = nextWakeAt(this.sql, {
      now: Date.now(),
      firstResendMs: OUTBOX_RESEND.baseMs,
      policy: this.policy(),
      balance: this.summaryRow().points_balance,
      ...this.activityRow(),
    });
    if (next === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(Math.max(next, floor));
  }

  // --- VIP tiers ----------------------------------------------------------------------------

  /** The shop's tiers and policy: as the caller sent them, else read (isolate-cached) from D1. */
  private async tierConfig(shop: string, given: { tiers?: VipTier[]; program?: ProgramSettings } = {}): Promise<TierConfig> {
    const [tiers, program] = await Promise.all([given.tiers ?? shopTiers(this.env, shop), given.program ?? getProgram(this.env, shop)]);
    return { tiers, policy: program.tier_policy };
  }

  /**
   * Inside a transaction: the tier held now (core/tiers.ts), stored with when to look again,
   * each change appended to tier_changes and published as a tier_changed event.
   */
  private evaluateTiers(config: TierConfig, now = Date.now()): TierEvaluation {
    const stored = tierRows.readState(this.sql);
    const evaluation = evaluateCustomerTier(config.tiers, config.policy, stored, tierRows.facts(this.sql, config.policy, now), now);
    const { state, wake_at } = evaluation;
    // A read that changes nothing writes nothing.
    if (state.tier_id !== stored.tier_id || state.since !== stored.since || state.below_since !== stored.below_since || wake_at !== stored.wake_at) {
      tierRows.writeState(this.sql, state, wake_at);
    }
    for (const change of evaluation.changes) {
      this.enqueue({ type: "tier_changed", change: tierRows.insertChange(this.sql, change, config.policy.basis, evaluation.value) });
      const entered = change.reason === "qualified" ? config.tiers.find((t) => t.id === change.to) : undefined;
      if (entered?.entry_reward_id && tierRows.recordEntryReward(this.sql, entered.id, entered.entry_reward_id, now + ENTRY_REWARD_BACKSTOP_MS)) {
        this.entryRewardsDue = true;
      }
    }
    this.tierValueMoved = false;
    return evaluation;
  }

  private async reevaluateTierAfterEffect(): Promise<void> {
    this.tierValueMoved = false;
    const identity = this.identity();
    if (!identity) return;
    try {
      const config = await this.tierConfig(identity.shop);
      const { changes } = this.transaction(() => this.evaluateTiers(config));
      if (changes.length > 0) {
        this.armAlarm();
        await this.flushOutbox();
      }
    } catch (error) {
      // The next effect, read or alarm evaluates again; nothing is lost meanwhile.
      log.warn("tiers: evaluation after an effect failed", String(error));
    }
  }

  /** The alarm: a grace or period running out, a new year, an entry leaving the rolling window. */
  private async reevaluateTierIfDue(now: number): Promise<void> {
    const { wake_at } = tierRows.readState(this.sql);
    if (wake_at === null || wake_at > now) return;
    let config: TierConfig;
    try {
      config = await this.tierConfig(this.identity()!.shop);
    } catch (error) {
      log.warn("tiers: configuration unreadable, evaluating later", String(error));
      tierRows.setWakeAt(this.sql, now + TIER_CONFIG_RETRY_MS);
      return;
    }
    this.transaction(() => this.evaluateTiers(config, Date.now()));
  }

  /**
   * Issues due entry rewards through the redemption saga at 0 points (idempotency key
   * `tier-entry:<tierId>`, then `:<attempt>` after a failed try): after the commit that recorded
   * them (`dueBy` null: all due), or from the alarm (those due by `dueBy`). One run at a time.
   */
  private issueEntryRewards(dueBy: number | null): Promise<void> {
    this.issuingEntryRewards ??= this.issueEntryRewardsNow(dueBy).finally(() => {
      this.issuingEntryRewards = null;
    });
    return this.issuingEntryRewards;
  }

  private async issueEntryRewardsNow(dueBy: number | null): Promise<void> {
    const identity = this.identity();
    if (!identity) return;
    for (const due of tierRows.dueEntryRewards(this.sql, dueBy ?? Number.MAX_SAFE_INTEGER)) {
      try {
        const [reward, program] = await Promise.all([getReward(this.env, identity.shop, due.reward_id), getProgram(this.env, identity.shop)]);
        const terms = reward ? redemptionTerms(reward, undefined) : null;
        if (!reward || !reward.enabled || !terms || "code" in terms) {
          tierRows.finishEntryReward(this.sql, due.tier_id, "skipped", null, reward ? "the reward is disabled or has no fixed value" : "the reward no longer exists");
          continue;
        }
        const result = await this.redeem({
          shop: identity.shop,
          customerId: identity.customerId,
          requestKey: due.attempts === 0 ? `tier-entry:${due.tier_id}` : `tier-entry:${due.tier_id}:${due.attempts}`,
          reward: {
            reward_id: reward.reward_id,
            version: reward.version,
            type: reward.type,
            title: reward.translations.en.title,
            code_expiry_days: reward.code_expiry_days,
            min_order_subtotal: reward.min_order_subtotal,
          },
          terms: { ...terms, points: 0 },
          program,
        });
        if (result.outcome === "issued" || result.outcome === "pending") {
          // A pending code is the saga's to settle (its own alarm), like any redemption.
          tierRows.finishEntryReward(this.sql, due.tier_id, "done", result.redemption.redemption_id, null);
        } else {
          const reason = result.outcome === "failed" ? (result.redemption.failure_reason ?? "failed") : result.outcome;
          tierRows.retryEntryReward(this.sql, due.tier_id, Date.now(), reason);
        }
      } catch (error) {
        tierRows.retryEntryReward(this.sql, due.tier_id, Date.now(), String(error));
      }
    }
    this.armAlarm();
  }

  /** The tier held now; a change due by time (or by an edit of the tiers) is applied and recorded first. */
  async heldTier(input: TierStatusInput): Promise<HeldTier> {
    if (this.redactedAt() !== null) return { tier_id: null, value: 0, keeps_until: null };
    const config = await this.tierConfig(input.shop, input);
    this.bindIdentity(input);
    return this.heldTierUnder(config);
  }

  private heldTierUnder(config: TierConfig): HeldTier {
    const stored = tierRows.readState(this.sql);
    const evaluation = this.transaction(() => this.evaluateTiers(config));
    if (evaluation.changes.length > 0 || stored.wake_at !== tierRows.readState(this.sql).wake_at) this.afterCommit();
    return {
      tier_id: evaluation.held?.id ?? null,
      value: evaluation.value,
      keeps_until: evaluation.keeps_until === null ? null : new Date(evaluation.keeps_until).toISOString(),
    };
  }

  /**
   * The storefront's read in one call: the balance and the tier held (evaluated as heldTier
   * does, writing only when a change is due). The shop's tiers and program come from this
   * isolate's caches, not the call: cloning them into every read cost more than the read.
   */
  async standing(input: AccountIdentity): Promise<{ summary: Omit<AccountSummary, "customer_id">; held: HeldTier }> {
    // A redacted customer's object holds nothing and takes nothing: an empty account.
    if (this.redactedAt() !== null) return { summary: this.summary(), held: { tier_id: null, value: 0, keeps_until: null } };
    const config = await this.tierConfig(input.shop);
    const memo = this.standingMemo;
    // The last answer stands under the same configuration objects (the caches hand out one
    // object until they refresh), with no write since, the stored tier state as it left it,
    // and before that state's next wake-up: evaluating reads every ledger line of the period.
    if (memo && memo.tiers === config.tiers && memo.policy === config.policy && memo.writes === this.writes && Date.now() < memo.until) {
      if (sameTierState(memo.state, tierRows.readState(this.sql))) return { summary: this.summary(), held: memo.held };
    }
    this.bindIdentity(input);
    const held = this.heldTierUnder(config);
    const state = tierRows.readState(this.sql);
    this.standingMemo = { tiers: config.tiers, policy: config.policy, writes: this.writes, state, until: state.wake_at ?? Number.POSITIVE_INFINITY, held };
    return { summary: this.summary(), held };
  }

  /** Every change of the customer's tier, oldest first. */
  tierChanges() {
    return tierRows.changes(this.sql);
  }

  // --- Reads (RPC) --------------------------------------------------------------------------

  /** The order's award, or null until its payment has reached this account (or when it is another's order). */
  orderPoints(orderGid: string): OrderPointsRead | null {
    if (this.redactedAt() !== null) return null;
    const row = this.sql
      .exec<{ paid: number; earned: number; reversed: number; hold: string | null }>(
        `SELECT paid, earned, reversed, hold FROM orders WHERE order_gid = ?`,
        orderGid,
      )
      .toArray()[0];
    if (!row || row.paid !== 1) return null;
    return { earned: row.earned, reversed: row.reversed, held: row.hold === "held" };
  }

  summary(): Omit<AccountSummary, "customer_id"> {
    const { total_points_earned, total_points_redeemed, total_points_reversed, points_balance } = this.summaryRow();
    return { points_balance, total_points_earned, total_points_redeemed, total_points_reversed };
  }

  /** Newest first; `beforeSeq` pages backwards. */
  ledger(limit: number, beforeSeq?: number): LedgerEntry[] {
    const rows = this.sql
      .exec(
        `SELECT * FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
        beforeSeq ?? Number.MAX_SAFE_INTEGER,
        Math.max(1, Math.min(limit, 500)),
      )
      .toArray();
    return rows.map(toLedgerEntry);
  }

  /** The shopper's codes (decrypted for them alone) and their newest ledger entries. */
  async history(limit: number): Promise<AccountHistory> {
    const redemptions: ShopperRedemption[] = [];
    for (const row of redemptionRows.newest(this.sql, 50)) redemptions.push(shopperView(row, codeIsShown(row.status) ? await this.openCode(row) : null));
    return { redemptions, transactions: this.ledger(limit) };
  }

  // --- GDPR (RPC; queues/gdpr.ts) ---------------------------------------------------------

  /** Everything this object holds on the customer, codes opened: the data request's bundle. Null when it holds nothing. */
  async gdprExport(): Promise<CustomerAccountExport | null> {
    const identity = this.identity();
    if (!identity) return null;
    const redemptions = [];
    for (const row of this.sql.exec<RedemptionRow>(`SELECT * FROM redemptions ORDER BY created_at`).toArray()) {
      const { code_encrypted, code_hash, request_hash, ...kept } = row;
      redemptions.push({ ...kept, spec: JSON.parse(row.spec) as unknown, code: await this.openCode(row).catch(() => null) });
    }
    const birthday = earning.storedBirthday(this.sql);
    const contactRow = notificationRows.contactRow(this.sql);
    return {
      summary: this.summary(),
      ledger: this.sql.exec(`SELECT * FROM ledger ORDER BY seq`).toArray().map(toLedgerEntry),
      orders: this.sql.exec(`SELECT order_gid, paid, base_mills, earned, refunded_mills, cancelled, reversed, forgiven, paid_at FROM orders ORDER BY updated_at`).toArray(),
      redemptions,
      tier: tierRows.readState(this.sql),
      tier_history: tierRows.changes(this.sql),
      earning_actions: this.sql.exec(`SELECT key, action, scope, awarded_for, points, created_at FROM action_awards ORDER BY created_at`).toArray(),
      birthday: birthday ? { month: birthday.month, day: birthday.day, year: birthday.year ?? null } : null,
      social_follows: earning.followedNetworks(this.sql),
      contact: contactRow
        ? {
            ...(await this.openContact(contactRow.sealed, identity)),
            locale: contactRow.locale,
            sms_consent: contactRow.sms_consent === 1,
            email_suppressed: contactRow.email_suppressed === 1,
          }
        : null,
      notifications: this.sql
        .exec(`SELECT event_key, channel, status, tries, provider_message_id, error, created_at, updated_at FROM notification_sends ORDER BY created_at`)
        .toArray(),
      referrals: { as_friend: referralRows.readReferral(this.sql), as_advocate: referralRows.referredFriends(this.sql) },
    };
  }

  /**
   * A redaction's first step: the account closes (the tombstone row: every effect refuses
   * from now on, the alarm does nothing) and the events not yet confirmed to the projection
   * are returned, for the redaction to file under the anonymous id (the shop's totals keep
   * every entry). Repeatable: a retry gets the same events.
   */
  gdprClose(): { pendingEvents: LedgerEvent[] } {
    this.sql.exec(`INSERT OR IGNORE INTO redaction (singleton, redacted_at) VALUES (1, ?)`, Date.now());
    this.redacted = undefined;
    this.standingMemo = null;
    const pendingEvents = this.sql.exec<{ body: string }>(`SELECT body FROM outbox ORDER BY seq`).toArray().map((r) => JSON.parse(r.body) as LedgerEvent);
    return { pendingEvents };
  }

  /**
   * A redaction's last step: the alarm and the whole storage deleted (deleteAll; on a
   * SQLite-backed object workerd drops the database and its files: measured by
   * test/e2e/gdpr-redaction.test.ts), then, for a customer's redaction, the tombstone alone
   * written back (no identity, no data). shop/redact erases without one: the shop is gone.
   */
  async gdprErase(options: { tombstone: boolean }): Promise<void> {
    const redactedAt = this.redactedAt() ?? Date.now();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.contactMemo = null;
    this.boundIdentity = null;
    this.accountRow = null;
    this.redacted = undefined;
    this.standingMemo = null;
    // The empty schema again, so a late call (an outbox confirmation) finds its tables.
    migrateSqlStorage(this.ctx.storage, CUSTOMER_ACCOUNT_MIGRATIONS);
    if (options.tombstone) this.sql.exec(`INSERT OR IGNORE INTO redaction (singleton, redacted_at) VALUES (1, ?)`, redactedAt);
  }

  /** When the customer was redacted here, or null. */
  redactedAt(): number | null {
    if (this.redacted === undefined) {
      this.redacted = this.sql.exec<{ redacted_at: number }>(`SELECT redacted_at FROM redaction`).toArray()[0]?.redacted_at ?? null;
    }
    return this.redacted;
  }

  /** The bench's floor: one bare SQLite write in an object of this class, nothing else. */
  benchFloorWrite(): number {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS bench_floor (n INTEGER)`);
    return this.sql.exec(`INSERT INTO bench_floor (n) VALUES (1)`).rowsWritten;
  }

  // --- Outbox -------------------------------------------------------------------------------

  /** Called by the ledger-events consumer once Postgres holds these events. */
  outboxDelivered(seqs: number[]): number {
    let deleted = 0;
    for (let i = 0; i < seqs.length; i += 90) {
      const chunk = seqs.slice(i, i + 90);
      deleted += this.sql.exec(
        `DELETE FROM outbox WHERE seq IN (${chunk.map(() => "?").join(",")})`,
        ...chunk,
      ).rowsWritten;
    }
    // The alarm follows what is left: nothing to resend may leave only expiries to wait for.
    this.armAlarm();
    return deleted;
  }

  override async alarm(): Promise<void> {
    // The alarm is spent: whatever is still to do after this run needs the next one.
    const now = Date.now();
    let birthdayDone = true;
    if (this.identity() && this.redactedAt() === null) {
      await this.settleDueRedemptions(now);
      this.expireDueCodes(now);
      birthdayDone = await this.awardDueBirthday(now);
      this.expireAndRemind(now);
      await this.reevaluateTierIfDue(now);
      await this.issueEntryRewards(now);
      this.expireDueReferral(now);
      await this.issueReferralCodes(now);
    }
    await this.flushOutbox();
    // A birthday still due (D1 unreadable) waits a minute rather than spinning every second.
    this.armAlarm(Date.now() + (birthdayDone ? 1_000 : 60_000));
  }

  /** Sends unsent rows (and rows sent long ago but never confirmed). */
  flushOutbox(): Promise<void> {
    // A row committed while a flush is sending was not in its SELECT: flush once more after it,
    // rather than leave the row to the alarm (15 s later).
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          await this.sendOutbox();
        } while (this.flushAgain);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private async sendOutbox(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const rows = this.sql
        .exec<{ seq: number; body: string; send_count: number }>(
          `SELECT seq, body, send_count FROM outbox WHERE next_send_at IS NULL OR next_send_at <= ? ORDER BY seq LIMIT ?`,
          now,
          OUTBOX_BATCH,
        )
        .toArray();
      if (rows.length === 0) return;
      let sent = true;
      try {
        await this.env.LEDGER_EVENTS.sendBatch(
          rows.map((row) => ({ body: { ...JSON.parse(row.body), outbox_seq: row.seq } as LedgerEvent, contentType: "json" as const })),
        );
      } catch (error) {
        log.warn("outbox: send failed, the alarm will retry", String(error));
        sent = false;
      }
      // Sent or not, each row's next try backs off; the consumer's confirmation deletes it.
      // One UPDATE per backoff step: the rows of one flush nearly always share their send count.
      const bySendCount = new Map<number, number[]>();
      for (const row of rows) bySendCount.set(row.send_count, [...(bySendCount.get(row.send_count) ?? []), row.seq]);
      for (const [sendCount, seqs] of bySendCount) {
        this.sql.exec(
          `UPDATE outbox SET sent_at = CASE WHEN ? THEN ? ELSE sent_at END, send_count = send_count + 1, next_send_at = ?
           WHERE seq IN (${seqs.map(() => "?").join(",")})`,
          sent ? 1 : 0,
          now,
          now + backoffMs(OUTBOX_RESEND, sendCount),
          ...seqs,
        );
      }
      if (!sent || rows.length < OUTBOX_BATCH) return;
    }
  }

  // --- Referrals (RPC); the rules live in core/referral-lifecycle.ts -------------------------

  /** The referrals this customer made, for their widget. */
  referredFriends(): ReferredFriend[] {
    return this.redactedAt() !== null ? [] : referralRows.referredFriends(this.sql);
  }

  /** Keyed hashes of who this customer is, for the fraud checks of a friend's referral. */
  referralIdentity(): ReferralIdentity {
    if (this.redactedAt() !== null) return { email: null, phone: null, address: null };
    const { email, phone, address } = referralRows.readIdentity(this.sql);
    return { email, phone, address };
  }

  /** The friend's referral, if any (the merchant's approve/reject reads it first). */
  referral(): ReferralRecord | null {
    return this.redactedAt() !== null ? null : referralRows.readReferral(this.sql);
  }

  /**
   * Binds this customer (the friend) to a code from the widget or their signup. The first code
   * bound is the only one: the same code again answers the same referral, another one
   * `already_referred`. With completion on signup the referral is scored and settled at once.
   */
  async bindReferral(input: BindReferralInput): Promise<BindReferralResult> {
    const config = input.program.referral;
    if (!config.enabled) return { outcome: "disabled" };
    const code = normaliseReferralCode(input.code);
    if (!code) return { outcome: "invalid_code" };
    const held = this.referral();
    if (held) return held.code === code ? { outcome: "existing", referral: held } : { outcome: "already_referred", referral: held };
    const owner = await advocateOfCode(this.env, input.shop, code);
    if (!owner) return { outcome: "unknown_code" };
    if (owner.advocateId === input.customerId) return { outcome: "own_code" };
    const at = input.at ?? Date.now();
    const outside = await this.referralOutsideFacts(input.shop, owner.advocateId, input.customerId, input.source, config, at);
    this.bindIdentity(input);
    const result = this.transaction((): BindReferralResult => {
      if (input.identity) referralRows.rememberIdentity(this.sql, input.identity);
      // Another delivery may have bound while this one waited on the advocate's facts.
      const raced = referralRows.readReferral(this.sql);
      if (raced) return raced.code === code ? { outcome: "existing", referral: raced } : { outcome: "already_referred", referral: raced };
      const record = newReferral({ friendId: input.customerId, code, advocateId: owner.advocateId, via: input.via, config, programVersion: input.program.version, at });
      return { outcome: "bound", referral: this.settleReferral(record, config, outside, null, at) };
    });
    this.afterCommit();
    return result;
  }

  /**
   * The merchant's decision on a held referral: approve completes it (both sides rewarded, the
   * rewards of the program now), reject ends it. Any other status answers `not_held`.
   */
  decideReferral(input: DecideReferralInput): DecideReferralResult {
    const record = this.referral();
    if (!record) return { outcome: "not_found" };
    if (record.status !== "held") return { outcome: "not_held", referral: record };
    this.bindIdentity(input);
    const at = Date.now();
    const decided = this.transaction(() => {
      const next =
        input.decision === "approve"
          ? this.completeReferral(changed(record, { decided_by: input.by }, at), input.program.referral, at)
          : changed(record, { status: "rejected", decided_by: input.by }, at);
      this.publishReferral(next);
      return next;
    });
    this.afterCommit();
    return { outcome: "decided", referral: decided };
  }

  /**
   * The advocate's side (from the ledger-events consumer): keeps the friend's newest record and
   * gives or takes back the advocate's points, each once (their own idempotency keys).
   * A record older than the one held changes nothing.
   */
  referralChanged(input: AccountIdentity & { referral: ReferralRecord }): { points: number } {
    // A redacted advocate takes nothing more; their friend's events must not circle for ever.
    if (this.redactedAt() !== null) return { points: 0 };
    this.bindIdentity(input);
    const record = input.referral;
    const keys = referralKeys(record.id);
    const points = this.transaction(() => {
      if (!referralRows.keepFriendRecord(this.sql, record)) return 0;
      const given = this.entryPoints(keys.advocateAward);
      let moved = 0;
      if (record.status === "completed" && record.advocate.reward.type === "points" && given === null) {
        moved = record.advocate.reward.points;
        this.append("referral", moved, { sourceType: "referral", sourceId: record.id, idempotencyKey: keys.advocateAward, note: "referral completed: advocate's reward" }, null);
      } else if (record.status === "reversed" && given !== null && this.entryPoints(keys.advocateReversal) === null) {
        moved = -this.takeBack(given, { sourceType: "referral", sourceId: record.id, idempotencyKey: keys.advocateReversal, note: "referral reversed: the qualifying order was cancelled or refunded" });
      }
      const net = (this.entryPoints(keys.advocateAward) ?? 0) + (this.entryPoints(keys.advocateReversal) ?? 0);
      referralRows.setFriendReward(this.sql, record.id, net, null);
      if (referralRows.markAdvocateCodeDue(this.sql, record)) this.referralCodesDue = true;
      return moved;
    });
    if (points !== 0 || this.referralCodesDue) this.afterCommit();
    return { points };
  }

  /**
   * What the fraud checks need from outside this account: the advocate's identity hashes and
   * how many other referrals came from the same IP or device lately (the shop's coordinator
   * counts them, once per referral).
   */
  private async referralOutsideFacts(shop: string, advocateId: string, friendId: string, source: ReferralSource, config: ReferralConfig, at: number): Promise<ReferralOutsideFacts> {
    const [advocate, velocity] = await Promise.all([
      customerAccount(this.env, shop, advocateId).referralIdentity(),
      shopCoordinator(this.env, shop).noteReferralSource({ referralId: friendId, ip: source.ip, device: source.device, at, windowDays: config.fraud.velocity_days }),
    ]);
    return { advocate, sameIpCompletions: velocity.sameIp, sameDeviceCompletions: velocity.sameDevice };
  }

  /**
   * Inside a transaction: scores a pending referral and settles it as far as it can go now:
   * rejected at any time by a high score; completed or held when its completion is due (the
   * program completes on signup, or `order` qualifies); pending otherwise. `order`: the paid
   * order this happens in (never counted as a sign that the friend was already a customer).
   * Publishes the new state; returns it.
   */
  private settleReferral(
    record: ReferralRecord,
    config: ReferralConfig,
    outside: ReferralOutsideFacts,
    order: { gid: string; baseMills: number; qualifies: boolean } | null,
    at: number,
  ): ReferralRecord {
    const identity = referralRows.readIdentity(this.sql);
    const { score, reasons, decision } = scoreReferral(
      {
        advocate: outside.advocate,
        friend: { email: identity.email, phone: identity.phone, address: identity.address },
        // Judged once, at binding: a later order of a referral bound by an earlier one is no sign.
        friendAlreadyCustomer:
          record.revision === 1
            ? this.wasCustomerBefore(Date.parse(record.bound_at), order?.gid ?? null, identity.customerCreatedAt)
            : record.reasons.some((r) => r.code === "existing_customer"),
        sameIpCompletions: outside.sameIpCompletions,
        sameDeviceCompletions: outside.sameDeviceCompletions,
      },
      config.fraud,
    );
    const due = config.completion === "signup" || order?.qualifies === true;
    let next = changed(record, { score, reasons }, at);
    if (decision === "reject") next = changed(next, { status: "rejected", decided_by: "score" }, at);
    else if (due) {
      if (order?.qualifies) next = changed(next, { order_gid: order.gid, order_subtotal: formatMills(order.baseMills) }, at);
      next = decision === "hold" ? changed(next, { status: "held" }, at) : this.completeReferral(next, config, at);
    }
    this.publishReferral(next);
    return next;
  }

  /** Inside a transaction: completes the referral and gives the friend's points reward (once). */
  private completeReferral(record: ReferralRecord, config: ReferralConfig, at: number): ReferralRecord {
    const keys = referralKeys(record.id);
    // The rewards are the program's at completion (an approval may come after the merchant changed them).
    const friendReward = config.friend_reward;
    let friendPoints = 0;
    if (friendReward.type === "points" && this.entryPoints(keys.friendAward) === null) {
      friendPoints = friendReward.points;
      this.append("referral", friendPoints, { sourceType: "referral", sourceId: record.id, idempotencyKey: keys.friendAward, note: "referral completed: friend's reward" }, null);
    }
    return changed(
      record,
      {
        status: "completed",
        completed_at: new Date(at).toISOString(),
        advocate: { reward: config.advocate_reward, points: config.advocate_reward.type === "points" ? config.advocate_reward.points : 0, redemption_id: null },
        friend: { reward: friendReward, points: friendPoints, redemption_id: null },
      },
      at,
    );
  }

  /**
   * Inside a transaction: a paid order of the friend may bind (its cart attribute) and complete
   * their referral. Returns the friend's referral points it gave (part of the delivery's answer).
   */
  private referralOnPaidOrder(plan: ReferralOrderPlan | null, program: ProgramSettings, orderGid: string, baseMills: number): number {
    if (!plan) return 0;
    const at = Date.now();
    const config = program.referral;
    let record = referralRows.readReferral(this.sql);
    if (!record && plan.bind) {
      record = newReferral({ friendId: this.identity()!.customerId, code: plan.bind.code, advocateId: plan.bind.advocateId, via: "order", config, programVersion: program.version, at });
      if (config.completion === "signup") return this.settleReferral(record, config, plan.outside, { gid: orderGid, baseMills, qualifies: false }, at).friend.points;
    }
    if (!record || record.status !== "pending" || config.completion !== "first_order") return 0;
    if (isExpired(record, at)) {
      this.publishReferral(changed(record, { status: "expired" }, at));
      return 0;
    }
    // An order cancelled or refunded in full before its payment arrived completes nothing.
    const order = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE order_gid = ?`, orderGid).one();
    const stands = order.cancelled === 0 && order.refunded_mills < baseMills;
    return this.settleReferral(record, config, plan.outside, { gid: orderGid, baseMills, qualifies: stands && orderQualifies(config, baseMills) }, at).friend.points;
  }

  /**
   * Before a paid order's transaction: what its referral step will need from outside (a code
   * from its cart attribute to bind, or a pending referral this order may complete). Null when
   * the order has nothing to do with a referral, which is nearly always: one read, no I/O.
   */
  private async planReferralForOrder(input: OrderPaidInput): Promise<ReferralOrderPlan | null> {
    const config = input.program.referral;
    if (!config.enabled) return null;
    const held = referralRows.readReferral(this.sql);
    let advocateId: string;
    let bind: ReferralOrderPlan["bind"] = null;
    if (held) {
      if (held.status !== "pending" || config.completion !== "first_order") return null;
      advocateId = held.advocate_id;
    } else {
      if (!input.referralCode) return null;
      const owner = await advocateOfCode(this.env, input.shop, input.referralCode);
      if (!owner || owner.advocateId === input.customerId) return null;
      advocateId = owner.advocateId;
      bind = owner;
    }
    const outside = await this.referralOutsideFacts(input.shop, advocateId, input.customerId, input.referralSource ?? { ip: null, device: null }, config, Date.now());
    return { bind, outside };
  }

  /**
   * Inside a transaction, after a cancellation or refund: the order that completed the
   * referral no longer stands (cancelled, or refunded to nothing), so the referral is reversed:
   * the friend's points reward taken back here, the advocate's by their account.
   */
  private reverseReferralIfOrderGone(orderGid: string): void {
    const record = referralRows.readReferral(this.sql);
    if (!record || record.status !== "completed" || record.order_gid !== orderGid) return;
    const order = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE order_gid = ?`, orderGid).one();
    const gone = order.cancelled === 1 || (order.base_mills !== null && order.refunded_mills >= order.base_mills);
    if (!gone) return;
    const keys = referralKeys(record.id);
    const given = this.entryPoints(keys.friendAward);
    if (given !== null && this.entryPoints(keys.friendReversal) === null) {
      this.takeBack(given, { sourceType: "referral", sourceId: record.id, idempotencyKey: keys.friendReversal, note: "referral reversed: the qualifying order was cancelled or refunded" });
    }
    this.publishReferral(changed(record, { status: "reversed" }, Date.now()));
  }

  /** What a webhook told of who the customer is, for referral fraud checks (kept even when the effect is a repeat). */
  private rememberReferralIdentity(identity: AccountIdentity, update: ReferralIdentityUpdate | undefined): void {
    if (!update || this.redactedAt() !== null) return;
    this.bindIdentity(identity);
    referralRows.rememberIdentity(this.sql, update);
  }

  /** The alarm: a pending referral past its deadline expires (and pays nothing if the friend orders later). */
  private expireDueReferral(now: number): void {
    const record = referralRows.readReferral(this.sql);
    if (!record || !isExpired(record, now)) return;
    this.transaction(() => this.publishReferral(changed(record, { status: "expired" }, now)));
  }

  /** Inside a transaction: stores the referral's new state and publishes it on the outbox. */
  private publishReferral(record: ReferralRecord): void {
    if (referralRows.writeReferral(this.sql, record)) this.referralCodesDue = true;
    this.enqueue({ type: "referral", referral: record });
  }

  /**
   * Issues due referral reward codes through the redemption saga at 0 points (idempotency key
   * `referral:<id>:<side>`, then `:<attempt>` after a failed try): after the commit that made
   * them due (`dueBy` null: all due), or from the alarm. One run at a time.
   */
  private issueReferralCodes(dueBy: number | null): Promise<void> {
    this.issuingReferralCodes ??= this.issueReferralCodesNow(dueBy ?? Number.MAX_SAFE_INTEGER).finally(() => {
      this.issuingReferralCodes = null;
    });
    return this.issuingReferralCodes;
  }

  private async issueReferralCodesNow(dueBy: number): Promise<void> {
    const identity = this.identity();
    if (!identity || this.redactedAt() !== null) return;
    for (const due of referralRows.dueCodes(this.sql, dueBy)) {
      const side = due.side === "friend" ? due.record.friend : due.record.advocate;
      if (due.record.status !== "completed" || side.reward.type !== "discount") {
        // Reversed (or changed) before its code went out: nothing to issue.
        this.transaction(() => referralRows.codeFailed(this.sql, { ...due, attempts: referralRows.DISCOUNT_MAX_ATTEMPTS }, Date.now()));
        continue;
      }
      const key = `referral:${due.record.id}:${due.side}`;
      try {
        const { reward, terms } = referralDiscount(side.reward, due.record.program_version, due.side);
        const result = await this.redeem({
          shop: identity.shop,
          customerId: identity.customerId,
          requestKey: due.attempts === 0 ? key : `${key}:${due.attempts}`,
          reward,
          terms,
          program: await getProgram(this.env, identity.shop),
        });
        if (result.outcome !== "issued" && result.outcome !== "pending") throw new Error(result.outcome === "failed" ? (result.redemption.failure_reason ?? "failed") : result.outcome);
        const redemptionId = result.redemption.redemption_id;
        this.transaction(() => {
          if (due.side === "advocate") return referralRows.advocateCodeIssued(this.sql, due.record.id, redemptionId);
          const current = referralRows.readReferral(this.sql)!;
          this.publishReferral(changed(current, { friend: { ...current.friend, redemption_id: redemptionId } }, Date.now()));
        });
        this.ctx.waitUntil(this.flushOutbox());
      } catch (error) {
        log.warn(`referral ${due.record.id}: the ${due.side}'s reward code was not issued (try ${due.attempts + 1})`, String(error));
        this.transaction(() => referralRows.codeFailed(this.sql, due, Date.now()));
      }
    }
    this.armAlarm();
  }

  /** The points of the ledger entry with this idempotency key; null when there is none. */
  private entryPoints(idempotencyKey: string): number | null {
    return this.sql.exec<{ points: number }>(`SELECT points FROM ledger WHERE idempotency_key = ?`, idempotencyKey).toArray()[0]?.points ?? null;
  }

  /** Takes back up to `points`, never below a zero balance (the rest is forgiven); returns what was taken. */
  private takeBack(points: number, trigger: Trigger): number {
    const taken = Math.min(points, this.summaryRow().points_balance);
    if (taken > 0) this.append("reversal", -taken, trigger, null);
    return taken;
  }

  /**
   * Whether the friend was a customer before they were bound: a paid order (other than the one
   * completing now) before then, or a Shopify account older than a day by then.
   */
  private wasCustomerBefore(boundAt: number, exceptOrder: string | null, customerCreatedAt: number | null): boolean {
    const orders = this.sql
      .exec<{ n: number }>(`SELECT count(*) AS n FROM orders WHERE paid = 1 AND paid_at < ? AND order_gid != ?`, boundAt, exceptOrder ?? "")
      .one().n;
    return orders > 0 || (customerCreatedAt !== null && customerCreatedAt < boundAt - ALREADY_CUSTOMER_AFTER_MS);
  }

  // --- Internals ----------------------------------------------------------------------------

  private applyOnce(
    identity: AccountIdentity,
    delivery: Delivery,
    idempotencyKey: string,
    apply: () => number,
  ): EffectResult {
    this.bindIdentity(identity);
    this.recordDelivery(delivery);
    const seen = this.sql
      .exec<{ result: string }>(`SELECT result FROM effects WHERE idempotency_key = ?`, idempotencyKey)
      .toArray()[0];
    if (seen) {
      const { points } = JSON.parse(seen.result) as { points: number };
      return { outcome: "duplicate", points, balance: this.summaryRow().points_balance };
    }
    const points = this.transaction(() => {
      const points = apply();
      this.sql.exec(
        `INSERT INTO effects (idempotency_key, result, created_at) VALUES (?, ?, ?)`,
        idempotencyKey,
        JSON.stringify({ points }),
        Date.now(),
      );
      return points;
    });
    this.afterCommit();
    const balance = this.summaryRow().points_balance;
    return points === 0 ? { outcome: "recorded", points: 0, balance } : { outcome: "applied", points, balance };
  }

  private recordDelivery(delivery: Delivery): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO deliveries (delivery_id, topic, received_at) VALUES (?, ?, ?)`,
      delivery.id,
      delivery.topic,
      Date.now(),
    );
  }

  /** One storage transaction; the in-memory copy of the account row is dropped if it rolls back. */
  private transaction<T>(body: () => T): T {
    this.writes++;
    try {
      return this.ctx.storage.transactionSync(body);
    } catch (error) {
      this.accountRow = null;
      throw error;
    }
  }

  /**
   * After an effect commits: the alarm is armed in the same output-gated write (if the process
   * dies before the outbox is sent, the alarm sends it), and the outbox goes now.
   */
  private afterCommit(): void {
    if (this.tierValueMoved) this.ctx.waitUntil(this.reevaluateTierAfterEffect());
    if (this.entryRewardsDue) {
      this.entryRewardsDue = false;
      this.ctx.waitUntil(this.issueEntryRewards(null));
    }
    if (this.referralCodesDue) {
      this.referralCodesDue = false;
      this.ctx.waitUntil(this.issueReferralCodes(null));
    }
    this.armAlarm();
    this.ctx.waitUntil(this.flushOutbox());
  }

  private bindIdentity(identity: AccountIdentity): void {
    const bound = this.identity();
    // A redacted customer's object takes nothing more (topics/index.ts answers `ignored`).
    if (this.redactedAt() !== null) throw new Error(CUSTOMER_REDACTED);
    if (!bound) {
      this.sql.exec(`INSERT INTO identity (singleton, shop, customer_id) VALUES (1, ?, ?)`, identity.shop, identity.customerId);
      this.boundIdentity = { shop: identity.shop, customerId: identity.customerId };
    } else if (bound.shop !== identity.shop || bound.customerId !== identity.customerId) {
      throw new Error(`account ${bound.shop}:${bound.customerId} addressed as ${identity.shop}:${identity.customerId}`);
    }
  }

  private identity(): AccountIdentity | null {
    if (!this.boundIdentity) {
      const row = this.sql.exec<{ shop: string; customer_id: string }>(`SELECT shop, customer_id FROM identity`).toArray()[0];
      if (row) this.boundIdentity = { shop: row.shop, customerId: row.customer_id };
    }
    return this.boundIdentity;
  }

  private summaryRow(): Omit<AccountSummary, "customer_id"> {
    if (!this.accountRow) {
      const row = this.sql
        .exec<{ balance: number; total_earned: number; total_redeemed: number; total_reversed: number }>(
          `SELECT balance, total_earned, total_redeemed, total_reversed FROM account`,
        )
        .one();
      this.accountRow = {
        points_balance: row.balance,
        total_points_earned: row.total_earned,
        total_points_redeemed: row.total_redeemed,
        total_points_reversed: row.total_reversed,
      };
    }
    return { ...this.accountRow };
  }

  private touchOrder(orderGid: string): void {
    this.sql.exec(`INSERT OR IGNORE INTO orders (order_gid, updated_at) VALUES (?, ?)`, orderGid, Date.now());
  }

  /**
   * Brings an order's reversals up to what its refunds and cancellation call for (money rule
   * 3): never more than it earned, never below a zero balance. Returns the points taken back.
   */
  private reconcile(orderGid: string, trigger: Trigger): number {
    const order = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE order_gid = ?`, orderGid).one();
    if (!order.paid || order.base_mills === null) return 0;
    // Held or dropped points were never given: nothing to take back (a release reconciles).
    if (order.hold === "held" || order.hold === "dropped") return 0;
    const target = reversalTarget(order.earned, order.base_mills, order.refunded_mills, order.cancelled === 1);
    const owed = target - order.reversed;
    if (owed <= 0) return 0;
    const taken = Math.min(owed, this.summaryRow().points_balance);
    if (taken > 0) {
      const snapshot = order.snapshot ? (JSON.parse(order.snapshot) as EarnSnapshot) : null;
      this.append("reversal", -taken, trigger, snapshot);
    }
    this.sql.exec(
      `UPDATE orders SET reversed = ?, forgiven = forgiven + ?, updated_at = ? WHERE order_gid = ?`,
      target,
      owed - taken,
      Date.now(),
      orderGid,
    );
    return taken;
  }

  /** A held order that no longer counts (fully refunded or cancelled) is dropped: nothing was given, nothing is. */
  private settleHold(orderGid: string): void {
    const order = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE order_gid = ?`, orderGid).one();
    if (order.hold !== "held" || orderCounts(usageFacts(order))) return;
    this.sql.exec(`UPDATE orders SET hold = 'dropped', updated_at = ? WHERE order_gid = ?`, Date.now(), orderGid);
  }

  /**
   * Tells the plan's usage count (an order_usage event) when a paid order starts or stops
   * counting or its points are held or released: the order's whole state, once per change.
   */
  private reportUsage(orderGid: string): void {
    const order = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE order_gid = ?`, orderGid).one();
    if (!order.paid || order.usage_month === null) return;
    const counts = orderCounts(usageFacts(order));
    const heldPoints = order.hold === "held" ? order.earned : 0;
    const reported = `${counts ? 1 : 0}:${heldPoints}`;
    if (reported === order.usage_reported) return;
    this.sql.exec(`UPDATE orders SET usage_reported = ? WHERE order_gid = ?`, reported, orderGid);
    this.enqueue({ type: "order_usage", order_gid: orderGid, month: order.usage_month, counts, held_points: heldPoints });
  }

  /** Appends one ledger entry, moves the balance and totals, and the lots with them; returns its seq. */
  private append(kind: LedgerKind, points: number, trigger: Trigger, snapshot: EarnSnapshot | ActionSnapshot | CampaignBonusSnapshot | null, lotEffect?: LotEffect): number {
    const before = this.summaryRow();
    const taken = points < 0 && (kind === "reversal" || kind === "adjustment");
    const after = {
      points_balance: before.points_balance + points,
      total_points_earned: before.total_points_earned + (points > 0 && countsAsEarned(kind) ? points : 0),
      total_points_redeemed: before.total_points_redeemed + (kind === "redemption" ? -points : kind === "release" ? -points : 0),
      total_points_reversed: before.total_points_reversed + (taken ? -points : 0),
    };
    const balance = after.points_balance;
    if (balance < 0) throw new Error("ledger entry would make the balance negative");
    const createdAt = Date.now();
    this.sql.exec(
      `UPDATE account SET balance = ?, total_earned = ?, total_redeemed = ?, total_reversed = ?,
         last_activity_at = CASE WHEN ? THEN ? ELSE last_activity_at END`,
      balance,
      after.total_points_earned,
      after.total_points_redeemed,
      after.total_points_reversed,
      ACTIVITY_KINDS.has(kind) ? 1 : 0,
      createdAt,
    );
    this.accountRow = after;
    this.writes++;
    if (pointsContribution(kind, points) !== 0) this.tierValueMoved = true;
    const id = crypto.randomUUID();
    const seq = this.sql
      .exec<{ seq: number }>(
        `INSERT INTO ledger (id, kind, points, balance_after, source_type, source_id, idempotency_key, snapshot, note, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
        id,
        kind,
        points,
        balance,
        trigger.sourceType,
        trigger.sourceId,
        trigger.idempotencyKey,
        snapshot ? JSON.stringify(snapshot) : null,
        trigger.note,
        createdAt,
      )
      .one().seq;
    this.moveLots(points, seq, createdAt, lotEffect);
    const { points_balance, total_points_earned, total_points_redeemed, total_points_reversed } = after;
    this.enqueue({
      type: "ledger_entry",
      entry: {
        id,
        seq,
        kind,
        points,
        balance_after: balance,
        source_type: trigger.sourceType,
        source_id: trigger.sourceId,
        snapshot,
        note: trigger.note,
        created_at: new Date(createdAt).toISOString(),
      },
      account: { points_balance, total_points_earned, total_points_redeemed, total_points_reversed },
    });
    return seq;
  }

  /** New points open a lot; spending draws the oldest; a release restores; an expiry takes its lots. */
  private moveLots(points: number, seq: number, at: number, effect: LotEffect | undefined): void {
    if (effect?.kind === "restore") {
      const restored = lots.restoreDraws(this.sql, effect.drawSeq);
      if (restored !== points) throw new Error(`release of ${points} restored ${restored} points to lots`);
    } else if (effect?.kind === "take") {
      const taken = lots.drawLots(this.sql, seq, effect.lots);
      if (taken !== -points) throw new Error(`expiry of ${-points} took ${taken} points from lots`);
    } else if (points > 0) {
      lots.openLot(this.sql, seq, points, at, lotExpiresAt(this.policy(), at));
    } else if (points < 0) {
      lots.drawOldestFirst(this.sql, seq, -points);
    }
  }

  /** The row's seq becomes the event's `outbox_seq` when it is sent. */
  private enqueue(event: DistributiveOmit<LedgerEvent, "shop" | "customer_id" | "outbox_seq">): void {
    const { shop, customerId } = this.identity()!;
    this.sql.exec(`INSERT INTO outbox (body) VALUES (?)`, JSON.stringify({ ...event, shop, customer_id: customerId }));
  }
}

function usageFacts(order: OrderRow) {
  return { paid: order.paid === 1, cancelled: order.cancelled === 1, baseMills: order.base_mills, refundedMills: order.refunded_mills };
}

/** A failure after which our create request may still be on its way to Shopify. */
function mayStillLand(reason: string): boolean {
  return /timeout|timed out|network|fetch failed|socket|connection/i.test(reason);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function toLedgerEntry(row: Row): LedgerEntry {
  return {
    id: row.id as string,
    seq: row.seq as number,
    kind: row.kind as LedgerKind,
    points: row.points as number,
    balance_after: row.balance_after as number,
    source_type: row.source_type as LedgerEntry["source_type"],
    source_id: row.source_id as string,
    snapshot: row.snapshot ? (JSON.parse(row.snapshot as string) as LedgerEntry["snapshot"]) : null,
    note: (row.note as string | null) ?? null,
    created_at: new Date(row.created_at as number).toISOString(),
  };
}
