// One per shop: the Shopify Admin API throttle state every isolate shares (the limit is per
// app and shop; callers reserve a query's cost before calling and report the real status
// after), and the shop's token refresh, one at a time (each refresh token works once); and
// where the shop's referrals came from (hashed IP and device), for the fraud checks' velocity.
import { DurableObject } from "cloudflare:workers";
import { migrateSqlStorage } from "./sql-migrations";
import { reconcile, spend, waitForCost, type BucketState, type ThrottleStatus } from "../core/throttle";
import { refreshShopTokens } from "../workers/shopify/token-refresh";
import type { TokenRefreshResult } from "../workers/shopify/admin-token";

const STANDARD_PLAN: ThrottleStatus = { maximumAvailable: 1000, currentlyAvailable: 1000, restoreRate: 100 };

/** The throttle state and tokens live in the key-value API; the referral sources in SQLite. */
const SHOP_COORDINATOR_MIGRATIONS: string[][] = [
  [
    // One row per referral, first answer kept: a repeat of the same referral answers it again.
    `CREATE TABLE referral_sources (
       referral_id TEXT PRIMARY KEY,
       ip TEXT,
       device TEXT,
       at INTEGER NOT NULL,
       same_ip INTEGER NOT NULL,
       same_device INTEGER NOT NULL
     )`,
    `CREATE INDEX referral_sources_ip ON referral_sources (ip, at) WHERE ip IS NOT NULL`,
    `CREATE INDEX referral_sources_device ON referral_sources (device, at) WHERE device IS NOT NULL`,
    `CREATE INDEX referral_sources_at ON referral_sources (at)`,
  ],
];

const DAY_MS = 86_400_000;
/** The longest velocity window a program may set (core/referral-config.ts velocity_days). */
const REFERRAL_SOURCE_KEEP_DAYS = 90;

export interface ReferralSourceInput {
  /** The referral (the friend's customer id). */
  referralId: string;
  /** Already keyed hashes: the coordinator never sees an IP address or device id. */
  ip: string | null;
  device: string | null;
  /** Epoch ms of the completion attempt. */
  at: number;
  windowDays: number;
}

export interface ReferralSourceCounts {
  sameIp: number;
  sameDevice: number;
}

export class ShopCoordinator extends DurableObject<Env> {
  private bucket: BucketState | null = null;
  private refreshing: Promise<TokenRefreshResult> | null = null;
  /** The refresh token Shopify last refused: asking again with it would only be refused again. */
  private refusedRefreshToken: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => migrateSqlStorage(ctx.storage, SHOP_COORDINATOR_MIGRATIONS));
  }

  /** Reserves `cost` points; returns how long to wait first (0 = go now). */
  async reserve(cost: number): Promise<{ waitMs: number }> {
    const now = Date.now();
    const state = this.bucket ?? (await this.ctx.storage.get<BucketState>("bucket")) ?? { ...STANDARD_PLAN, observedAt: now };
    const waitMs = waitForCost(state, cost, now);
    this.bucket = spend(state, cost, now + waitMs);
    return { waitMs };
  }

  /**
   * Records throttleStatus from a response. Shopify's figures win unless our estimate is lower:
   * reservations already handed out (callers still waiting their turn) are not in Shopify's
   * count yet, and forgetting them would send every waiting caller at once.
   */
  async observe(status: ThrottleStatus): Promise<void> {
    const now = Date.now();
    const current = this.bucket ?? (await this.ctx.storage.get<BucketState>("bucket")) ?? null;
    this.bucket = current ? reconcile(current, status, now) : { ...status, observedAt: now };
    await this.ctx.storage.put("bucket", this.bucket);
  }

  /**
   * Refreshes the shop's offline token, or answers with a newer one when another caller got
   * there first. Concurrent callers share one refresh: an outbound fetch opens the object's
   * input gate, so without the shared promise a second request could start a second refresh
   * with the same (by then spent) refresh token. `rejected` is the access token Shopify just
   * refused, if that is why the caller asks.
   */
  async refreshAccessToken(shop: string, rejected: string | null): Promise<TokenRefreshResult> {
    if (!this.refreshing) {
      this.refreshing = refreshShopTokens(this.env, this.ctx.storage, shop, rejected, {
        refused: this.refusedRefreshToken,
        onRefused: (token) => (this.refusedRefreshToken = token),
      }).finally(() => (this.refreshing = null));
    }
    return this.refreshing;
  }

  /**
   * Records where a referral came from and answers how many OTHER referrals came from the same
   * IP and the same device within `windowDays` before `at` (a row exactly `windowDays` old is
   * out; rows after `at` are not counted). Idempotent per referral: a repeat adds nothing and
   * answers the first call's counts. Rows older than 90 days (the longest window) are pruned.
   */
  async noteReferralSource(input: ReferralSourceInput): Promise<ReferralSourceCounts> {
    const { referralId, ip, device, at, windowDays } = input;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > REFERRAL_SOURCE_KEEP_DAYS) throw new RangeError(`windowDays must be 1..${REFERRAL_SOURCE_KEEP_DAYS}`);
    if (!Number.isSafeInteger(at) || at < 0) throw new RangeError("at must be epoch milliseconds");
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      sql.exec(`DELETE FROM referral_sources WHERE at < ?`, Date.now() - REFERRAL_SOURCE_KEEP_DAYS * DAY_MS);
      const seen = sql.exec<{ same_ip: number; same_device: number }>(`SELECT same_ip, same_device FROM referral_sources WHERE referral_id = ?`, referralId).toArray()[0];
      if (seen) return { sameIp: seen.same_ip, sameDevice: seen.same_device };
      const since = at - windowDays * DAY_MS;
      const others = (column: "ip" | "device", value: string | null) =>
        value === null ? 0 : sql.exec<{ n: number }>(`SELECT count(*) AS n FROM referral_sources WHERE ${column} = ? AND at > ? AND at <= ?`, value, since, at).one().n;
      const counts = { sameIp: others("ip", ip), sameDevice: others("device", device) };
      sql.exec(
        `INSERT INTO referral_sources (referral_id, ip, device, at, same_ip, same_device) VALUES (?, ?, ?, ?, ?, ?)`,
        referralId,
        ip,
        device,
        at,
        counts.sameIp,
        counts.sameDevice,
      );
      return counts;
    });
  }

  /** shop/redact: the throttle state, any pending (sealed) token set and the referral sources go. */
  async forget(): Promise<void> {
    this.bucket = null;
    this.refusedRefreshToken = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // deleteAll drops the SQLite tables too; a shop that installs again finds them ready.
    migrateSqlStorage(this.ctx.storage, SHOP_COORDINATOR_MIGRATIONS);
  }
}
