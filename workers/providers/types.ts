// The outside services LoyalNest sends notifications and analytics through, as each shop
// configures them (D1 `integrations`, secrets sealed): their settings and the one error shape
// every adapter throws, so the notifications queue can tell a retry from a dead end.

export const MESSAGING_PROVIDERS = ["sendgrid", "twilio", "postscript", "klaviyo"] as const;
export type MessagingProvider = (typeof MESSAGING_PROVIDERS)[number];
export type Provider = MessagingProvider | "posthog";

/** SendGrid v3 mail send: a verified sender. */
export interface SendgridConfig {
  api_key: string;
  from_email: string;
  from_name: string | null;
  /** The Signed Event Webhook's verification key (workers/integrations/sendgrid-events.ts); absent: no bounce feedback. */
  event_webhook_public_key?: string | null;
}

/** Twilio Messages API: SMS from `sms_from` (a number or a Messaging Service SID), WhatsApp from `whatsapp_from` (E.164). */
export interface TwilioConfig {
  account_sid: string;
  auth_token: string;
  sms_from: string | null;
  whatsapp_from: string | null;
}

/** Postscript SMS (its public API, a private key per shop). */
export interface PostscriptConfig {
  api_key: string;
}

/** Klaviyo: a private API key (events and profiles). */
export interface KlaviyoConfig {
  private_api_key: string;
}

/** PostHog: the project's API key (public by design, `phc_…`) and its ingestion host. */
export interface PosthogConfig {
  project_api_key: string;
  host: string;
}

export interface ProviderConfigs {
  sendgrid: SendgridConfig;
  twilio: TwilioConfig;
  postscript: PostscriptConfig;
  klaviyo: KlaviyoConfig;
  posthog: PosthogConfig;
}

/**
 * Every adapter failure. `retryable`: a later try may succeed (network error, timeout, 429,
 * 5xx); `retryAfterSeconds` is the provider's Retry-After when it gave one. `permanent`: the
 * same request will always fail (bad key, bad recipient, bad body): no retry.
 * `code` is short and stable (e.g. `http_401`, `timeout`, `invalid_recipient`); `message` has no
 * secrets and no recipient.
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: Provider,
    readonly kind: "retryable" | "permanent",
    readonly code: string,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** What a provider answered for an accepted message (its id, to match later status callbacks). */
export interface Sent {
  provider_message_id: string | null;
}
