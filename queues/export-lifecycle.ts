// The exports' part of the cron sweep: files past their retention leave R2 (the export shows as
// expired), failed exports' unfinished uploads are aborted, and exports that stopped moving are
// queued again from their checkpoint, or failed once revived EXPORT_MAX_REVIVALS times.
//
// Reviving is safe against the run it replaces: a revived job and a late or repeated message
// both go through claimExport's lease, so one runs and the other waits or finds it done, and
// every checkpoint is fenced by its run id (queues/exports.ts).
import { log } from "../core/log";
import { withReporting, type Sql } from "../postgres/client";
import { exportsPastRetention, failedWithUpload, failStalledExports, forgetUpload, markExpired, reviveStalledExports, type EndedExport } from "../postgres/exports";
import { sendJobs } from "./jobs";

/** Per tick, at most, for each of the four. */
const EXPORT_SWEEP_BATCH = 100;

export interface ExportSweep {
  /** Files deleted after EXPORT_RETENTION_MS; their exports now expired. */
  expired: number;
  /** Multipart uploads of failed exports aborted. */
  uploadsAborted: number;
  /** Stalled exports queued again. */
  revived: number;
  /** Stalled exports failed after EXPORT_MAX_REVIVALS revivals. */
  failed: number;
}

export async function sweepExports(env: Env, now = Date.now()): Promise<ExportSweep | null> {
  try {
    return await withReporting(env, null, (sql) => sweepWith(env, sql, new Date(now)));
  } catch (error) {
    log.warn("exports: lifecycle sweep skipped, Postgres or R2 unavailable", String(error));
    return null;
  }
}

async function sweepWith(env: Env, sql: Sql, now: Date): Promise<ExportSweep> {
  // Revived first: each is marked before its job is sent, so a send that fails leaves it to be
  // revived again a stall later (one revival more counted), never forgotten.
  const revivedRows = await reviveStalledExports(sql, now, EXPORT_SWEEP_BATCH);
  await sendJobs(env, revivedRows.map((r) => ({ type: "export" as const, shop: r.shop, exportId: r.id })));
  if (revivedRows.length) log.info(`exports: revived ${revivedRows.length} stalled: ${revivedRows.map((r) => r.id).join(", ")}`);

  const failedRows = await failStalledExports(sql, now, EXPORT_SWEEP_BATCH);
  if (failedRows.length) log.warn(`exports: failed ${failedRows.length} that kept stalling: ${failedRows.map((r) => r.id).join(", ")}`);

  // The file first, the row after: a row marked expired never points at a file left behind.
  const past = await exportsPastRetention(sql, now, EXPORT_SWEEP_BATCH);
  if (past.length) await env.FILES.delete(past.map((r) => r.r2_key));
  const expired = await markExpired(sql, past.map((r) => r.id), now);

  let uploadsAborted = 0;
  for (const row of await failedWithUpload(sql, EXPORT_SWEEP_BATCH)) {
    await abortUpload(env, row);
    await forgetUpload(sql, row.id);
    uploadsAborted++;
  }
  return { expired, uploadsAborted, revived: revivedRows.length, failed: failedRows.length };
}

async function abortUpload(env: Env, row: EndedExport): Promise<void> {
  if (!row.upload_id) return;
  try {
    await env.FILES.resumeMultipartUpload(row.r2_key, row.upload_id).abort();
  } catch (error) {
    // Completed or aborted already (a run that died after its last write): nothing is left of it.
    log.info(`exports: the upload of ${row.id} was already closed`, String(error));
  }
}
