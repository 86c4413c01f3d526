// One HTTP try to a provider and the one classification of its failures, shared by every
// adapter: network errors, timeouts, 408, 429 and 5xx are retryable (with the provider's
// Retry-After when it sent one); any other non-2xx is permanent. The provider's error body is
// reduced to a short message by the adapter's own parser, then redacted (emails, phone numbers,
// tokens, the call's own secrets): the message is stored and shown to merchants.
import { redact } from "../../core/log";
import { providersOriginOverride, type OriginEnv } from "../../core/providers-origin";
import { ProviderError, type Provider } from "./types";

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_CHARS = 300;

/** Per-call options every adapter accepts (tests shorten the timeout to prove it). */
export interface CallOptions {
  timeoutMs?: number;
}

export { providersOriginOverride };

/** `realOrigin` unless the env points every provider at the stand-ins. */
export function providerBase(env: OriginEnv, realOrigin: string): string {
  return providersOriginOverride(env) ?? realOrigin;
}

/** What an adapter makes of a provider's error answer: a short message and, when it knows one, a sharper code. */
export interface ParsedError {
  message: string | null;
  /** Overrides `http_<status>` (e.g. `invalid_recipient`); `kind` may turn a 4xx retryable or a 5xx permanent. */
  code?: string;
  kind?: "retryable" | "permanent";
}

export interface ProviderCall {
  provider: Provider;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Values that must never appear in a message (the call's keys). */
  secrets: string[];
  parseError: (status: number, body: string) => ParsedError;
  timeoutMs?: number;
}

/** A provider's 2xx answer, its body read within the call's deadline. */
export interface ProviderAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * One try, body included: a provider that sends its headers and then stalls is a timeout like
 * one that never answers. Answers a 2xx; throws a ProviderError for everything else.
 */
export async function callProvider(call: ProviderCall): Promise<ProviderAnswer> {
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const timedOut = (status: number | null = null) => new ProviderError(call.provider, "retryable", "timeout", `no answer within ${timeoutMs} ms`, status);
  let response: Response;
  try {
    response = await fetch(call.url, { method: call.method, headers: call.headers, body: call.body, signal: controller.signal });
  } catch (error) {
    clearTimeout(timer);
    if (controller.signal.aborted) throw timedOut();
    throw new ProviderError(call.provider, "retryable", "network", clean(`network error: ${errorText(error)}`, call.secrets));
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (controller.signal.aborted) throw timedOut(response.status);
    throw new ProviderError(call.provider, "retryable", "network", clean(`network error: ${errorText(error)}`, call.secrets), response.status);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw errorFor(call, response.status, response.headers.get("retry-after"), text);
  return { status: response.status, headers: response.headers, text };
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function errorFor(call: ProviderCall, status: number, retryAfter: string | null, body: string): ProviderError {
  let parsed: ParsedError = { message: null };
  try {
    parsed = call.parseError(status, body);
  } catch {
    // A body that is not what the provider documents: the status says enough.
  }
  const kind = parsed.kind ?? (isRetryableStatus(status) ? "retryable" : "permanent");
  const code = parsed.code ?? `http_${status}`;
  const message = clean(parsed.message ?? `${call.provider} answered ${status}`, call.secrets);
  return new ProviderError(call.provider, kind, code, message, status, kind === "retryable" ? parseRetryAfter(retryAfter) : null);
}

/** Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** A provider's message made safe to store: secrets and personal values out, one line, short. */
export function clean(message: string, secrets: string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[secret]");
  out = redact(out).replace(/\s+/g, " ").trim();
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** JSON.parse that answers null for anything unparseable. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
