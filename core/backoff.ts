// The one exponential backoff: queue retries, parked inbox entries, outbox resends and
// outbound HTTP retries all wait base × 2^attempt, capped, with their own base and cap.
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** base × 2^attempt, capped at max (attempt 0 waits base). */
export function backoffMs(policy: BackoffPolicy, attempt: number): number {
  // 2^31 ms is already 24 days: no policy here needs a larger exponent.
  return Math.min(policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 31), policy.maxMs);
}

/** "Equal jitter": half the delay fixed, half random, so retrying clients spread out. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms / 2 + random() * (ms / 2));
}

/** Queue consumers' retries: 2, 4, 8 … seconds (attempts starts at 1), capped at five minutes. */
export const QUEUE_RETRY: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000 };

export function queueRetryDelaySeconds(attempts: number): number {
  return backoffMs(QUEUE_RETRY, Math.max(1, attempts)) / 1000;
}
