// Judge.me review webhooks. Judge.me signs each one with the header JUDGEME-HMAC-SHA256: the hex
// HMAC-SHA256 of the raw request body, keyed with the secret of whatever created the webhook
// (the OAuth app's client secret, or the shop's private API token): "Verifying Webhooks from
// Judge.me", judge.me/help/en/articles/8299679. Checked in constant time (crypto.subtle.verify).
import { z } from "zod";
import { verifyHmacSha256 } from "./crypto";
import { fromHex, type Bytes } from "./encoding";

export const JUDGEME_SIGNATURE_HEADER = "judgeme-hmac-sha256";

export type JudgeMeVerified = { valid: true } | { valid: false; reason: "missing_hmac" | "empty_body" | "invalid_hmac" };

export async function verifyJudgeMeWebhook(secret: string, rawBody: Bytes, headers: Headers): Promise<JudgeMeVerified> {
  const header = headers.get(JUDGEME_SIGNATURE_HEADER)?.trim();
  if (!header) return { valid: false, reason: "missing_hmac" };
  if (rawBody.length === 0) return { valid: false, reason: "empty_body" };
  const signature = fromHex(header);
  if (!signature || !(await verifyHmacSha256(secret, rawBody, signature))) return { valid: false, reason: "invalid_hmac" };
  return { valid: true };
}

// Ids arrive as numbers; parseJsonLossless keeps any `id` / `*_id` as its source text.
const providerId = z.union([z.string(), z.number().int()]).transform(String).pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "expected an id"));

export const JudgeMePayloadSchema = z
  .object({
    event: z.string().max(64),
    shop_domain: z.string().max(255).optional(),
    review: z
      .object({
        id: providerId,
        created_at: z.string().max(64).nullable().optional(),
        hidden: z.boolean().nullable().optional(),
        curated: z.string().max(32).nullable().optional(),
        reviewer: z
          .object({
            /** The Shopify customer id, when Judge.me knows the reviewer as one. */
            external_id: providerId.nullable().optional(),
            email: z.string().max(320).nullable().optional(),
          })
          .passthrough(),
      })
      .passthrough(),
  })
  .passthrough();
export type JudgeMePayload = z.infer<typeof JudgeMePayloadSchema>;

/** Events that may award: a review created, or updated (e.g. published after moderation). */
export const JUDGEME_REVIEW_EVENTS = new Set(["review/created", "review/updated"]);

/** Why a review earns nothing (hidden, or curated as spam), or null when it may earn. */
export function reviewNotEarning(review: JudgeMePayload["review"]): string | null {
  if (review.hidden === true) return "review_hidden";
  if (review.curated === "spam") return "review_spam";
  return null;
}
