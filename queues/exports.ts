// The `export` job: one CSV export (postgres/exports.ts row) streamed from Postgres into an R2
// multipart upload, a page of rows at a time. Memory holds one part (5 MiB) and one page.
//
// R2 wants every part but the last the same size, at least 5 MiB: rows are appended to a part
// buffer and a part is cut the moment it is full, so a part boundary falls inside a row. After
// each part the checkpoint records the parts uploaded, the key of the last row serialized and
// the bytes after the cut (less than one row). A redelivered message, or a run that died,
// resumes from there: the rows after the key are read again and serialized afresh; rows
// already in a part are never written twice. A run also stops itself after RUN_BUDGET_MS at a
// part boundary and queues its own continuation, so an export of any size fits the queue
// consumer's limits.
//
// Sealed at rest: each part is sealed on its own as it is cut (core/export-seal.ts), so R2
// holds no CSV in the clear, and the file still streams a part at a time both ways. Every part
// but the last is PART_BYTES of CSV, sealed the same SEAL_OVERHEAD_BYTES longer, so R2's equal
// sizes hold. The last part is always sent, empty when the file ends on a boundary: its sealed
// "final" flag is what tells a whole file from one cut short at a part.
//
// Only one run at a time: a run claims the row with a lease (run_id, lease_until) that each
// checkpoint extends, and every write is conditioned on its run_id, so a second delivery of the
// same message waits (retry) while the first is alive and takes over when its lease runs out.
// R2 cannot be told who holds the lease, so a run confirms it just before each part it sends:
// a run that stalled past its lease stops there. One that stalls between that check and the
// send may still replace a part the new holder sent; R2 then refuses to complete the file
// (the holder's etag is gone), and the holder starts the file again rather than failing.
import { headerLine } from "../core/csv";
import { keyring, type Keyring } from "../core/crypto";
import { sealPart } from "../core/export-seal";
import { log } from "../core/log";
import { withReporting, type Sql } from "../postgres/client";
import { claimExport, exportById, failRun, finishExport, restartExport, saveCheckpoint, saveProgress, type ExportCursor, type ExportRow, type UploadedPart } from "../postgres/exports";
import { exportSource, type ExportSource } from "./export-sources";

/** R2's minimum part size; every part but the last is exactly this. */
export const PART_BYTES = 5 * 1024 * 1024;
const PAGE_ROWS = 5_000;
const LEASE_MS = 60_000;
const RUN_BUDGET_MS = 20_000;
/** How often the progress shown moves while a part fills. */
const PROGRESS_EVERY_MS = 250;

export interface ExportRunOptions {
  /** Stop at the first part boundary after this long (tests pass 0 to stop after one part). */
  budgetMs?: number;
  pageRows?: number;
  /** Tests only: runs just before a part's lease check and send (where another run may step in). */
  beforePart?: (part: { partNumber: number; uploadId: string }) => Promise<void>;
}

export type ExportRunOutcome =
  | { kind: "done"; rows: number; bytes: number }
  /** Stopped at a part boundary: a continuation must run (the caller queues it). */
  | { kind: "continue" }
  /** Another run holds the lease: try again after this long. */
  | { kind: "busy"; retryAfterSeconds: number }
  /** Nothing to do: ended already, gone, or the lease was lost to another run mid-way. */
  | { kind: "ended"; reason: string };

export async function runExport(env: Env, exportId: string, options: ExportRunOptions = {}): Promise<ExportRunOutcome> {
  const runId = crypto.randomUUID();
  return withReporting(env, null, async (sql) => {
    const row = await claimExport(sql, exportId, runId, LEASE_MS);
    if (!row) {
      const current = await exportById(sql, exportId);
      if (!current) return { kind: "ended", reason: "no such export" };
      if (current.status === "done" || current.status === "failed") return { kind: "ended", reason: `already ${current.status}` };
      const left = current.lease_until ? current.lease_until.getTime() - Date.now() : 0;
      return { kind: "busy", retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
    }
    try {
      return await new ExportRun(env, sql, row, runId, options).run();
    } catch (error) {
      if (error instanceof LeaseLost) return lost();
      // Its multipart upload is gone (aborted by the sweeper after a failure, or by R2's own
      // clean-up of uploads left incomplete): no retry can finish this file.
      if (!String(error).includes(`(${R2_NO_SUCH_UPLOAD})`)) throw error;
      log.warn(`exports: the upload of ${exportId} no longer exists`, String(error));
      return (await failRun(sql, exportId, runId, UPLOAD_GONE)) ? { kind: "ended", reason: UPLOAD_GONE } : lost();
    }
  });
}

/** R2's error code for a multipart upload that does not exist (aborted, or completed already). */
const R2_NO_SUCH_UPLOAD = 10024;
/** R2's error code for a completion naming a part (number and etag) the upload does not hold. */
const R2_PART_NOT_FOUND = 10025;

/** The run found another holding the export just before sending a part: it sends nothing more. */
class LeaseLost extends Error {}
export const UPLOAD_GONE = "its unfinished file was removed from storage before it could finish; start a new export";

class ExportRun {
  private readonly started = Date.now();
  private readonly encoder = new TextEncoder();
  private part = new Uint8Array(PART_BYTES);
  private filled = 0;
  private parts: UploadedPart[];
  private bytesDone: number;
  private rows: number;
  private key: string[] | null;
  private lastProgress = 0;
  private ring!: Keyring;
  /** Where the time went (logged when done): waiting for pages (read and emails opened), sealing parts, and R2. */
  private readonly timings = { pagesMs: 0, r2Ms: 0, sealMs: 0 };

  constructor(
    private readonly env: Env,
    private readonly sql: Sql,
    private readonly row: ExportRow,
    private readonly runId: string,
    private readonly options: ExportRunOptions,
  ) {
    this.parts = [...row.parts];
    this.bytesDone = Number(row.bytes_done);
    this.rows = row.cursor?.rows ?? 0;
    this.key = row.cursor?.key ?? null;
    this.part.set(row.carry, 0);
    this.filled = row.carry.length;
  }

  async run(): Promise<ExportRunOutcome> {
    const { env, row } = this;
    this.ring = await keyring(env);
    const source = exportSource(row, this.ring);
    const rowsTotal = row.rows_total !== null ? Number(row.rows_total) : await source.count(this.sql);
    const cursor = row.cursor as (ExportCursor & { complete?: boolean }) | null;
    let upload: R2MultipartUpload;
    if (row.upload_id === null) {
      upload = await env.FILES.createMultipartUpload(row.r2_key, {
        httpMetadata: { contentType: row.sealed ? "application/octet-stream" : "text/csv; charset=utf-8" },
        customMetadata: { shop: row.shop, export: row.id, ...(row.sealed ? { sealed: "lnx1" } : {}) },
      });
      if (!(await this.checkpoint(upload.uploadId, rowsTotal, LEASE_MS))) return lost();
    } else {
      // Completed already (the run died before marking it done): only the row is left to write.
      if (cursor?.complete && (await env.FILES.head(row.r2_key))) return this.finish();
      upload = env.FILES.resumeMultipartUpload(row.r2_key, row.upload_id);
    }
    if (!cursor?.complete) {
      // A fresh export starts with its header; a resumed one has it in its first part already.
      if (this.key === null && this.parts.length === 0 && this.filled === 0) this.append(headerLine(source.columns));
      const pageRows = this.options.pageRows ?? PAGE_ROWS;
      const read = (after: string[] | null) => {
        const page = source.page(this.sql, after, pageRows);
        page.catch(() => {}); // a page read ahead and never awaited (the run stopped) must not surface
        return page;
      };
      let next = read(this.key);
      for (;;) {
        const waited = Date.now();
        const page = await next;
        this.timings.pagesMs += Date.now() - waited;
        const full = page.length === pageRows;
        // The next page is asked for now: Postgres reads it while this one is written.
        if (full) next = read(page.at(-1)!.key);
        for (const { line, key } of page) {
          const bytes = this.encoder.encode(line);
          this.rows++;
          this.key = key;
          if (this.filled + bytes.length < PART_BYTES) {
            this.append(bytes);
            continue;
          }
          // The part fills inside this row: cut it, upload it, keep the rest of the row.
          const fits = PART_BYTES - this.filled;
          this.part.set(bytes.subarray(0, fits), this.filled);
          this.filled = PART_BYTES;
          await this.uploadPart(upload, false);
          this.append(bytes.subarray(fits));
          if (!(await this.checkpoint(upload.uploadId, rowsTotal, LEASE_MS))) return lost();
          if (Date.now() - this.started >= (this.options.budgetMs ?? RUN_BUDGET_MS)) {
            // Let go of the lease at once: the continuation takes over without waiting.
            if (!(await this.checkpoint(upload.uploadId, rowsTotal, 0))) return lost();
            return { kind: "continue" };
          }
        }
        if (!full) break;
        if (Date.now() - this.lastProgress >= PROGRESS_EVERY_MS) {
          this.lastProgress = Date.now();
          if (!(await saveProgress(this.sql, row.id, this.runId, LEASE_MS, this.rows))) return lost();
        }
      }
      // The last part may be shorter. Unsealed (a row from before sealing), an empty one is not
      // sent; sealed, it is: it carries the final flag.
      if (row.sealed || this.filled > 0 || this.parts.length === 0) await this.uploadPart(upload, true);
      if (!(await this.checkpoint(upload.uploadId, rowsTotal, LEASE_MS, true))) return lost();
    }
    const completing = Date.now();
    try {
      await upload.complete(this.parts);
    } catch (error) {
      if (!String(error).includes(`(${R2_PART_NOT_FOUND})`)) throw error;
      return this.restart(upload, error);
    }
    this.timings.r2Ms += Date.now() - completing;
    return this.finish();
  }

  private append(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? this.encoder.encode(data) : data;
    this.part.set(bytes, this.filled);
    this.filled += bytes.length;
  }

  private async uploadPart(upload: R2MultipartUpload, final: boolean): Promise<void> {
    const partNumber = this.parts.length + 1;
    await this.options.beforePart?.({ partNumber, uploadId: upload.uploadId });
    // Ours still, just now (and for another lease): a run that stalled past its lease stops here.
    if (!(await saveProgress(this.sql, this.row.id, this.runId, LEASE_MS, this.rows))) throw new LeaseLost();
    const sealing = Date.now();
    // A copy either way: the buffer is reused for the next part while R2 may still read this one.
    const body = this.row.sealed
      ? await sealPart(this.ring.current, { shop: this.row.shop, exportId: this.row.id, partNumber, final }, this.part.subarray(0, this.filled))
      : this.part.slice(0, this.filled);
    const started = Date.now();
    this.timings.sealMs += started - sealing;
    const uploaded = await upload.uploadPart(partNumber, body);
    this.timings.r2Ms += Date.now() - started;
    this.parts.push({ partNumber, etag: uploaded.etag });
    this.bytesDone += this.filled;
    this.filled = 0;
  }

  private checkpoint(uploadId: string, rowsTotal: number, leaseMs: number, complete = false): Promise<boolean> {
    const cursor = this.key === null && !complete ? null : { key: this.key ?? [], rows: this.rows, ...(complete ? { complete: true } : {}) };
    return saveCheckpoint(this.sql, this.row.id, this.runId, leaseMs, {
      uploadId,
      parts: this.parts,
      cursor,
      carry: this.part.slice(0, this.filled),
      bytesDone: this.bytesDone,
      rowsTotal,
    });
  }

  /**
   * A part this run sent was replaced under it (a late run's, sent after it lost the lease):
   * the file starts again from its first row in a new upload, by the continuation queued.
   */
  private async restart(upload: R2MultipartUpload, cause: unknown): Promise<ExportRunOutcome> {
    log.warn(`exports: ${this.row.id}: R2 holds a part other than the one sent (a late run replaced it); starting the file again`, String(cause));
    if (!(await restartExport(this.sql, this.row.id, this.runId))) return lost();
    await upload.abort().catch((error: unknown) => log.warn(`exports: ${this.row.id}: the replaced upload was not aborted (R2 removes it in time)`, String(error)));
    return { kind: "continue" };
  }

  private async finish(): Promise<ExportRunOutcome> {
    const rows = this.rows;
    if (!(await finishExport(this.sql, this.row.id, this.runId, rows, this.bytesDone))) return lost();
    log.info(`exports: ${this.row.kind} export ${this.row.id} for ${this.row.shop} done: ${rows} rows, ${this.bytesDone} bytes; this run ${Date.now() - this.started} ms (pages ${this.timings.pagesMs} ms, sealing ${this.timings.sealMs} ms, R2 ${this.timings.r2Ms} ms)`);
    return { kind: "done", rows, bytes: this.bytesDone };
  }
}

function lost(): ExportRunOutcome {
  return { kind: "ended", reason: "another run holds this export now" };
}

export type { ExportSource };
