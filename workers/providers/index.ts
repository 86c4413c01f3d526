// The provider adapters' one entry point (workers/providers/*.ts hold each provider's API).
// Each call is ONE try: the notifications queue owns retries (3 tries, backoff with jitter),
// so an adapter never loops. A call that runs past its timeout throws a retryable
// ProviderError `timeout`.
import type { KlaviyoConfig, PosthogConfig, PostscriptConfig, Provider, ProviderConfigs, SendgridConfig, Sent, TwilioConfig } from "./types";

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

export function sendEmail(_env: Env, _config: SendgridConfig, _message: EmailMessage): Promise<Sent> {
  throw new Error("sendEmail: not built yet (issue 10 providers)");
}

export function sendTwilio(_env: Env, _config: TwilioConfig, _channel: "sms" | "whatsapp", _message: TextMessage): Promise<Sent> {
  throw new Error("sendTwilio: not built yet (issue 10 providers)");
}

export function sendPostscript(_env: Env, _config: PostscriptConfig, _message: TextMessage): Promise<Sent> {
  throw new Error("sendPostscript: not built yet (issue 10 providers)");
}

export function sendKlaviyoEvent(_env: Env, _config: KlaviyoConfig, _event: KlaviyoEvent): Promise<Sent> {
  throw new Error("sendKlaviyoEvent: not built yet (issue 10 providers)");
}

export function capturePosthog(_env: Env, _config: PosthogConfig, _events: PosthogEvent[]): Promise<void> {
  throw new Error("capturePosthog: not built yet (issue 10 providers)");
}

export interface CheckResult {
  ok: boolean;
  /** Tries made (at most 3). */
  attempts: number;
  /** The last failure's code and message when not ok. */
  error: { code: string; message: string } | null;
  checked_at: string;
}

/** A real, read-only connectivity and credentials check, up to 3 tries with backoff. */
export function checkProvider<P extends Provider>(_env: Env, _provider: P, _config: ProviderConfigs[P]): Promise<CheckResult> {
  throw new Error("checkProvider: not built yet (issue 10 providers)");
}
