// GET /v1/exports/:id/download?token=…: a finished CSV export, streamed from R2 for whoever
// holds the link the dashboard listed (workers/merchant/exports.ts). Outside the session-token
// surface because a link is clicked; the token is an HMAC of shop, export and expiry
// (core/download-link.ts, as for GDPR bundles), checked in constant time against the export's
// own shop: 403 when wrong, altered or expired, 410 when the export is past its retention, 404
// when the file is gone.
//
// The file in R2 is sealed part by part (core/export-seal.ts): it is opened a part at a time as
// it streams, and the merchant gets the plain CSV. The first part is opened before answering, so
// a file that does not open there is a clear 500 (export_unreadable); a later part that does not
// open ends the transfer short of its content-length, which every client reports as a failed
// download, never as a file with garbage in it.
import { createRoute, z } from "@hono/zod-openapi";
import { verifyDownloadLink } from "../core/download-link";
import { keyring } from "../core/crypto";
import { EXPORT_RETENTION_DAYS } from "../core/export-lifecycle";
import { openSealedParts, SealedExportError } from "../core/export-seal";
import { withReporting } from "../postgres/client";
import { exportById, type ExportRow } from "../postgres/exports";
import { log } from "../core/log";
import { ApiError, errorResponses } from "./http/envelope";
import { createSurface } from "./http/surface";

export const exportDownload = createSurface();

exportDownload.openapi(
  createRoute({
    method: "get",
    path: "/v1/exports/{id}/download",
    summary: "Download a finished CSV export through its signed, expiring link",
    request: {
      params: z.object({ id: z.string().uuid("export id must be a UUID") }),
      query: z.object({ token: z.string().min(1, "token is required").max(400) }),
    },
    responses: {
      200: { description: "The CSV", content: { "text/csv": { schema: z.string() } } },
      ...errorResponses(400, 403, 404, 410, 500, 503),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { token } = c.req.valid("query");
    let row: ExportRow | null;
    try {
      row = await withReporting(c.env, c.executionCtx, (sql) => exportById(sql, id));
    } catch (error) {
      log.error("exports: reporting query failed", String(error));
      throw new ApiError(503, "reporting_unavailable", "downloads are temporarily unavailable", { "retry-after": "5" });
    }
    // Checked against the export's own shop: a link of one shop opens nothing of another's.
    const check = row ? await verifyDownloadLink(c.env.SHOPIFY_API_SECRET, "export-download", row.shop, row.id, token) : { valid: false as const, reason: "bad_signature" as const };
    if (!check.valid) throw new ApiError(403, check.reason === "expired" ? "link_expired" : "invalid_link", check.reason === "expired" ? "this download link has expired; open the export again for a fresh one" : "this download link is not valid");
    if (row!.status === "expired") throw new ApiError(410, "export_expired", `this export's file was deleted ${EXPORT_RETENTION_DAYS} days after it finished; start a new export`);
    const object = row!.status === "done" ? await c.env.FILES.get(row!.r2_key) : null;
    if (!object) throw new ApiError(404, "export_not_found", "this export's file no longer exists");
    const body = row!.sealed ? await openedCsv(c.env, row!, object.body) : object.body;
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-length": String(row!.sealed ? Number(row!.bytes_done) : object.size),
        "content-disposition": `attachment; filename="loyalnest-${row!.kind}-${row!.created_at.toISOString().slice(0, 10)}-${row!.id.slice(0, 8)}.csv"`,
        "cache-control": "no-store",
      },
    }) as never;
  },
);

/**
 * The CSV of a sealed file, a part at a time, exactly `bytes_done` long (FixedLengthStream: a
 * stream that ends short or runs long errors rather than passing for the whole file).
 */
async function openedCsv(env: Env, row: ExportRow, sealed: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const parts = openSealedParts(await keyring(env), row.shop, row.id, sealed);
  let first: IteratorResult<Uint8Array, void>;
  try {
    first = await parts.next();
  } catch (error) {
    throw unreadable(row, error);
  }
  const csv = new FixedLengthStream(Number(row.bytes_done));
  void (async () => {
    const writer = csv.writable.getWriter();
    try {
      if (!first.done) await writer.write(first.value);
      for await (const part of parts) await writer.write(part);
      await writer.close();
    } catch (error) {
      log.error(`exports: the download of ${row.id} (${row.shop}) stopped: ${error instanceof SealedExportError ? `${error.problem}: ${error.message}` : String(error)}`);
      await writer.abort(error).catch(() => {});
      await parts.return().catch(() => {});
    }
  })();
  return csv.readable;
}

function unreadable(row: ExportRow, error: unknown): unknown {
  if (!(error instanceof SealedExportError)) return error;
  log.error(`exports: the file of ${row.id} (${row.shop}) does not open: ${error.problem}: ${error.message}`);
  return new ApiError(500, "export_unreadable", `this export's file failed its integrity check (${error.message}); start a new export`);
}
