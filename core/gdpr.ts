// GDPR: the compliance webhooks' payloads, the data bundle's shape, and the signed download
// link. Pure: no bindings.
import { z } from "zod";
import { hmacSha256, verifyHmacSha256 } from "./crypto";
import { fromBase64, toBase64 } from "./encoding";

export const GDPR_REQUEST_TYPES = ["data_request", "redact", "shop_redact"] as const;
export type GdprRequestType = (typeof GDPR_REQUEST_TYPES)[number];
export const GDPR_STATUSES = ["received", "processing", "done", "failed"] as const;
export type GdprStatus = (typeof GDPR_STATUSES)[number];

/** Shopify sends numbers; a merchant's request sends strings: the digits are kept as text. */
const numericId = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d{1,20}$/, "expected a numeric id"));

const CustomerRef = z.object({ id: numericId }).passthrough();

/** customers/data_request: only the ids are kept (email and phone are never stored). */
export const DataRequestPayloadSchema = z.object({
  customer: CustomerRef,
  orders_requested: z.array(numericId).max(10_000).default([]),
  data_request: z.object({ id: numericId }).passthrough().nullable().optional(),
});

/** customers/redact. */
export const CustomerRedactPayloadSchema = z.object({
  customer: CustomerRef,
  orders_to_redact: z.array(numericId).max(10_000).default([]),
});

/** shop/redact: the shop is the signed header's; the body names it too (checked by the route). */
export const ShopRedactPayloadSchema = z.object({}).passthrough();

/**
 * Sections a bundle holds. Each is filled by one source (queues/gdpr.ts BUNDLE_SOURCES); the
 * sections whose store is not built yet hold an empty list and say so, so the issue that
 * builds the store adds its source and nothing else changes.
 */
export const BUNDLE_SECTIONS = ["profile", "ledger", "orders", "redemptions", "tier_history", "earning_actions", "birthday", "referrals", "notifications", "events"] as const;
export type BundleSection = (typeof BUNDLE_SECTIONS)[number];

export interface DataBundle {
  format: "loyalnest-gdpr-bundle/1";
  shop: string;
  customer_id: string;
  request_id: string;
  generated_at: string;
  sections: Record<BundleSection, unknown>;
  notes: Partial<Record<BundleSection, string>>;
}

// --- Signed download link --------------------------------------------------------------------
// token = base64url(expires ":" HMAC-SHA256(secret, "gdpr-download\n" shop "\n" id "\n" expires)).
// The link is clicked from the dashboard (no session token travels with a click): the token
// alone authorises that one bundle of that one shop until it expires.

/** How long a download link works. */
export const DOWNLOAD_LINK_TTL_MS = 15 * 60_000;

function downloadMessage(shop: string, requestId: string, expiresAt: number): string {
  return `gdpr-download\n${shop}\n${requestId}\n${expiresAt}`;
}

export async function signDownloadToken(secret: string, shop: string, requestId: string, expiresAt: number): Promise<string> {
  const mac = toBase64(await hmacSha256(secret, downloadMessage(shop, requestId, expiresAt)));
  return base64Url(`${expiresAt}:${mac}`);
}

export type DownloadTokenCheck = { valid: true } | { valid: false; reason: "malformed" | "expired" | "bad_signature" };

/** Constant-time (crypto.subtle.verify); the expiry is checked after the signature. */
export async function verifyDownloadToken(secret: string, shop: string, requestId: string, token: string, now = Date.now()): Promise<DownloadTokenCheck> {
  const decoded = fromBase64Url(token);
  const colon = decoded?.indexOf(":") ?? -1;
  if (!decoded || colon < 1) return { valid: false, reason: "malformed" };
  const expiresAt = Number(decoded.slice(0, colon));
  const mac = fromBase64(decoded.slice(colon + 1));
  if (!Number.isSafeInteger(expiresAt) || !mac) return { valid: false, reason: "malformed" };
  if (!(await verifyHmacSha256(secret, downloadMessage(shop, requestId, expiresAt), mac))) return { valid: false, reason: "bad_signature" };
  if (expiresAt < now) return { valid: false, reason: "expired" };
  return { valid: true };
}

function base64Url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return null;
  try {
    return atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
}
