// The provider stand-ins (scripts/provider-standins.mjs) seen from inside workerd: fresh
// credentials per test (registered with the stand-ins, so faults and request logs stay the
// test's own while other files share the server), faults to queue and the requests they saw.
import { env } from "cloudflare:test";
import type { KlaviyoConfig, PosthogConfig, PostscriptConfig, Provider, ProviderConfigs, SendgridConfig, TwilioConfig } from "../../workers/providers/types";

export interface StandinRequest {
  id: number;
  at: number;
  provider: Provider;
  operation: "send" | "check";
  method: string;
  path: string;
  /** The credential the request claimed: the key, or Twilio's account SID. */
  principal: string | null;
  authorized: boolean;
  accepted: boolean;
  /** Null when no answer was sent (hang, reset). */
  status: number | null;
  fault: StandinFault["mode"] | null;
  recipients: string[];
  /** Every header but authorization. */
  headers: Record<string, string>;
  /** Parsed JSON or form; the raw text when it parsed as neither. */
  body: unknown;
  messageId: string | null;
}

export interface StandinFault {
  provider: Provider;
  /** stall: a 200 and the first byte of the body, then nothing until holdMs. */
  mode: "status" | "throttle" | "hang" | "stall" | "reset" | "reject_recipient";
  /** Only requests with this credential (key, or Twilio's account SID); default any. */
  key?: string;
  operation?: "send" | "check";
  /** Default 1; 0 = every matching request until cleared. */
  times?: number;
  /** mode status: 400..599 (default 503). */
  status?: number;
  /** mode throttle: Retry-After, seconds or an HTTP date (default "1"). */
  retryAfter?: string;
  /** mode hang, stall: how long the connection is held before it is dropped (default 30 s). */
  holdMs?: number;
  /** mode reject_recipient: this email or phone is refused permanently. */
  recipient?: string;
}

const control = (path: string, query: Record<string, string | undefined> = {}) => {
  const url = new URL(`/__standins/${path}`, env.PROVIDERS_ORIGIN);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
};

function hex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function register(provider: Provider, credential: Record<string, unknown>): Promise<void> {
  const response = await fetch(control("credentials"), { method: "POST", body: JSON.stringify({ provider, ...credential }) });
  if (response.status !== 200) throw new Error(`the stand-ins refused the credential: ${await response.text()}`);
}

/** A credential only this test uses, accepted by the stand-ins (Twilio: `status` of the account, SendGrid: its `scopes`). */
export async function freshConfig<P extends Provider>(provider: P, extra: { status?: string; scopes?: string[] } = {}): Promise<ProviderConfigs[P]> {
  const configs: { [K in Provider]: () => ProviderConfigs[K] } = {
    sendgrid: (): SendgridConfig => ({ api_key: `SG.${hex(11)}.${hex(21)}x`, from_email: "rewards@shop.example", from_name: "Shop Rewards" }),
    twilio: (): TwilioConfig => ({ account_sid: `AC${hex(16)}`, auth_token: hex(16), sms_from: "+15005550006", whatsapp_from: "+14155238886" }),
    postscript: (): PostscriptConfig => ({ api_key: `sk_${hex(16)}` }),
    klaviyo: (): KlaviyoConfig => ({ private_api_key: `pk_${hex(17)}` }),
    posthog: (): PosthogConfig => ({ project_api_key: `phc_${hex(20)}`, host: "https://us.i.posthog.com" }),
  };
  const config = configs[provider]();
  await register(provider, { ...config, ...extra });
  return config;
}

/** The credential the stand-ins scope faults and logs by. */
export function keyOf(provider: Provider, config: ProviderConfigs[Provider]): string {
  const field = provider === "twilio" ? "account_sid" : provider === "klaviyo" ? "private_api_key" : provider === "posthog" ? "project_api_key" : "api_key";
  return (config as unknown as Record<string, string>)[field]!;
}

export async function injectProviderFault(fault: StandinFault): Promise<void> {
  const response = await fetch(control("faults"), { method: "POST", body: JSON.stringify(fault) });
  if (response.status !== 200) throw new Error(`the stand-ins refused the fault: ${await response.text()}`);
}

export async function clearProviderFaults(provider: Provider, key: string): Promise<void> {
  await (await fetch(control("faults", { provider, key }), { method: "DELETE" })).body?.cancel();
}

/** What the stand-ins recorded for this provider and credential, oldest first. */
export async function standinRequests(provider: Provider, key: string, operation?: "send" | "check"): Promise<StandinRequest[]> {
  const response = await fetch(control("requests", { provider, key, operation }));
  return ((await response.json()) as { requests: StandinRequest[] }).requests;
}

/** Sends a raw request to a provider path on the stand-ins (for checking the stand-ins themselves). */
export function rawStandinRequest(path: string, init: RequestInit): Promise<Response> {
  return fetch(new URL(path, env.PROVIDERS_ORIGIN).toString(), init);
}
