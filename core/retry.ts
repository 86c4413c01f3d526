// Outbound calls to external services (Shopify, email/SMS, analytics) retry passing failures
// with jittered exponential backoff: network errors, 429 (honouring Retry-After) and 5xx.
import { backoffMs, withJitter } from "./backoff";

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Delay before attempt `attempt + 1`: Retry-After when the server gave one, else backoff. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, retryAfter: string | null, random = Math.random): number {
  const seconds = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
  if (seconds !== null) return Math.min(seconds * 1000, policy.maxDelayMs);
  return withJitter(backoffMs({ baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, attempt), random);
}

export async function fetchWithRetries(
  makeRequest: () => Request,
  policy: RetryPolicy = DEFAULT_RETRY,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    try {
      const response = await fetch(makeRequest());
      if (!isRetryableStatus(response.status) || attempt === policy.attempts - 1) return response;
      await response.body?.cancel();
      await sleep(backoffDelayMs(policy, attempt, response.headers.get("retry-after")));
    } catch (error) {
      lastError = error;
      if (attempt === policy.attempts - 1) break;
      await sleep(backoffDelayMs(policy, attempt, null));
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
