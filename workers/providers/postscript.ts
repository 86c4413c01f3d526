// Postscript (Partner API v2, a shop's private key as Bearer): a message request
// (POST /api/v2/message_requests, 202 with its id) and the key's identity
// (GET /api/v2/me) as the credentials check. Our messages are transactional: they answer
// the customer's own activity, and Postscript only sends them to its existing subscribers.
import type { TextMessage } from "./index";
import { callProvider, isRecord, parseJson, providerBase, type CallOptions, type ParsedError } from "./http";
import type { PostscriptConfig, Sent } from "./types";

const ORIGIN = "https://api.postscript.io";

function headers(config: PostscriptConfig): Record<string, string> {
  return { authorization: `Bearer ${config.api_key}`, accept: "application/json" };
}

export function messageRequestBody(message: TextMessage): Record<string, unknown> {
  return { phone: message.to, body: message.body, category: "transactional" };
}

export async function send(env: Env, config: PostscriptConfig, message: TextMessage, options: CallOptions = {}): Promise<Sent> {
  const answer = await callProvider({
    provider: "postscript",
    url: `${providerBase(env, ORIGIN)}/api/v2/message_requests`,
    method: "POST",
    headers: { ...headers(config), "content-type": "application/json" },
    body: JSON.stringify(messageRequestBody(message)),
    secrets: [config.api_key],
    parseError,
    timeoutMs: options.timeoutMs,
  });
  const body = parseJson(answer.text);
  return { provider_message_id: isRecord(body) && typeof body.id === "string" ? body.id : null };
}

export async function check(env: Env, config: PostscriptConfig, options: CallOptions = {}): Promise<void> {
  await callProvider({
    provider: "postscript",
    url: `${providerBase(env, ORIGIN)}/api/v2/me`,
    method: "GET",
    headers: headers(config),
    secrets: [config.api_key],
    parseError,
    timeoutMs: options.timeoutMs,
  });
}

/** `{ errors: [{ msg, type, ctx, log }] }`. */
function parseError(status: number, text: string): ParsedError {
  const body = parseJson(text);
  const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors.filter(isRecord) : [];
  const message = errors.map((error) => String(error.msg ?? error.type ?? "")).filter(Boolean).join("; ");
  const subscriberMissing = status === 404 || errors.some((error) => /subscriber/i.test(String(error.type ?? "")) || /subscriber/i.test(String(error.msg ?? "")));
  return { message: message || null, code: status < 500 && status !== 429 && subscriberMissing ? "invalid_recipient" : undefined };
}
