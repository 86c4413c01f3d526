// GDPR requests a merchant raises themselves, and the shop's list of every request (Shopify's
// and the merchant's) with its status. A finished data request carries a signed download link
// that works for DOWNLOAD_LINK_TTL_MS (workers/gdpr-download.ts).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { customerKeyedHash, dataKeys } from "../../core/crypto";
import { DOWNLOAD_LINK_TTL_MS, GDPR_REQUEST_TYPES, GDPR_STATUSES, signDownloadToken } from "../../core/gdpr";
import { listGdprRequests, recordGdprRequest, type GdprRequestRow } from "../../d1/gdpr-requests";
import { queueGdprRequest } from "../../queues/gdpr-dispatch";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { errorResponses, ok, okEnvelope } from "../http/envelope";

const GdprRequestSchema = z
  .object({
    id: z.string(),
    type: z.enum(GDPR_REQUEST_TYPES),
    status: z.enum(GDPR_STATUSES),
    requested_by: z.string().describe("`shopify` (a compliance webhook) or the staff member's session `sub`"),
    reason: z.string().nullable(),
    received_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    download_url: z.string().nullable().describe("a finished data request's bundle; expires after 15 minutes (list again for a fresh one)"),
    download_expires_at: z.string().nullable(),
  })
  .openapi("GdprRequest");

const NewRequestSchema = z
  .object({
    type: z.enum(["data_request", "redact"], { error: "type must be data_request or redact" }),
    customer_id: z.string().regex(/^\d{1,20}$/, "customer_id must be Shopify's numeric customer id, as a string"),
  })
  .strict()
  .openapi("NewGdprRequest");

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function gdprRequestView(env: Env, origin: string, row: GdprRequestRow, now = Date.now()) {
  let download_url: string | null = null;
  let download_expires_at: string | null = null;
  if (row.type === "data_request" && row.status === "done" && row.bundleKey) {
    const expiresAt = now + DOWNLOAD_LINK_TTL_MS;
    const token = await signDownloadToken(env.SHOPIFY_API_SECRET, row.shop, row.id, expiresAt);
    download_url = `${origin}/v1/gdpr/requests/${row.id}/download?token=${token}`;
    download_expires_at = iso(expiresAt);
  }
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    requested_by: row.requestedBy,
    reason: row.reason,
    received_at: iso(row.receivedAt)!,
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    download_url,
    download_expires_at,
  };
}

export function registerGdprRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "post",
      path: "/gdpr/request",
      summary: "Raise a GDPR request for one customer: a data bundle, or their redaction",
      request: { body: { content: { "application/json": { schema: NewRequestSchema } }, required: true } },
      responses: {
        202: { description: "Recorded; processed within minutes", content: { "application/json": { schema: okEnvelope({ request: GdprRequestSchema }) } } },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { type, customer_id } = c.req.valid("json");
      const keys = await dataKeys(c.env.ENCRYPTION_KEY);
      const { row } = await recordGdprRequest(c.env, {
        shop,
        type,
        requestedBy: userId ?? "unknown",
        sourceId: `merchant:${crypto.randomUUID()}`,
        customerId: customer_id,
        customerHash: await customerKeyedHash(keys, shop, customer_id),
        orders: [],
        shopifyRequestId: null,
      });
      await queueGdprRequest(c.env, shop, row.id);
      // The request's id, never the customer's: the audit row outlives a redaction.
      recordAudit(c, { action: `gdpr.${type}`, subject: { type: "gdpr_request", id: row.id }, before: null, after: { type } });
      return c.json(ok({ request: await gdprRequestView(c.env, new URL(c.req.url).origin, row) }), 202);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/gdpr/requests",
      summary: "This shop's GDPR requests, newest first, with their status",
      request: {
        query: z.object({
          page: z.coerce.number().int().min(1, "page starts at 1").default(1),
          per_page: z.coerce.number().int().min(1).max(100, "per_page is at most 100").default(25),
        }),
      },
      responses: {
        200: { description: "Requests", content: { "application/json": { schema: okEnvelope({ requests: z.array(GdprRequestSchema), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }) } } },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { page, per_page } = c.req.valid("query");
      const { rows, total } = await listGdprRequests(c.env, c.get("session").shop, page, per_page);
      const origin = new URL(c.req.url).origin;
      const requests = await Promise.all(rows.map((row) => gdprRequestView(c.env, origin, row)));
      return c.json(ok({ requests, total, page, per_page }), 200);
    },
  );
}
