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
