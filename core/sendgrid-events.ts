// SendGrid's signed Event Webhook: what a provider says after it accepted an email (a bounce, an
// unsubscribe, a spam report). Each request is signed with ECDSA P-256 over `timestamp + body`
// (X-Twilio-Email-Event-Webhook-Signature, base64 DER; X-Twilio-Email-Event-Webhook-Timestamp),
// verified with the public key the merchant copies from SendGrid's Mail Settings (base64 DER,
// SubjectPublicKeyInfo). Each event carries our custom_args back (`loyalnest_reference`).
import { z } from "zod";
import { fromBase64, type Bytes } from "./encoding";
import type { NotificationChannel } from "./notifications";

export const SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
export const TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";
/** SendGrid documents no window; a signed request older than this is refused as a replay. */
export const TIMESTAMP_TOLERANCE_S = 300;

export type SignatureCheck = { valid: true } | { valid: false; reason: "missing_signature" | "stale_timestamp" | "invalid_signature" | "invalid_key" };

export async function verifySendgridSignature(
  publicKeyBase64: string,
  rawBody: Uint8Array,
  headers: Headers,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<SignatureCheck> {
  const signature = headers.get(SIGNATURE_HEADER);
  const timestamp = headers.get(TIMESTAMP_HEADER);
  if (!signature || !timestamp) return { valid: false, reason: "missing_signature" };
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_S) return { valid: false, reason: "stale_timestamp" };
  const spki = fromBase64(publicKeyBase64.trim());
  if (!spki) return { valid: false, reason: "invalid_key" };
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  } catch {
    return { valid: false, reason: "invalid_key" };
  }
  const raw = derToP1363(fromBase64(signature.trim()));
  if (!raw) return { valid: false, reason: "invalid_signature" };
  const signed = new Uint8Array(timestamp.length + rawBody.length);
  signed.set(new TextEncoder().encode(timestamp), 0);
  signed.set(rawBody, timestamp.length);
  // WebCrypto's ECDSA verify is the constant-time comparison here.
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, signed);
  return valid ? { valid: true } : { valid: false, reason: "invalid_signature" };
}

/** An ECDSA signature as ASN.1 DER (SEQUENCE { r INTEGER, s INTEGER }) → r‖s, 32 bytes each (WebCrypto's form). */
export function derToP1363(der: Uint8Array | null): Bytes | null {
  if (!der || der.length < 8 || der[0] !== 0x30) return null;
  let offset = 2;
  if (der[1]! & 0x80) offset = 2 + (der[1]! & 0x7f);
  const out = new Uint8Array(64);
  for (let part = 0; part < 2; part++) {
    if (der[offset] !== 0x02) return null;
    const length = der[offset + 1]!;
    let value = der.subarray(offset + 2, offset + 2 + length);
    if (value.length !== length) return null;
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) return null;
    out.set(value, part * 32 + (32 - value.length));
    offset += 2 + length;
  }
  return out;
}

/** One Event Webhook row, as much as we read of it (SendGrid sends many more fields). */
const EventSchema = z
  .object({
    event: z.string().max(40),
    type: z.string().max(40).optional(),
    reason: z.string().max(1000).optional(),
    sg_message_id: z.string().max(200).optional(),
    loyalnest_reference: z.string().max(600).optional(),
  })
  .passthrough();
export const SendgridEventsSchema = z.array(EventSchema).max(10_000);
export type SendgridEvent = z.infer<typeof EventSchema>;

/** Our reference (`shop:customer:key:channel`, queues/notification-delivery.ts) taken apart. */
export interface NotificationReference {
  shop: string;
  customerId: string;
  key: string;
  channel: NotificationChannel;
}

export function parseReference(reference: string | undefined): NotificationReference | null {
  const parts = reference?.split(":") ?? [];
  if (parts.length < 4) return null;
  const [shop, customerId] = parts;
  const channel = parts[parts.length - 1];
  const key = parts.slice(2, -1).join(":");
  if (!shop || !/^\d{1,20}$/.test(customerId ?? "") || !key || !["email", "sms", "whatsapp", "klaviyo"].includes(channel ?? "")) return null;
  return { shop, customerId: customerId!, key, channel: channel as NotificationChannel };
}

export interface Feedback {
  status: "bounced" | "unsubscribed";
  /** Whether the address may not be written to again. */
  suppress: boolean;
  detail: string;
}

/**
 * What an event means for the notification. Null: nothing to record (processed, delivered,
 * deferred, opens and clicks). A hard bounce, an unsubscribe and a spam report suppress the
 * address; a block (a soft bounce) does not.
 */
export function feedbackOf(event: SendgridEvent): Feedback | null {
  switch (event.event) {
    case "bounce": {
      const hard = event.type !== "blocked";
      return { status: "bounced", suppress: hard, detail: hard ? "sendgrid bounce" : "sendgrid blocked" };
    }
    case "dropped": {
      const reason = event.reason ?? "";
      if (/unsubscribe/i.test(reason)) return { status: "unsubscribed", suppress: true, detail: "sendgrid dropped: unsubscribed address" };
      // Dropped for a bounced or spam-reporting address (suppressed at SendGrid), or invalid.
      return { status: "bounced", suppress: /bounce|spam|invalid/i.test(reason), detail: `sendgrid dropped${reason ? `: ${reason.slice(0, 80)}` : ""}` };
    }
    case "spamreport":
      return { status: "unsubscribed", suppress: true, detail: "sendgrid spam report" };
    case "unsubscribe":
    case "group_unsubscribe":
      return { status: "unsubscribed", suppress: true, detail: `sendgrid ${event.event}` };
    default:
      return null;
  }
}
