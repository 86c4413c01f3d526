// GET /v1/exports/:id/download?token=…: a finished CSV export, streamed from R2 for whoever
// holds the link the dashboard listed (workers/merchant/exports.ts). Outside the session-token
// surface because a link is clicked; the token is an HMAC of shop, export and expiry
// (core/download-link.ts, as for GDPR bundles), checked in constant time against the export's
// own shop: 403 when wrong, altered or expired, 404 when the file is gone.
import { createRoute, z } from "@hono/zod-openapi";
import { verifyDownloadLink } from "../core/download-link";
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
      ...errorResponses(400, 403, 404, 503),
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
    const object = row!.status === "done" ? await c.env.FILES.get(row!.r2_key) : null;
    if (!object) throw new ApiError(404, "export_not_found", "this export's file no longer exists");
    return new Response(object.body, {
      status: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-length": String(object.size),
        "content-disposition": `attachment; filename="loyalnest-${row!.kind}-${row!.created_at.toISOString().slice(0, 10)}-${row!.id.slice(0, 8)}.csv"`,
        "cache-control": "no-store",
      },
    }) as never;
  },
);
