// How the library's errors map onto what the project does with a failed Shopify call.
import { HttpRequestError, HttpResponseError, HttpRetriableError, HttpThrottlingError } from "@shopify/shopify-api";
import { DEFAULT_RETRY, backoffDelayMs, type RetryPolicy } from "../../core/retry";

/**
 * A passing failure worth another try: the network (the library throws fetch's TypeError from
 * its own endpoints and HttpRequestError from its GraphQL client), 5xx and 429. Null otherwise.
 */
export function passingFailure(error: unknown): { retryAfter: string | null } | null {
  if (error instanceof HttpThrottlingError) {
    return { retryAfter: error.response.retryAfter === undefined ? null : String(error.response.retryAfter) };
  }
  if (error instanceof HttpRetriableError || error instanceof HttpRequestError || error instanceof TypeError) {
    return { retryAfter: null };
  }
  return null;
}

/** Shopify's answer to a refused request: its status and OAuth `error` code, when it gave one. */
export function refusal(error: unknown): { status: number; reason: string } | null {
  if (!(error instanceof HttpResponseError) || error instanceof HttpRetriableError) return null;
  const code = (error.response.body as { error?: unknown } | undefined)?.error;
  return { status: error.response.code, reason: typeof code === "string" ? code : `HTTP ${error.response.code}` };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, retrying passing failures with the project's backoff (core/retry). */
export async function withPassingRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  shouldRetry: (error: unknown) => { retryAfter: string | null } | null = passingFailure,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const passing = shouldRetry(error);
      if (!passing || attempt >= policy.attempts - 1) throw error;
      await wait(backoffDelayMs(policy, attempt, passing.retryAfter));
    }
  }
}
