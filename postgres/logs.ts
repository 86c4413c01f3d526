// audit_logs and api_logs: written by the `logs` queue's consumer, read by the merchant's
// GET /v1/api/logs/* and (issue 14) the admin console, purged after LOG_RETENTION_DAYS.
// Every read takes a scope: one shop (the merchant's, from the session token) or, for admins
// only, every shop. There is no default: a caller must say which.
import type { ApiLogRecord, AuditRecord } from "../core/logs";
import type { AuditEntry } from "../core/merchant-wire";
import type { Sql } from "./client";

export type LogScope = { shop: string } | { allShops: true };

export interface Page {
  page: number;
  perPage: number;
}

export interface AuditFilters {
  from?: Date;
  to?: Date;
  action?: string;
  actorType?: string;
  actorId?: string;
  subjectType?: string;
  subjectId?: string;
}

export interface ApiLogFilters {
  from?: Date;
  to?: Date;
  route?: string;
  method?: string;
  /** An exact status (404) or a class (4 for 4xx). */
  status?: { exact: number } | { class: number };
  surface?: string;
}

/** An audit_logs row: what the merchant API answers (core/merchant-wire.ts) and its shop. */
export interface AuditLogRow extends AuditEntry {
  shop: string;
}

export interface ApiLogRow {
  id: string;
  shop: string | null;
  surface: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  request_id: string;
  created_at: string;
}

// Both inserts send the whole batch as one JSON parameter (json_to_recordset): one statement
// text whatever the batch size, so Postgres prepares it once per connection instead of once per
// row count, and a batch is one round trip. Idempotent on the record's id: the queue delivers
// at least once.
export async function insertAuditLogs(sql: Sql, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    id: r.id,
    shop: r.shop,
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    action: r.action,
    customer_id: r.subject_type === "customer" ? r.subject_id : null,
    subject_type: r.subject_type,
    subject_id: r.subject_id,
    // `details` predates before/after (adjustments); new rows keep the after there too.
    details: r.after ?? {},
    before: r.before,
    after: r.after,
    request_id: r.request_id,
    created_at: r.at,
  }));
  await sql`
    INSERT INTO audit_logs (id, shop, actor_type, actor_id, action, customer_id, subject_type, subject_id, details, before, after, request_id, created_at)
    SELECT id, shop, actor_type, actor_id, action, customer_id, subject_type, subject_id, details, before, after, request_id, created_at
    FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS r(
      id UUID, shop TEXT, actor_type TEXT, actor_id TEXT, action TEXT, customer_id TEXT, subject_type TEXT, subject_id TEXT,
      details JSONB, before JSONB, after JSONB, request_id TEXT, created_at TIMESTAMPTZ)
    ON CONFLICT (id) DO NOTHING`;
}

export async function insertApiLogs(sql: Sql, records: readonly ApiLogRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    id: r.id,
    shop: r.shop,
    surface: r.surface,
    method: r.method,
    route: r.route,
    status: r.status,
    duration_ms: r.duration_ms,
    request_id: r.request_id,
    created_at: r.at,
  }));
  await sql`
    INSERT INTO api_logs (id, shop, surface, method, route, status, duration_ms, request_id, created_at)
    SELECT id, shop, surface, method, route, status, duration_ms, request_id, created_at
    FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS r(
      id UUID, shop TEXT, surface TEXT, method TEXT, route TEXT, status SMALLINT, duration_ms INTEGER, request_id TEXT, created_at TIMESTAMPTZ)
    ON CONFLICT (id) DO NOTHING`;
}

function scoped(sql: Sql, scope: LogScope) {
  return "shop" in scope ? sql`shop = ${scope.shop}` : sql`TRUE`;
}

/** Newest first; `total` counts every row matching the filters. */
export async function queryAuditLogs(sql: Sql, scope: LogScope, filters: AuditFilters, page: Page): Promise<{ rows: AuditLogRow[]; total: number }> {
  const where = sql`
    ${scoped(sql, scope)}
    ${filters.from ? sql`AND created_at >= ${filters.from}` : sql``}
    ${filters.to ? sql`AND created_at < ${filters.to}` : sql``}
    ${filters.action ? sql`AND action = ${filters.action}` : sql``}
    ${filters.actorType ? sql`AND actor_type = ${filters.actorType}` : sql``}
    ${filters.actorId ? sql`AND actor_id = ${filters.actorId}` : sql``}
    ${filters.subjectType ? sql`AND subject_type = ${filters.subjectType}` : sql``}
    ${filters.subjectId ? sql`AND subject_id = ${filters.subjectId}` : sql``}`;
  const [rows, [count]] = await Promise.all([
    sql<AuditLogRow[]>`
      SELECT id, shop, actor_type, actor_id, action, subject_type, subject_id,
             before, COALESCE(after, details) AS after, request_id,
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
      FROM audit_logs WHERE ${where}
      ORDER BY created_at DESC, id
      LIMIT ${page.perPage} OFFSET ${(page.page - 1) * page.perPage}`,
    sql<{ total: string }[]>`SELECT count(*) AS total FROM audit_logs WHERE ${where}`,
  ]);
  return { rows: [...rows], total: Number(count!.total) };
}

export async function queryApiLogs(sql: Sql, scope: LogScope, filters: ApiLogFilters, page: Page): Promise<{ rows: ApiLogRow[]; total: number }> {
  const status = filters.status;
  const where = sql`
    ${scoped(sql, scope)}
    ${filters.from ? sql`AND created_at >= ${filters.from}` : sql``}
    ${filters.to ? sql`AND created_at < ${filters.to}` : sql``}
    ${filters.route ? sql`AND route = ${filters.route}` : sql``}
    ${filters.method ? sql`AND method = ${filters.method}` : sql``}
    ${filters.surface ? sql`AND surface = ${filters.surface}` : sql``}
    ${status && "exact" in status ? sql`AND status = ${status.exact}` : sql``}
    ${status && "class" in status ? sql`AND status >= ${status.class * 100} AND status < ${status.class * 100 + 100}` : sql``}`;
  const [rows, [count]] = await Promise.all([
    sql<ApiLogRow[]>`
      SELECT id, shop, surface, method, route, status, duration_ms, request_id,
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
      FROM api_logs WHERE ${where}
      ORDER BY created_at DESC, id
      LIMIT ${page.perPage} OFFSET ${(page.page - 1) * page.perPage}`,
    sql<{ total: string }[]>`SELECT count(*) AS total FROM api_logs WHERE ${where}`,
  ]);
  return { rows: [...rows], total: Number(count!.total) };
}

/**
 * Deletes up to `limit` rows of each table created before `cutoff`, oldest first; returns how
 * many went. Bounded so one sweep never holds long locks or runs past its tick: at 5,000 a
 * table a minute it keeps up with 7 million rows a day.
 */
export async function purgeLogsBefore(sql: Sql, cutoff: Date, limit: number): Promise<{ audit: number; api: number }> {
  const audit = await sql`
    DELETE FROM audit_logs WHERE id IN (
      SELECT id FROM audit_logs WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${limit})`;
  const api = await sql`
    DELETE FROM api_logs WHERE id IN (
      SELECT id FROM api_logs WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${limit})`;
  return { audit: audit.count, api: api.count };
}
