// One per shop: the Shopify Admin API throttle state every isolate shares (the limit is per
// app and shop; callers reserve a query's cost before calling and report the real status
// after), and the shop's token refresh, one at a time (each refresh token works once).
import { DurableObject } from "cloudflare:workers";
import { reconcile, spend, waitForCost, type BucketState, type ThrottleStatus } from "../core/throttle";
import { refreshShopTokens } from "../workers/shopify/token-refresh";
import type { TokenRefreshResult } from "../workers/shopify/admin-token";

const STANDARD_PLAN: ThrottleStatus = { maximumAvailable: 1000, currentlyAvailable: 1000, restoreRate: 100 };

export class ShopCoordinator extends DurableObject<Env> {
  private bucket: BucketState | null = null;
  private refreshing: Promise<TokenRefreshResult> | null = null;
  /** The refresh token Shopify last refused: asking again with it would only be refused again. */
  private refusedRefreshToken: string | null = null;

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

  /** shop/redact: the throttle state and any pending (sealed) token set go. */
  async forget(): Promise<void> {
    this.bucket = null;
    this.refusedRefreshToken = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
