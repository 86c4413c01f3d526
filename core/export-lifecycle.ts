// Where export files live in R2, how long they stay, and when an export counts as stalled.
// Pure, and without zod (unlike core/exports.ts), so anything may import it first.

/**
 * How long a finished export's file stays in R2: the sweeper deletes it after this and the
 * export shows as expired. Production's R2 lifecycle rule (README) is set a day longer (8 days), as a
 * net under the sweeper, never in front of it.
 */
export const EXPORT_RETENTION_DAYS = 7;
export const EXPORT_RETENTION_MS = EXPORT_RETENTION_DAYS * 24 * 60 * 60_000;

/**
 * An export queued or running that has not moved (no checkpoint, no progress, no lease) for
 * this long after its last sign of life is stalled: the sweeper, or the merchant asking again,
 * queues it again from its checkpoint. Well past a run's lease (60 s), so a live run is never
 * taken for a stalled one.
 */
export const EXPORT_STALL_MS = 2 * 60_000;

/**
 * Where export files live in R2: one prefix for all of them, so production's lifecycle rule
 * (README) can name it, then the shop, so a shop redaction deletes the shop's (queues/gdpr.ts).
 * Rows keep their own key: those written before this layout (`<shop>/exports/…`) still resolve.
 */
export const EXPORTS_R2_PREFIX = "exports/";

export function exportFileKey(shop: string, exportId: string): string {
  return `${exportShopPrefix(shop)}${exportId}.csv`;
}

export function exportShopPrefix(shop: string): string {
  return `${EXPORTS_R2_PREFIX}${shop}/`;
}

/** Re-queued this many times without finishing, a stalled export is failed instead, with a reason the merchant sees. */
export const EXPORT_MAX_REVIVALS = 3;
