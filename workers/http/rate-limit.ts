// One rate-limit middleware for the storefront and merchant surfaces, mounted after their
// authentication so every key comes from verified credentials. Rules are checked most specific
// first and stop at the first refusal, so a client over its own limit does not also spend its
// shop's budget. A refusal answers 429 in the envelope with Retry-After = the rule's period:
// the binding does not say when its window ends, and the period is never too short.
import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import type { RateLimitRule } from "../../core/rate-limits";
import type { App } from "./context";
import { ApiError } from "./envelope";

export interface Limiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface KeyedRule {
  rule: RateLimitRule;
  /** The counter's key, from verified identity only; null skips the rule (e.g. a signed-out shopper). */
  key: (c: Context<App>) => string | null;
}

export interface RateLimitOptions {
  /** Which limiter counts a rule; the env binding it names unless a test passes its own. */
  limiterFor?: (env: Env, rule: RateLimitRule) => Limiter;
}

export function rateLimit(rules: readonly KeyedRule[], options: RateLimitOptions = {}) {
  if (rules.length === 0) throw new Error("rateLimit needs at least one rule");
  const limiterFor = options.limiterFor ?? ((env: Env, rule: RateLimitRule) => env[rule.binding]);
  return createMiddleware<App>(async function rateLimit(c, next) {
    for (const { rule, key } of rules) {
      const k = key(c);
      if (k === null) continue;
      const { success } = await limiterFor(c.env, rule).limit({ key: k });
      if (!success) {
        throw new ApiError(429, "rate_limited", `too many requests; at most ${rule.limit} every ${rule.period} s`, {
          "retry-after": String(rule.period),
        });
      }
    }
    await next();
  });
}
