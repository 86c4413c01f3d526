// Twilio Messages API: SMS and WhatsApp (POST /2010-04-01/Accounts/{sid}/Messages.json,
// Basic account_sid:auth_token, form-encoded; 201 with the message's sid) and the account
// itself (GET /2010-04-01/Accounts/{sid}.json) as the credentials check.
import type { TextMessage } from "./index";
import { callProvider, isRecord, parseJson, providerBase, type CallOptions, type ParsedError } from "./http";
import { ProviderError, type Sent, type TwilioConfig } from "./types";

const ORIGIN = "https://api.twilio.com";
const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/i;

// Twilio's error codes that name the recipient, not the request: permanent for this number only.
// https://www.twilio.com/docs/api/errors
const RECIPIENT_CODES: Record<number, string> = {
  21211: "invalid_recipient", // invalid 'To' phone number
  21214: "invalid_recipient", // 'To' cannot be reached
  21408: "recipient_region_blocked", // permission to send to this region not enabled
  21610: "recipient_unsubscribed", // the recipient replied STOP
  21612: "invalid_recipient", // the 'To' cannot be reached from this 'From'
  21614: "invalid_recipient", // 'To' is not a mobile number
  63003: "invalid_recipient", // WhatsApp: the channel could not find the 'To' address
};

function headers(config: TwilioConfig): Record<string, string> {
  return { authorization: `Basic ${btoa(`${config.account_sid}:${config.auth_token}`)}`, accept: "application/json" };
}

function accountUrl(env: Env, config: TwilioConfig): string {
  return `${providerBase(env, ORIGIN)}/2010-04-01/Accounts/${encodeURIComponent(config.account_sid)}`;
}

/** The form Twilio takes: WhatsApp addresses carry the `whatsapp:` prefix on both ends. */
export function messageForm(config: TwilioConfig, channel: "sms" | "whatsapp", message: TextMessage): URLSearchParams {
  const form = new URLSearchParams();
  if (channel === "whatsapp") {
    if (!config.whatsapp_from) throw new ProviderError("twilio", "permanent", "not_configured", "no WhatsApp sender is configured");
    form.set("To", `whatsapp:${message.to}`);
    // Stored as E.164; a sender saved with Twilio's prefix already is taken as it is.
    form.set("From", `whatsapp:${config.whatsapp_from.replace(/^whatsapp:/, "")}`);
  } else {
    if (!config.sms_from) throw new ProviderError("twilio", "permanent", "not_configured", "no SMS sender is configured");
    form.set("To", message.to);
    form.set(MESSAGING_SERVICE_SID.test(config.sms_from) ? "MessagingServiceSid" : "From", config.sms_from);
  }
  form.set("Body", message.body);
  return form;
}

export async function send(env: Env, config: TwilioConfig, channel: "sms" | "whatsapp", message: TextMessage, options: CallOptions = {}): Promise<Sent> {
  const form = messageForm(config, channel, message);
  const answer = await callProvider({
    provider: "twilio",
    url: `${accountUrl(env, config)}/Messages.json`,
    method: "POST",
    headers: { ...headers(config), "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    secrets: [config.auth_token],
    parseError,
    timeoutMs: options.timeoutMs,
  });
  const body = parseJson(answer.text);
  return { provider_message_id: isRecord(body) && typeof body.sid === "string" ? body.sid : null };
}

export async function check(env: Env, config: TwilioConfig, options: CallOptions = {}): Promise<void> {
  const answer = await callProvider({
    provider: "twilio",
    url: `${accountUrl(env, config)}.json`,
    method: "GET",
    headers: headers(config),
    secrets: [config.auth_token],
    parseError,
    timeoutMs: options.timeoutMs,
  });
  const body = parseJson(answer.text);
  const status = isRecord(body) ? body.status : undefined;
  if (status !== "active") {
    throw new ProviderError("twilio", "permanent", "account_inactive", `the Twilio account is ${typeof status === "string" ? status : "not active"}`, answer.status);
  }
}

/** `{ code, message, more_info, status }`; the message often quotes the number, which clean() redacts. */
function parseError(_status: number, text: string): ParsedError {
  const body = parseJson(text);
  if (!isRecord(body)) return { message: null };
  const code = typeof body.code === "number" ? body.code : null;
  const message = typeof body.message === "string" ? `${code ?? ""} ${body.message}`.trim() : null;
  return { message, code: code !== null ? RECIPIENT_CODES[code] : undefined };
}
