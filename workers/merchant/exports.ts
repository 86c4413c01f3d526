// CSV exports of the shop's customers, ledger and analytics: POST starts one (through the jobs
// queue, queues/exports.ts), the list and the read show its progress, and a finished export
// carries a signed link (workers/export-download.ts) that works for EXPORT_LINK_TTL_MS. One
// export per shop and kind runs at a time: asking again while one is queued or running answers
// that one (200) instead of starting another (202).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { signDownloadLink } from "../../core/download-link";
import { EXPORT_KINDS, EXPORT_LINK_TTL_MS, NewExportSchema } from "../../core/exports";
import { EXPORT_RETENTION_MS, exportFileKey } from "../../core/export-lifecycle";
import { log } from "../../core/log";
import { withReporting, type Sql } from "../../postgres/client";
import { createExport, EXPORT_STATUSES, failExport, findExport, listExports, reviveStalledExports, type ExportRow } from "../../postgres/exports";
import { runExport } from "../../queues/exports";
import { sendJobs } from "../../queues/jobs";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const ExportSchema = z
  .object({
    id: z.string(),
    kind: z.enum(EXPORT_KINDS),
    status: z.enum(EXPORT_STATUSES),
    from: z.string().nullable(),
    to: z.string().nullable(),
    rows_done: z.number().int(),
    rows_total: z.number().int().nullable().describe("known once the export has started"),
    bytes: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    download_url: z.string().nullable().describe("a finished export's CSV; the link expires at expires_at (read the export again for a fresh one)"),
    expires_at: z.string().nullable(),
    file_deleted_at: z.string().nullable().describe("a finished export's file is deleted then (retention) and the export becomes expired; when it was, for an expired one"),
  })
  .openapi("Export");

const ExportIdParams = z.object({ id: z.string().uuid("export id must be a UUID") });

export async function exportView(env: Env, origin: string, row: ExportRow, now = Date.now()) {
  let download_url: string | null = null;
  let expires_at: string | null = null;
  if (row.status === "done") {
    const expiresAt = now + EXPORT_LINK_TTL_MS;
    const token = await signDownloadLink(env.SHOPIFY_API_SECRET, "export-download", row.shop, row.id, expiresAt);
    download_url = `${origin}/v1/exports/${row.id}/download?token=${token}`;
    expires_at = new Date(expiresAt).toISOString();
  }
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    from: row.range_from,
    to: row.range_to,
    rows_done: Number(row.rows_done),
    rows_total: row.rows_total === null ? null : Number(row.rows_total),
    bytes: Number(row.bytes_done),
    error: row.error,
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    download_url,
    expires_at,
    file_deleted_at: row.status === "expired" ? iso(row.expired_at) : row.status === "done" && row.finished_at ? new Date(row.finished_at.getTime() + EXPORT_RETENTION_MS).toISOString() : null,
  };
}

async function reporting<T>(c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } }, work: (sql: Sql) => Promise<T>): Promise<T> {
  try {
    return await withReporting(c.env, c.executionCtx, work);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    log.error("exports: reporting query failed", String(error));
    throw new ApiError(503, "reporting_unavailable", "exports are temporarily unavailable", { "retry-after": "5" });
  }
}

/** Well inside what a request may keep running after its answer (30 s). */
const AT_ONCE_BUDGET_MS = 10_000;

async function startAtOnce(env: Env, shop: string, exportId: string): Promise<void> {
  try {
    const outcome = await runExport(env, exportId, { budgetMs: AT_ONCE_BUDGET_MS });
    if (outcome.kind === "continue") await sendJobs(env, [{ type: "export", shop, exportId }]);
  } catch (error) {
    // The queued job runs it from the last checkpoint once this run's lease has run out.
    log.warn(`exports: the first run of ${exportId} failed; the queued job takes over`, String(error));
  }
}

export function registerExportRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "post",
      path: "/exports",
      summary: "Start a CSV export (customers, ledger or analytics), or answer the one of that kind in flight",
      request: { body: { required: true, content: { "application/json": { schema: NewExportSchema.openapi("NewExport") } } } },
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: okEnvelope({ export: ExportSchema }) } } },
        200: { description: "An export of this kind is already queued or running: that one", content: { "application/json": { schema: okEnvelope({ export: ExportSchema }) } } },
        ...errorResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { kind, from, to } = c.req.valid("json");
      const id = crypto.randomUUID();
      const origin = new URL(c.req.url).origin;
      const r2Key = exportFileKey(shop, id);
      const { row, created } = await reporting(c, (sql) => createExport(sql, { id, shop, kind, from: from ?? null, to: to ?? null, requestedBy: userId ?? "unknown", r2Key }));
      if (!created) {
        // Stalled (its message lost or dead-lettered, its last run gone): asking again revives
        // it from its checkpoint, rather than leaving the kind blocked behind it.
        // The sweeper does the same each minute; this one counts among its revivals.
        const revived = await reporting(c, (sql) => reviveStalledExports(sql, new Date(), 1, row.id));
        if (revived.length) await sendJobs(c.env, [{ type: "export", shop, exportId: row.id }]).catch((error) => log.error(`exports: could not queue ${row.id} again`, String(error)));
        return c.json(ok({ export: await exportView(c.env, origin, row) }), 200);
      }
      try {
        await sendJobs(c.env, [{ type: "export", shop, exportId: id }]);
      } catch (error) {
        // Not left queued with no job to run it: the merchant can ask again at once.
        log.error(`exports: could not queue export ${id}`, String(error));
        await reporting(c, (sql) => failExport(sql, id, "could not be queued"));
        throw new ApiError(503, "queue_unavailable", "the export could not be started; try again in a moment", { "retry-after": "5" });
      }
      // The first run starts now, beside the answer, rather than after the queue's batch wait
      // (up to 2 s here): the queued job is what guarantees the export; it finds this run's
      // lease and waits for it, resumes it if it dies, and continues it past its budget.
      c.executionCtx.waitUntil(startAtOnce(c.env, shop, id));
      recordAudit(c, { action: "export.create", subject: { type: "export", id }, before: null, after: { kind, from: from ?? null, to: to ?? null } });
      return c.json(ok({ export: await exportView(c.env, origin, row) }), 202);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/exports",
      summary: "This shop's exports, newest first (the last 50)",
      responses: {
        200: { description: "Exports", content: { "application/json": { schema: okEnvelope({ exports: z.array(ExportSchema) }) } } },
        ...errorResponses(401, 403, 429, 503),
      },
    }),
    async (c) => {
      const rows = await reporting(c, (sql) => listExports(sql, c.get("session").shop, 50));
      const origin = new URL(c.req.url).origin;
      return c.json(ok({ exports: await Promise.all(rows.map((row) => exportView(c.env, origin, row))) }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/exports/{id}",
      summary: "One export: its status and progress, and its download link once done",
      request: { params: ExportIdParams },
      responses: {
        200: { description: "The export", content: { "application/json": { schema: okEnvelope({ export: ExportSchema }) } } },
        ...errorResponses(400, 401, 403, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await reporting(c, (sql) => findExport(sql, c.get("session").shop, id));
      if (!row) throw new ApiError(404, "export_not_found", `no export ${id} in this shop`);
      return c.json(ok({ export: await exportView(c.env, new URL(c.req.url).origin, row) }), 200);
    },
  );
}
