// Notices for a shop's merchant, shown in the dashboard (GET /v1/api/notices) until read.
// Emails to the merchant are the notifications issue's; this is the record they will send from.
import { and, desc, eq, isNull } from "drizzle-orm";
import { d1 } from "./client";
import { merchantNotices } from "./schema";

export const NOTICE_KINDS = ["plan_usage_warning", "plan_limit_reached", "plan_changed", "gdpr_bundle_ready", "gdpr_request_done", "integration_failing", "notifications_failing"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface MerchantNotice {
  id: string;
  kind: NoticeKind;
  details: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

/**
 * Tells the merchant once per dedupe key (e.g. `plan_usage_warning:2026-11:80`): a repeat is
 * ignored. Returns whether this call created the notice. `details` must hold no personal data.
 */
export async function notifyMerchant(
  env: Pick<Env, "DB">,
  shop: string,
  notice: { kind: NoticeKind; dedupeKey: string; details: Record<string, unknown> },
  now = Date.now(),
): Promise<boolean> {
  const inserted = await d1(env)
    .insert(merchantNotices)
    .values({ id: crypto.randomUUID(), shop, kind: notice.kind, dedupeKey: notice.dedupeKey, details: notice.details, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: merchantNotices.id });
  return inserted.length > 0;
}

/** The shop's newest notices, unread ones only unless `all`. */
export async function merchantNoticesFor(env: Pick<Env, "DB">, shop: string, options: { all?: boolean; limit?: number } = {}): Promise<MerchantNotice[]> {
  const where = options.all ? eq(merchantNotices.shop, shop) : and(eq(merchantNotices.shop, shop), isNull(merchantNotices.readAt));
  const rows = await d1(env)
    .select()
    .from(merchantNotices)
    .where(where)
    .orderBy(desc(merchantNotices.createdAt))
    .limit(options.limit ?? 50);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as NoticeKind,
    details: r.details,
    created_at: new Date(r.createdAt).toISOString(),
    read_at: r.readAt === null ? null : new Date(r.readAt).toISOString(),
  }));
}

/** Marks one of the shop's notices read; false when the shop has no such notice. */
/** When the notice was read (ISO), null if unread; undefined when the shop has no such notice. */
export async function noticeReadAt(env: Pick<Env, "DB">, shop: string, id: string): Promise<string | null | undefined> {
  const row = await d1(env)
    .select({ readAt: merchantNotices.readAt })
    .from(merchantNotices)
    .where(and(eq(merchantNotices.shop, shop), eq(merchantNotices.id, id)))
    .get();
  if (!row) return undefined;
  return row.readAt === null ? null : new Date(row.readAt).toISOString();
}

export async function markNoticeRead(env: Pick<Env, "DB">, shop: string, id: string, now = Date.now()): Promise<boolean> {
  const updated = await d1(env)
    .update(merchantNotices)
    .set({ readAt: now })
    .where(and(eq(merchantNotices.shop, shop), eq(merchantNotices.id, id)))
    .returning({ id: merchantNotices.id });
  return updated.length > 0;
}
