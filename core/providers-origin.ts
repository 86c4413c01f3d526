// The one rule for where outside providers (SendGrid, Twilio, Postscript, Klaviyo, PostHog) are
// reached: the adapters' base URLs and the host the widget's posthog-js is given both follow it.
// Pure, so the storefront's widget config may use it without loading an adapter.

export type OriginEnv = { ENVIRONMENT?: string; PROVIDERS_ORIGIN?: string };

/**
 * Where every provider is reached in dev and tests (the local stand-ins), or null for the
 * providers' own hosts: always null in production, whatever PROVIDERS_ORIGIN says.
 */
export function providersOriginOverride(env: OriginEnv): string | null {
  if (env.ENVIRONMENT === "production") return null;
  const origin = env.PROVIDERS_ORIGIN;
  if (typeof origin !== "string" || origin === "") return null;
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("PROVIDERS_ORIGIN must be an http(s) origin");
  return url.origin;
}
