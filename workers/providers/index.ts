// The provider adapters' one entry point (workers/providers/*.ts hold each provider's API).
// Each call is ONE try: the notifications queue owns retries (3 tries, backoff with jitter),
// so an adapter never loops. A call that runs past its timeout throws a retryable
// ProviderError `timeout`.
import { backoffMs, withJitter, type BackoffPolicy } from "../../core/backoff";
import type { CallOptions } from "./http";
import * as klaviyo from "./klaviyo";
import * as posthog from "./posthog";
import * as postscript from "./postscript";
import * as sendgrid from "./sendgrid";
import * as twilio from "./twilio";
import { ProviderError, type KlaviyoConfig, type PosthogConfig, type PostscriptConfig, type Provider, type ProviderConfigs, type SendgridConfig, type Sent, type TwilioConfig } from "./types";

export type { CallOptions } from "./http";

export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** SendGrid categories / custom_args: our notification type and idempotency key, for its event webhook. */
  category: string;
  reference: string;
}

export interface TextMessage {
  /** E.164 phone number. */
  to: string;
  body: string;
  reference: string;
}

export interface KlaviyoEvent {
  /** The metric name merchants' flows trigger on, e.g. "LoyalNest Points Earned". */
  metric: string;
  /** Klaviyo dedupes events on unique_id: our idempotency key. */
  unique_id: string;
  time: string;
  value?: number;
  properties: Record<string, unknown>;
  profile: { email: string | null; phone_number: string | null; external_id: string; properties: Record<string, unknown> };
}

export interface PosthogEvent {
  event: string;
  distinct_id: string;
  /** Our idempotency key as a UUID: PostHog dedupes on it. */
  uuid: string;
  timestamp: string;
  properties: Record<string, unknown>;
}

export function sendEmail(env: Env, config: SendgridConfig, message: EmailMessage, options?: CallOptions): Promise<Sent> {
  return sendgrid.send(env, config, message, options);
}

export function sendTwilio(env: Env, config: TwilioConfig, channel: "sms" | "whatsapp", message: TextMessage, options?: CallOptions): Promise<Sent> {
  return twilio.send(env, config, channel, message, options);
}

export function sendPostscript(env: Env, config: PostscriptConfig, message: TextMessage, options?: CallOptions): Promise<Sent> {
  return postscript.send(env, config, message, options);
}

export function sendKlaviyoEvent(env: Env, config: KlaviyoConfig, event: KlaviyoEvent, options?: CallOptions): Promise<Sent> {
  return klaviyo.send(env, config, event, options);
}

/** One batch (PostHog takes up to 20 MB per request: the caller sizes its batches). */
export function capturePosthog(env: Env, config: PosthogConfig, events: PosthogEvent[], options?: CallOptions): Promise<void> {
  return posthog.capture(env, config, events, options);
}

export interface CheckResult {
  ok: boolean;
  /** Tries made (at most 3). */
  attempts: number;
  /** The last failure's code and message when not ok. */
  error: { code: string; message: string } | null;
  checked_at: string;
}

export const CHECK_ATTEMPTS = 3;
/** Waits 0.5 s then 1 s (jittered) between tries; a Retry-After is honoured up to the cap. */
export const CHECK_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 10_000 };

export interface CheckOptions extends CallOptions {
  /** Tests replace the wait between tries. */
  sleep?: (ms: number) => Promise<void>;
}

const CHECKS: { [P in Provider]: (env: Env, config: ProviderConfigs[P], options: CallOptions) => Promise<void> } = {
  sendgrid: sendgrid.check,
  twilio: twilio.check,
  postscript: postscript.check,
  klaviyo: klaviyo.check,
  posthog: posthog.check,
};

/**
 * A real, read-only connectivity and credentials check, up to 3 tries with backoff. A permanent
 * failure (bad key, missing permission) stops at once: another try would say the same. Never
 * throws for a provider's failure; a bug still throws.
 */
export async function checkProvider<P extends Provider>(env: Env, provider: P, config: ProviderConfigs[P], options: CheckOptions = {}): Promise<CheckResult> {
  const check = CHECKS[provider] as (env: Env, config: ProviderConfigs[P], options: CallOptions) => Promise<void>;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: ProviderError | null = null;
  let attempts = 0;
  while (attempts < CHECK_ATTEMPTS) {
    attempts++;
    try {
      await check(env, config, { timeoutMs: options.timeoutMs });
      return { ok: true, attempts, error: null, checked_at: new Date().toISOString() };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      last = error;
      if (error.kind === "permanent" || attempts === CHECK_ATTEMPTS) break;
      await sleep(checkDelayMs(attempts - 1, error.retryAfterSeconds));
    }
  }
  return { ok: false, attempts, error: last && { code: last.code, message: last.message }, checked_at: new Date().toISOString() };
}

export function checkDelayMs(attempt: number, retryAfterSeconds: number | null, random = Math.random): number {
  if (retryAfterSeconds !== null) return Math.min(retryAfterSeconds * 1000, CHECK_BACKOFF.maxMs);
  return withJitter(backoffMs(CHECK_BACKOFF, attempt), random);
}
