// Storage of one CustomerAccount (one shop + one customer). Versioned statements, applied in
// blockConcurrencyWhile before the first request.
export const CUSTOMER_ACCOUNT_MIGRATIONS: string[][] = [
  [
    `CREATE TABLE identity (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       shop TEXT NOT NULL,
       customer_id TEXT NOT NULL
     )`,
    // One row; balance is a cache of SUM(ledger.points), written in the same transaction.
    `CREATE TABLE account (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
       total_earned INTEGER NOT NULL DEFAULT 0,
       total_redeemed INTEGER NOT NULL DEFAULT 0,
       total_reversed INTEGER NOT NULL DEFAULT 0
     )`,
    `INSERT INTO account (singleton) VALUES (1)`,
    // Append-only: nothing updates or deletes a ledger row.
    `CREATE TABLE ledger (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       id TEXT NOT NULL UNIQUE,
       kind TEXT NOT NULL,
       points INTEGER NOT NULL,
       balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
       source_type TEXT NOT NULL,
       source_id TEXT NOT NULL,
       idempotency_key TEXT NOT NULL UNIQUE,
       snapshot TEXT,
       note TEXT,
       created_at INTEGER NOT NULL
     )`,
    // Every event that was seen, keyed on the domain fact (shop implied by the object).
    `CREATE TABLE effects (
       idempotency_key TEXT PRIMARY KEY,
       result TEXT NOT NULL,
       created_at INTEGER NOT NULL
     )`,
    `CREATE TABLE orders (
       order_gid TEXT PRIMARY KEY,
       paid INTEGER NOT NULL DEFAULT 0,
       base_mills INTEGER,
       earned INTEGER NOT NULL DEFAULT 0,
       snapshot TEXT,
       refunded_mills INTEGER NOT NULL DEFAULT 0,
       cancelled INTEGER NOT NULL DEFAULT 0,
       reversed INTEGER NOT NULL DEFAULT 0,
       -- points a reversal could not take back because the customer had already spent them
       forgiven INTEGER NOT NULL DEFAULT 0,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE TABLE deliveries (
       delivery_id TEXT PRIMARY KEY,
       topic TEXT NOT NULL,
       received_at INTEGER NOT NULL
     )`,
    // Events for the ledger-events queue; a row leaves only when the consumer confirms it.
    `CREATE TABLE outbox (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       body TEXT NOT NULL,
       sent_at INTEGER
     )`,
  ],
  // Resends back off per row (15 s doubling to 10 min), so a long Postgres outage does not
  // fill the queue with copies of the same events.
  [
    `ALTER TABLE outbox ADD COLUMN send_count INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE outbox ADD COLUMN next_send_at INTEGER`,
    `UPDATE outbox SET next_send_at = sent_at + 15000 WHERE sent_at IS NOT NULL`,
    `CREATE INDEX outbox_due ON outbox (next_send_at)`,
  ],
  // Redemptions (the saga of money rule 4), expiry lots, and what the alarm needs to know.
  [
    `CREATE TABLE redemptions (
       id TEXT PRIMARY KEY,
       -- the request's Idempotency-Key (or a fresh id), and what it asked for
       request_key TEXT NOT NULL UNIQUE,
       request_hash TEXT NOT NULL,
       reward_id TEXT NOT NULL,
       reward_version INTEGER NOT NULL,
       reward_type TEXT NOT NULL,
       title TEXT NOT NULL,
       points INTEGER NOT NULL CHECK (points > 0),
       -- the DiscountCodeSpec sent to Shopify, without the code
       spec TEXT NOT NULL,
       code_encrypted TEXT NOT NULL,
       -- SHA-256 of the upper-cased code: how an order's discount_codes find their redemption
       code_hash TEXT NOT NULL UNIQUE,
       status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'used', 'expired', 'failed', 'cancelled')),
       revision INTEGER NOT NULL DEFAULT 1,
       reserve_seq INTEGER NOT NULL,
       discount_gid TEXT,
       ends_at INTEGER,
       return_on_expiry INTEGER NOT NULL,
       failure_reason TEXT,
       resolve_after INTEGER,
       order_gid TEXT,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE INDEX redemptions_pending ON redemptions (resolve_after) WHERE status = 'pending'`,
    `CREATE INDEX redemptions_issued ON redemptions (ends_at) WHERE status = 'issued'`,
    `CREATE INDEX redemptions_order ON redemptions (order_gid)`,
    // Points not yet spent, by when they were earned: spending draws first-in first-out.
    `CREATE TABLE lots (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       ledger_seq INTEGER NOT NULL,
       points INTEGER NOT NULL CHECK (points > 0),
       remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points),
       earned_at INTEGER NOT NULL,
       expires_at INTEGER,
       reminded INTEGER NOT NULL DEFAULT 0
     )`,
    `CREATE INDEX lots_open ON lots (id) WHERE remaining > 0`,
    `CREATE INDEX lots_expiring ON lots (expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL`,
    // Which lots each spending entry drew from, so a release puts the same points back.
    `CREATE TABLE lot_draws (
       ledger_seq INTEGER NOT NULL,
       lot_id INTEGER NOT NULL,
       points INTEGER NOT NULL CHECK (points > 0),
       PRIMARY KEY (ledger_seq, lot_id)
     )`,
    // Points held before lots existed become one lot that does not expire on its own.
    `INSERT INTO lots (ledger_seq, points, remaining, earned_at)
       SELECT coalesce((SELECT max(seq) FROM ledger), 0), balance, balance, unixepoch() * 1000 FROM account WHERE balance > 0`,
    `ALTER TABLE account ADD COLUMN last_activity_at INTEGER`,
    `ALTER TABLE account ADD COLUMN expiry_policy TEXT`,
    `ALTER TABLE account ADD COLUMN inactivity_reminded_for INTEGER`,
  ],
  // 4: when each order was placed (epoch ms; goal spend and tier periods count by it).
  [
    `ALTER TABLE orders ADD COLUMN paid_at INTEGER`,
    `UPDATE orders SET paid_at = updated_at WHERE paid = 1`,
  ],
  // 5: earning actions. Each award (signup, newsletter, review, birthday, social follow, goal
  // spend) with its idempotency key and the time its limit counts it at; the shopper's birthday.
  [
    `CREATE TABLE action_awards (
       key TEXT PRIMARY KEY,
       action TEXT NOT NULL,
       -- what the limit is counted per within the action: the network of a social follow, else ''
       scope TEXT NOT NULL DEFAULT '',
       awarded_for INTEGER NOT NULL,
       points INTEGER NOT NULL CHECK (points > 0),
       ledger_seq INTEGER NOT NULL,
       created_at INTEGER NOT NULL
     )`,
    `CREATE INDEX action_awards_by_action ON action_awards (action, scope, awarded_for)`,
    // Signup bonuses awarded before this table count toward the signup limit.
    `INSERT INTO action_awards (key, action, scope, awarded_for, points, ledger_seq, created_at)
       SELECT idempotency_key, 'signup', '', created_at, points, seq, created_at FROM ledger WHERE kind = 'signup' AND points > 0`,
    `CREATE TABLE birthday (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       month INTEGER NOT NULL,
       day INTEGER NOT NULL,
       year INTEGER,
       set_at INTEGER NOT NULL,
       -- 00:00 UTC of the next birthday to award; the alarm wakes for it
       next_award_at INTEGER NOT NULL
     )`,
  ],
  // 6: the VIP tier held and every change of it.
  [
    // One row: the tier held (core/tiers.ts TierState) and when it must be evaluated again.
    `CREATE TABLE tier_state (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       tier_id TEXT,
       since INTEGER,
       below_since INTEGER,
       wake_at INTEGER
     )`,
    `INSERT INTO tier_state (singleton) VALUES (1)`,
    // Append-only, like the ledger; each row is also published as a tier_changed event.
    `CREATE TABLE tier_changes (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       id TEXT NOT NULL UNIQUE,
       from_tier TEXT,
       to_tier TEXT,
       reason TEXT NOT NULL,
       basis TEXT NOT NULL,
       value INTEGER NOT NULL,
       at INTEGER NOT NULL
     )`,
    // Entry rewards: one row per tier ever entered that names one, so it is issued once.
    `CREATE TABLE tier_entry_rewards (
       tier_id TEXT PRIMARY KEY,
       reward_id TEXT NOT NULL,
       status TEXT NOT NULL CHECK (status IN ('due', 'done', 'skipped', 'failed')),
       attempts INTEGER NOT NULL DEFAULT 0,
       -- when the alarm issues it if nothing did before (a crash after the commit)
       due_at INTEGER,
       redemption_id TEXT,
       note TEXT,
       created_at INTEGER NOT NULL
     )`,
    `CREATE INDEX tier_entry_rewards_due ON tier_entry_rewards (due_at) WHERE status = 'due'`,
    // An entry reward is a redemption of 0 points: the points check becomes >= 0 (a rebuild:
    // SQLite cannot alter a CHECK). Same columns, same order, same indexes.
    `CREATE TABLE redemptions_v6 (
       id TEXT PRIMARY KEY,
       request_key TEXT NOT NULL UNIQUE,
       request_hash TEXT NOT NULL,
       reward_id TEXT NOT NULL,
       reward_version INTEGER NOT NULL,
       reward_type TEXT NOT NULL,
       title TEXT NOT NULL,
       points INTEGER NOT NULL CHECK (points >= 0),
       spec TEXT NOT NULL,
       code_encrypted TEXT NOT NULL,
       code_hash TEXT NOT NULL UNIQUE,
       status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'used', 'expired', 'failed', 'cancelled')),
       revision INTEGER NOT NULL DEFAULT 1,
       reserve_seq INTEGER NOT NULL,
       discount_gid TEXT,
       ends_at INTEGER,
       return_on_expiry INTEGER NOT NULL,
       failure_reason TEXT,
       resolve_after INTEGER,
       order_gid TEXT,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     )`,
    `INSERT INTO redemptions_v6 SELECT id, request_key, request_hash, reward_id, reward_version, reward_type, title, points, spec,
       code_encrypted, code_hash, status, revision, reserve_seq, discount_gid, ends_at, return_on_expiry, failure_reason,
       resolve_after, order_gid, created_at, updated_at FROM redemptions`,
    `DROP TABLE redemptions`,
    `ALTER TABLE redemptions_v6 RENAME TO redemptions`,
    `CREATE INDEX redemptions_pending ON redemptions (resolve_after) WHERE status = 'pending'`,
    `CREATE INDEX redemptions_issued ON redemptions (ends_at) WHERE status = 'issued'`,
    `CREATE INDEX redemptions_order ON redemptions (order_gid)`,
  ],
  // 7: plans and fair limits. The month (UTC) a paid order counts in, what the plan usage was
  // last told of it ('<counts>:<held points>', order_usage events), and whether its points are
  // held: NULL (awarded as usual), 'held' (recorded with its snapshot, not yet given),
  // 'released' (given later), 'dropped' (fully refunded or cancelled while held: nothing to give).
  [
    `ALTER TABLE orders ADD COLUMN usage_month TEXT`,
    `ALTER TABLE orders ADD COLUMN usage_reported TEXT`,
    `ALTER TABLE orders ADD COLUMN hold TEXT CHECK (hold IN ('held', 'released', 'dropped'))`,
    `CREATE INDEX orders_held ON orders (paid_at) WHERE hold = 'held'`,
  ],
  // 8: a GDPR redaction's tombstone. After a redaction the object's storage is deleted
  // (deleteAll) and only this row is written again: no identity, no personal data. Every
  // effect refuses while it is there, so a webhook Shopify sent before the redaction (a retry,
  // a re-drive) cannot bring the customer back.
  [
    `CREATE TABLE redaction (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       redacted_at INTEGER NOT NULL
     )`,
  ],
  // 9: notifications. The customer's contact as webhooks told it (email, phone, first name:
  // one sealed JSON), their language (an order's customer_locale), their SMS consent and whether
  // their email is suppressed (a provider said unsubscribed, spam or a hard bounce); and one row
  // per (event key, channel) a notification was claimed for: a send starts only from a claim,
  // so a repeated or concurrent message never sends twice (durable-objects/notification-rows.ts).
  [
    `CREATE TABLE contact (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       sealed TEXT NOT NULL,
       locale TEXT,
       sms_consent INTEGER NOT NULL DEFAULT 0,
       email_suppressed INTEGER NOT NULL DEFAULT 0,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE TABLE notification_sends (
       event_key TEXT NOT NULL,
       channel TEXT NOT NULL,
       status TEXT NOT NULL CHECK (status IN ('sending', 'retrying', 'sent', 'failed', 'skipped', 'bounced', 'unsubscribed')),
       claim_id TEXT,
       lease_until INTEGER,
       tries INTEGER NOT NULL DEFAULT 0,
       provider_message_id TEXT,
       error TEXT,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (event_key, channel)
     )`,
    `CREATE INDEX notification_sends_provider_id ON notification_sends (provider_message_id) WHERE provider_message_id IS NOT NULL`,
  ],
  // 10: referrals. `referral`: the one referral this customer is the friend of (the whole
  // ReferralRecord as JSON; its status and deadline beside it for the alarm). `referred_friends`:
  // the referrals this customer is the advocate of, as the friends' accounts published them
  // (highest revision kept), and the points this account gave for each. `referral_identity`:
  // keyed hashes of the customer's email, phone and address and when their Shopify account was
  // created, for the fraud checks of referrals on either side (no personal data in the clear).
  [
    `CREATE TABLE referral (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       record TEXT NOT NULL,
       status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'held', 'rejected', 'expired', 'reversed')),
       expires_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE TABLE referred_friends (
       id TEXT PRIMARY KEY,
       record TEXT NOT NULL,
       revision INTEGER NOT NULL,
       points INTEGER NOT NULL DEFAULT 0,
       redemption_id TEXT,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE TABLE referral_identity (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       email TEXT,
       phone TEXT,
       address TEXT,
       customer_created_at INTEGER,
       updated_at INTEGER NOT NULL
     )`,
  ],
];
