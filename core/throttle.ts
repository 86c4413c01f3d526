// Shopify's cost-based leaky bucket, as last reported by the API (extensions.cost.throttleStatus).
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketState extends ThrottleStatus {
  observedAt: number;
}

/** Milliseconds to wait before a query of `cost` fits, given the last reported state. */
export function waitForCost(state: BucketState, cost: number, now: number): number {
  const restored = ((now - state.observedAt) / 1000) * state.restoreRate;
  const available = Math.min(state.maximumAvailable, state.currentlyAvailable + restored);
  if (available >= cost) return 0;
  return Math.ceil(((cost - available) / state.restoreRate) * 1000);
}

/** The bucket after spending `cost` now (available may not go below zero). */
export function spend(state: BucketState, cost: number, now: number): BucketState {
  const restored = ((now - state.observedAt) / 1000) * state.restoreRate;
  const available = Math.min(state.maximumAvailable, state.currentlyAvailable + restored);
  return { ...state, currentlyAvailable: Math.max(0, available - cost), observedAt: now };
}

/**
 * Merges a reported status into our estimate: the lower projected availability at `now` wins
 * (our estimate may owe reservations Shopify has not seen yet; Shopify may have seen spending
 * we never reserved). Capacity and restore rate are always Shopify's.
 */
export function reconcile(state: BucketState, reported: ThrottleStatus, now: number): BucketState {
  const ours = state.currentlyAvailable + ((now - state.observedAt) / 1000) * reported.restoreRate;
  if (ours < reported.currentlyAvailable) {
    const currentlyAvailable = Math.min(state.currentlyAvailable, reported.maximumAvailable);
    return { ...state, currentlyAvailable, maximumAvailable: reported.maximumAvailable, restoreRate: reported.restoreRate };
  }
  return { ...reported, observedAt: now };
}
