// GDPR: the compliance webhooks' payloads, the data bundle's shape, and the signed download
// link. Pure: no bindings.
import { z } from "zod";
import { signDownloadLink, verifyDownloadLink, type DownloadTokenCheck } from "./download-link";

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
// core/download-link.ts, with the purpose "gdpr-download" (the message links signed before that
// module existed: they stay valid).

/** How long a download link works. */
export const DOWNLOAD_LINK_TTL_MS = 15 * 60_000;

export type { DownloadTokenCheck } from "./download-link";

export function signDownloadToken(secret: string, shop: string, requestId: string, expiresAt: number): Promise<string> {
  return signDownloadLink(secret, "gdpr-download", shop, requestId, expiresAt);
}

/** Constant-time (crypto.subtle.verify); the expiry is checked after the signature. */
export function verifyDownloadToken(secret: string, shop: string, requestId: string, token: string, now = Date.now()): Promise<DownloadTokenCheck> {
  return verifyDownloadLink(secret, "gdpr-download", shop, requestId, token, now);
}
