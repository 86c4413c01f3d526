// One per shop: the Shopify Admin API throttle state every isolate shares (the limit is per
// app and shop). Callers reserve a query's cost before calling and report the real status after.
import { DurableObject } from "cloudflare:workers";
import { spend, waitForCost, type BucketState, type ThrottleStatus } from "../core/throttle";

const STANDARD_PLAN: ThrottleStatus = { maximumAvailable: 1000, currentlyAvailable: 1000, restoreRate: 100 };

export class ShopCoordinator extends DurableObject<Env> {
  private bucket: BucketState | null = null;

  /** Reserves `cost` points; returns how long to wait first (0 = go now). */
  async reserve(cost: number): Promise<{ waitMs: number }> {
    const now = Date.now();
    const state = this.bucket ?? (await this.ctx.storage.get<BucketState>("bucket")) ?? { ...STANDARD_PLAN, observedAt: now };
    const waitMs = waitForCost(state, cost, now);
    this.bucket = spend(state, cost, now + waitMs);
    return { waitMs };
  }

  /** Records throttleStatus from a response: Shopify's figures replace our estimate. */
  async observe(status: ThrottleStatus): Promise<void> {
    this.bucket = { ...status, observedAt: Date.now() };
    await this.ctx.storage.put("bucket", this.bucket);
  }
}
