// Klaviyo (private key, JSON:API with a pinned revision): an event on a profile
// (POST /api/events, 202) so the merchant's own flows send, and the account
// (GET /api/accounts) as the credentials check.
import type { KlaviyoEvent } from "./index";
import { callProvider, isRecord, parseJson, providerBase, type CallOptions, type ParsedError } from "./http";
import type { KlaviyoConfig, Sent } from "./types";

const ORIGIN = "https://a.klaviyo.com";
/** The API revision every request names; its request shapes are what this module builds. */
export const KLAVIYO_REVISION = "2026-10-15";

function headers(config: KlaviyoConfig): Record<string, string> {
  return { authorization: `Klaviyo-API-Key ${config.private_api_key}`, revision: KLAVIYO_REVISION, accept: "application/vnd.api+json" };
}

/** Nulls are left out: Klaviyo reads a null identifier as "clear it" on the profile. */
export function eventBody(event: KlaviyoEvent): Record<string, unknown> {
  const profile: Record<string, unknown> = { external_id: event.profile.external_id, properties: event.profile.properties };
  if (event.profile.email) profile.email = event.profile.email;
  if (event.profile.phone_number) profile.phone_number = event.profile.phone_number;
  const attributes: Record<string, unknown> = {
    properties: event.properties,
    time: event.time,
    unique_id: event.unique_id,
    metric: { data: { type: "metric", attributes: { name: event.metric } } },
    profile: { data: { type: "profile", attributes: profile } },
  };
  if (event.value !== undefined) attributes.value = event.value;
  return { data: { type: "event", attributes } };
}

export async function send(env: Env, config: KlaviyoConfig, event: KlaviyoEvent, options: CallOptions = {}): Promise<Sent> {
  await callProvider({
    provider: "klaviyo",
    url: `${providerBase(env, ORIGIN)}/api/events`,
    method: "POST",
    headers: { ...headers(config), "content-type": "application/vnd.api+json" },
    body: JSON.stringify(eventBody(event)),
    secrets: [config.private_api_key],
    parseError,
    timeoutMs: options.timeoutMs,
  });
  // 202 with no body: Klaviyo dedupes on unique_id, which is ours already.
  return { provider_message_id: null };
}

export async function check(env: Env, config: KlaviyoConfig, options: CallOptions = {}): Promise<void> {
  await callProvider({
    provider: "klaviyo",
    url: `${providerBase(env, ORIGIN)}/api/accounts`,
    method: "GET",
    headers: headers(config),
    secrets: [config.private_api_key],
    parseError,
    timeoutMs: options.timeoutMs,
  });
}

/** JSON:API errors: `{ errors: [{ status, code, title, detail, source: { pointer } }] }`. */
function parseError(_status: number, text: string): ParsedError {
  const body = parseJson(text);
  const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors.filter(isRecord) : [];
  const message = errors
    .map((error) => {
      // "/data/" (the whole body) says nothing; a deeper pointer names the field.
      const at = isRecord(error.source) && typeof error.source.pointer === "string" ? error.source.pointer : "";
      const pointer = at && !/^\/data\/?$/.test(at) ? `${at}: ` : "";
      return `${pointer}${String(error.detail ?? error.title ?? error.code ?? "")}`;
    })
    .join("; ");
  const invalidRecipient = errors.some((error) => isRecord(error.source) && /\/profile\/data\/attributes\/(email|phone_number)/.test(String(error.source.pointer)));
  return { message: message || null, code: invalidRecipient ? "invalid_recipient" : undefined };
}
