// SendGrid v3: mail send (POST /v3/mail/send, Bearer key, 202 + X-Message-Id) and the key's
// scopes (GET /v3/scopes) as the credentials check: a key without `mail.send` cannot send.
import type { EmailMessage } from "./index";
import { callProvider, isRecord, parseJson, providerBase, type CallOptions, type ParsedError } from "./http";
import { ProviderError, type SendgridConfig, type Sent } from "./types";

const ORIGIN = "https://api.sendgrid.com";

function headers(config: SendgridConfig): Record<string, string> {
  return { authorization: `Bearer ${config.api_key}`, "content-type": "application/json", accept: "application/json" };
}

/** The v3 mail send body: text/plain first, then text/html, as SendGrid requires. */
export function mailSendBody(config: SendgridConfig, message: EmailMessage): Record<string, unknown> {
  return {
    personalizations: [{ to: [{ email: message.to }] }],
    from: config.from_name ? { email: config.from_email, name: config.from_name } : { email: config.from_email },
    subject: message.subject,
    content: [
      { type: "text/plain", value: message.text },
      { type: "text/html", value: message.html },
    ],
    categories: [message.category],
    // Echoed on every event webhook row: what lets a bounce find its notification.
    custom_args: { loyalnest_reference: message.reference, loyalnest_type: message.category },
  };
}

export async function send(env: Env, config: SendgridConfig, message: EmailMessage, options: CallOptions = {}): Promise<Sent> {
  const answer = await callProvider({
    provider: "sendgrid",
    url: `${providerBase(env, ORIGIN)}/v3/mail/send`,
    method: "POST",
    headers: headers(config),
    body: JSON.stringify(mailSendBody(config, message)),
    secrets: [config.api_key],
    parseError,
    timeoutMs: options.timeoutMs,
  });
  return { provider_message_id: answer.headers.get("x-message-id") };
}

export async function check(env: Env, config: SendgridConfig, options: CallOptions = {}): Promise<void> {
  const answer = await callProvider({
    provider: "sendgrid",
    url: `${providerBase(env, ORIGIN)}/v3/scopes`,
    method: "GET",
    headers: headers(config),
    secrets: [config.api_key],
    parseError,
    timeoutMs: options.timeoutMs,
  });
  const body = parseJson(answer.text);
  const scopes = isRecord(body) && Array.isArray(body.scopes) ? body.scopes : [];
  if (!scopes.includes("mail.send")) {
    throw new ProviderError("sendgrid", "permanent", "missing_scope", "the API key lacks the mail.send permission", answer.status);
  }
}

/** `{ errors: [{ message, field, help }] }`. */
function parseError(status: number, text: string): ParsedError {
  const body = parseJson(text);
  const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors.filter(isRecord) : [];
  const message = errors
    .map((error) => (typeof error.field === "string" && error.field ? `${error.field}: ${String(error.message)}` : String(error.message)))
    .join("; ");
  // A recipient's address refused: `personalizations.0.to.0.email`.
  const invalidRecipient = status === 400 && errors.some((error) => typeof error.field === "string" && /^personalizations\.\d+\.(to|cc|bcc)\.\d+\.email$/.test(error.field));
  return { message: message || null, code: invalidRecipient ? "invalid_recipient" : undefined };
}
