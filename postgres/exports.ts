// The exports table (migrations 0010, 0012): one row per CSV export, its progress, the
// checkpoint a job resumes from, and its lifecycle (revived when stalled, expired when its file
// is deleted). Every merchant read is scoped by the verified shop; the job reads by id.
import { EXPORT_MAX_REVIVALS, EXPORT_RETENTION_MS, EXPORT_STALL_MS } from "../core/export-lifecycle";
import type { ExportKind } from "../core/exports";
import type { Sql } from "./client";

export type { ExportKind };
/** `expired`: done, and its file deleted after EXPORT_RETENTION_MS (the row stays, without a link). */
export const EXPORT_STATUSES = ["queued", "running", "done", "failed", "expired"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** Where a job resumes: after the row `key` (per kind), with `rows` rows serialized by then. */
export interface ExportCursor {
  key: string[];
  rows: number;
}

export interface ExportRow {
  id: string;
  shop: string;
  kind: ExportKind;
  status: ExportStatus;
  range_from: string | null;
  range_to: string | null;
  requested_by: string;
  rows_done: string;
  rows_total: string | null;
  bytes_done: string;
  r2_key: string;
  upload_id: string | null;
  parts: UploadedPart[];
  cursor: ExportCursor | null;
  carry: Uint8Array;
  run_id: string | null;
  lease_until: Date | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** Parts sealed by the app (core/export-seal.ts); false only for rows older than migration 0012. */
  sealed: boolean;
  revivals: number;
  revived_at: Date | null;
  expired_at: Date | null;
}

const COLUMNS = `id::text, shop, kind, status, range_from::text, range_to::text, requested_by, rows_done, rows_total, bytes_done, r2_key,
  upload_id, parts, cursor, carry, run_id::text, lease_until, error, created_at, started_at, finished_at, sealed, revivals, revived_at, expired_at`;

export interface NewExport {
  id: string;
  shop: string;
  kind: ExportKind;
  from: string | null;
  to: string | null;
  requestedBy: string;
  r2Key: string;
}

/**
 * Records a queued export, unless one of the same shop and kind is queued or running: then that
 * one is answered (`created: false`) and nothing is written.
 */
export async function createExport(sql: Sql, input: NewExport): Promise<{ row: ExportRow; created: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await sql<ExportRow[]>`
      INSERT INTO exports (id, shop, kind, status, range_from, range_to, requested_by, r2_key, sealed)
      VALUES (${input.id}, ${input.shop}, ${input.kind}, 'queued', ${input.from}, ${input.to}, ${input.requestedBy}, ${input.r2Key}, true)
      ON CONFLICT (shop, kind) WHERE status IN ('queued', 'running') DO NOTHING
      RETURNING ${sql.unsafe(COLUMNS)}`;
    if (inserted[0]) return { row: inserted[0], created: true };
    const inFlight = await sql<ExportRow[]>`
      SELECT ${sql.unsafe(COLUMNS)} FROM exports WHERE shop = ${input.shop} AND kind = ${input.kind} AND status IN ('queued', 'running')`;
    // Between the two statements the one in flight may have ended: try the insert again.
    if (inFlight[0]) return { row: inFlight[0], created: false };
  }
  throw new Error(`exports: could not record or find an export in flight for ${input.shop} ${input.kind}`);
}

export async function listExports(sql: Sql, shop: string, limit: number): Promise<ExportRow[]> {
  return [...(await sql<ExportRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM exports WHERE shop = ${shop} ORDER BY created_at DESC, id DESC LIMIT ${limit}`)];
}

/** The shop's export `id`; null for another shop's (the same answer as one that does not exist). */
export async function findExport(sql: Sql, shop: string, id: string): Promise<ExportRow | null> {
  return (await sql<ExportRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM exports WHERE id = ${id} AND shop = ${shop}`)[0] ?? null;
}

/** For the job and the download link, which learn the shop from the row. */
export async function exportById(sql: Sql, id: string): Promise<ExportRow | null> {
  return (await sql<ExportRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM exports WHERE id = ${id}`)[0] ?? null;
}

/**
 * Takes the export for run `runId` until `leaseMs` from now: when queued, or running under a
 * lease that ran out (its run died). Null when it is not ours to run (ended, or held).
 */
export async function claimExport(sql: Sql, id: string, runId: string, leaseMs: number): Promise<ExportRow | null> {
  const rows = await sql<ExportRow[]>`
    UPDATE exports SET status = 'running', run_id = ${runId}, lease_until = now() + ${leaseMs} * interval '1 millisecond',
      started_at = coalesce(started_at, now()),
      -- Progress shown goes back to what the checkpoint holds: rows after it are written again.
      rows_done = coalesce((cursor->>'rows')::bigint, 0)
    WHERE id = ${id} AND (status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until < now())))
    RETURNING ${sql.unsafe(COLUMNS)}`;
  return rows[0] ?? null;
}

export interface Checkpoint {
  uploadId: string;
  parts: UploadedPart[];
  cursor: ExportCursor | null;
  carry: Uint8Array;
  bytesDone: number;
  rowsTotal: number;
}

/** Records what is durable in R2 and where to resume; false when the run lost its lease. */
export async function saveCheckpoint(sql: Sql, id: string, runId: string, leaseMs: number, point: Checkpoint): Promise<boolean> {
  const rows = await sql`
    UPDATE exports SET upload_id = ${point.uploadId}, parts = ${sql.json(point.parts as never)}, cursor = ${point.cursor === null ? null : sql.json(point.cursor as never)},
      carry = ${point.carry}, bytes_done = ${point.bytesDone}, rows_total = ${point.rowsTotal},
      rows_done = GREATEST(rows_done, ${point.cursor?.rows ?? 0}), lease_until = now() + ${leaseMs} * interval '1 millisecond'
    WHERE id = ${id} AND run_id = ${runId} AND status = 'running' RETURNING id`;
  return rows.length === 1;
}

/**
 * Starts the export's file again, while run `runId` holds it: no upload, no parts, no rows. For
 * an upload a late run wrote into (R2 then refuses to complete it). False when the lease is lost.
 */
export async function restartExport(sql: Sql, id: string, runId: string): Promise<boolean> {
  const rows = await sql`
    UPDATE exports SET upload_id = NULL, parts = '[]'::jsonb, cursor = NULL, carry = '\\x', bytes_done = 0, rows_done = 0, lease_until = now()
    WHERE id = ${id} AND run_id = ${runId} AND status = 'running' RETURNING id`;
  return rows.length === 1;
}

/** Progress only (rows serialized, not yet durable): what the dashboard's bar shows. */
export async function saveProgress(sql: Sql, id: string, runId: string, leaseMs: number, rowsDone: number): Promise<boolean> {
  const rows = await sql`UPDATE exports SET rows_done = ${rowsDone}, lease_until = now() + ${leaseMs} * interval '1 millisecond' WHERE id = ${id} AND run_id = ${runId} AND status = 'running' RETURNING id`;
  return rows.length === 1;
}

export async function finishExport(sql: Sql, id: string, runId: string, rows: number, bytes: number): Promise<boolean> {
  const updated = await sql`
    UPDATE exports SET status = 'done', rows_done = ${rows}, rows_total = ${rows}, bytes_done = ${bytes}, finished_at = now(),
      carry = '\\x', lease_until = NULL
    WHERE id = ${id} AND run_id = ${runId} AND status = 'running' RETURNING id`;
  return updated.length === 1;
}

/** Fails the export only while run `runId` holds it: false when another run took it over. */
export async function failRun(sql: Sql, id: string, runId: string, reason: string): Promise<boolean> {
  const rows = await sql`UPDATE exports SET status = 'failed', error = ${reason.slice(0, 500)}, finished_at = now(), carry = '\\x', lease_until = NULL
    WHERE id = ${id} AND run_id = ${runId} AND status = 'running' RETURNING id`;
  return rows.length === 1;
}

export async function failExport(sql: Sql, id: string, reason: string): Promise<void> {
  await sql`UPDATE exports SET status = 'failed', error = ${reason.slice(0, 500)}, finished_at = now(), carry = '\\x', lease_until = NULL
    WHERE id = ${id} AND status IN ('queued', 'running')`;
}

// --- Lifecycle (the sweeper, queues/export-lifecycle.ts) ----------------------------------

/**
 * Stalled: queued or running with no sign of life (created, revived, lease held or extended by
 * a checkpoint or progress) for EXPORT_STALL_MS. The one statement of that rule.
 */
const stalledAt = (sql: Sql, now: Date) =>
  sql`status IN ('queued', 'running') AND greatest(created_at, revived_at, lease_until) < ${now}::timestamptz - ${EXPORT_STALL_MS} * interval '1 millisecond'`;

export interface RevivedExport {
  id: string;
  shop: string;
}

/**
 * Marks stalled exports revived (one more revival, revived now) and answers them: the caller
 * queues each again. Those already revived EXPORT_MAX_REVIVALS times are left to
 * failStalledExports. `onlyId`: that export alone (the merchant asking again). A second sweep
 * racing this one finds them revived just now, no longer stalled: each is answered once.
 */
export async function reviveStalledExports(sql: Sql, now: Date, limit: number, onlyId: string | null = null): Promise<RevivedExport[]> {
  return [
    ...(await sql<RevivedExport[]>`
      UPDATE exports SET revivals = revivals + 1, revived_at = ${now}
      WHERE id IN (
        SELECT id FROM exports WHERE ${stalledAt(sql, now)} AND revivals < ${EXPORT_MAX_REVIVALS} ${onlyId === null ? sql`` : sql`AND id = ${onlyId}`}
        ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      AND ${stalledAt(sql, now)}
      RETURNING id::text, shop`),
  ];
}

export interface EndedExport {
  id: string;
  shop: string;
  r2_key: string;
  upload_id: string | null;
}

/** What a merchant reads on an export that stalled once too often. */
export const STALLED_TOO_OFTEN = `stopped making progress and was restarted ${EXPORT_MAX_REVIVALS} times without finishing; start a new export`;

/** Fails the stalled exports revived EXPORT_MAX_REVIVALS times already; answers them (their uploads to abort). */
export async function failStalledExports(sql: Sql, now: Date, limit: number): Promise<EndedExport[]> {
  return [
    ...(await sql<EndedExport[]>`
      UPDATE exports SET status = 'failed', error = ${STALLED_TOO_OFTEN}, finished_at = ${now}, carry = '\\x', lease_until = NULL, run_id = NULL
      WHERE id IN (SELECT id FROM exports WHERE ${stalledAt(sql, now)} AND revivals >= ${EXPORT_MAX_REVIVALS} ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      AND ${stalledAt(sql, now)}
      RETURNING id::text, shop, r2_key, upload_id`),
  ];
}

/** Finished exports whose file is past EXPORT_RETENTION_MS, oldest first. */
export async function exportsPastRetention(sql: Sql, now: Date, limit: number): Promise<EndedExport[]> {
  return [
    ...(await sql<EndedExport[]>`
      SELECT id::text, shop, r2_key, upload_id FROM exports
      WHERE status = 'done' AND finished_at < ${now}::timestamptz - ${EXPORT_RETENTION_MS} * interval '1 millisecond'
      ORDER BY finished_at LIMIT ${limit}`),
  ];
}

/** After its file left R2: the export shows as expired, with no link. */
export async function markExpired(sql: Sql, ids: readonly string[], now: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await sql`UPDATE exports SET status = 'expired', expired_at = ${now}, upload_id = NULL, parts = '[]' WHERE id IN ${sql(ids as string[])} AND status = 'done' RETURNING id`;
  return rows.length;
}

/** Failed exports still holding a multipart upload (parts stored in R2 that no file will ever use). */
export async function failedWithUpload(sql: Sql, limit: number): Promise<EndedExport[]> {
  return [...(await sql<EndedExport[]>`SELECT id::text, shop, r2_key, upload_id FROM exports WHERE status = 'failed' AND upload_id IS NOT NULL ORDER BY finished_at LIMIT ${limit}`)];
}

export async function forgetUpload(sql: Sql, id: string): Promise<void> {
  await sql`UPDATE exports SET upload_id = NULL, parts = '[]' WHERE id = ${id} AND status = 'failed'`;
}
