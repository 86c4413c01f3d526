// The merchant's logs: who changed what (audit_logs) and every API call (api_logs), this shop
// only (the session token's), newest first, filtered and paged. The queries are
// postgres/logs.ts's, which the admin console reuses across shops.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ACTOR_TYPES, LOG_RETENTION_DAYS, SURFACES } from "../../core/logs";
import { log } from "../../core/log";
import { withReporting, type Sql } from "../../postgres/client";
import { queryApiLogs, queryAuditLogs, type ApiLogFilters } from "../../postgres/logs";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Whether `text` is an instant in INSTANT's shape naming a real day (Date.parse rolls 2026-02-30 over to March). */
export function isRealInstant(text: string): boolean {
  if (!INSTANT.test(text) || Number.isNaN(Date.parse(text))) return false;
  const day = new Date(`${text.slice(0, 10)}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text.slice(0, 10));
}

/** A date (2026-11-30: its start, UTC) or a date-time with a zone. */
const instant = z.string().refine(isRealInstant, "a real date (YYYY-MM-DD) or an ISO date-time with a zone");

const paging = {
  from: instant.optional().openapi({ description: "Included; a date means its start (UTC)" }),
  to: instant.optional().openapi({ description: "Excluded; a date means its start (UTC)" }),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(250).default(50),
};

const AuditLogSchema = z
  .object({
    id: z.string(),
    actor_type: z.string(),
    actor_id: z.string(),
    action: z.string(),
    subject_type: z.string().nullable(),
    subject_id: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("AuditLog");

const ApiLogSchema = z
  .object({
    id: z.string(),
    surface: z.enum(SURFACES),
    method: z.string(),
    route: z.string(),
    status: z.number().int(),
    duration_ms: z.number().int(),
    request_id: z.string(),
    created_at: z.string(),
  })
  .openapi("ApiLog");

const pageFields = { total: z.number().int(), page: z.number().int(), per_page: z.number().int() };

function range(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  const out = { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
  if (out.from && out.to && out.from >= out.to) throw new ApiError(400, "invalid_range", "from must be before to");
  return out;
}

export function registerLogRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/logs/audit",
      summary: `Who changed what in this shop, newest first (kept ${LOG_RETENTION_DAYS} days)`,
      request: {
        query: z.object({
          ...paging,
          action: z.string().regex(/^[a-z_]+\.[a-z_]+$/, "an action like reward.update").optional(),
          actor_type: z.enum(ACTOR_TYPES).optional(),
          actor_id: z.string().min(1).max(200).optional(),
          subject_type: z.string().regex(/^[a-z_]+$/, "a subject type like reward").optional(),
          subject_id: z.string().min(1).max(200).optional(),
        }),
      },
      responses: {
        200: { description: "A page of audit entries", content: { "application/json": { schema: okEnvelope({ entries: z.array(AuditLogSchema), ...pageFields }) } } },
        ...errorResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const filters = { ...range(q.from, q.to), action: q.action, actorType: q.actor_type, actorId: q.actor_id, subjectType: q.subject_type, subjectId: q.subject_id };
      const { rows, total } = await reporting(c, (sql) => queryAuditLogs(sql, { shop: c.get("session").shop }, filters, { page: q.page, perPage: q.per_page }));
      const entries = rows.map(({ shop: _shop, ...row }) => row);
      return c.json(ok({ entries, total, page: q.page, per_page: q.per_page }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/logs/api",
      summary: `Every API call made for this shop, newest first (route pattern, status, duration; kept ${LOG_RETENTION_DAYS} days)`,
      request: {
        query: z.object({
          ...paging,
          route: z.string().startsWith("/", "a route pattern like /v1/api/rewards/:id").max(300).optional(),
          method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
          status: z
            .string()
            .regex(/^([1-5]\d\d|[1-5]xx)$/, "a status (404) or a class (4xx)")
            .optional(),
          surface: z.enum(SURFACES).optional(),
        }),
      },
      responses: {
        200: { description: "A page of API calls", content: { "application/json": { schema: okEnvelope({ calls: z.array(ApiLogSchema), ...pageFields }) } } },
        ...errorResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const status: ApiLogFilters["status"] = q.status === undefined ? undefined : q.status.endsWith("xx") ? { class: Number(q.status[0]) } : { exact: Number(q.status) };
      const filters: ApiLogFilters = { ...range(q.from, q.to), route: q.route, method: q.method, status, surface: q.surface };
      const { rows, total } = await reporting(c, (sql) => queryApiLogs(sql, { shop: c.get("session").shop }, filters, { page: q.page, perPage: q.per_page }));
      const calls = rows.map(({ shop: _shop, ...row }) => ({ ...row, surface: row.surface as (typeof SURFACES)[number] }));
      return c.json(ok({ calls, total, page: q.page, per_page: q.per_page }), 200);
    },
  );
}

async function reporting<T>(c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } }, work: (sql: Sql) => Promise<T>): Promise<T> {
  try {
    return await withReporting(c.env, c.executionCtx, work);
  } catch (error) {
    log.error("logs: reporting query failed", String(error));
    throw new ApiError(503, "reporting_unavailable", "logs are temporarily unavailable", { "retry-after": "5" });
  }
}
