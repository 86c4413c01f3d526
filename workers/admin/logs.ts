// GET /admin/logs: the audit trail (who changed what, merchants and admins) and the API-call
// log, across every shop or one, filtered and paged. The queries are postgres/logs.ts's, the
// merchant's own, with the all-shops scope only this surface may ask for.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ACTOR_TYPES, LOG_RETENTION_DAYS, SURFACES } from "../../core/logs";
import { log } from "../../core/log";
import { PLATFORM_SCOPE } from "../../core/admin-roles";
import { withReporting, type Sql } from "../../postgres/client";
import { queryApiLogs, queryAuditLogs, type ApiLogFilters, type LogScope } from "../../postgres/logs";
import type { App } from "../http/context";
import { ApiError, errorResponses, fieldError, ok, okEnvelope } from "../http/envelope";
import { isRealInstant } from "../merchant/logs";
import { requirePermission } from "./auth";

const instant = z.string().refine(isRealInstant, "a real date (YYYY-MM-DD) or an ISO date-time with a zone");

const Query = z.object({
  type: z.enum(["audit", "api"]).default("audit"),
  from: instant.optional().openapi({ description: "Included; a date means its start (UTC)" }),
  to: instant.optional().openapi({ description: "Excluded; a date means its start (UTC)" }),
  shop: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]*\.myshopify\.com|\(platform\))$/, "a shop's myshopify domain, or (platform) for admin-user changes")
    .optional(),
  // audit only
  admin: z.string().uuid("an admin user id").optional().openapi({ description: "Audit: entries by this admin" }),
  actor_type: z.enum(ACTOR_TYPES).optional(),
  action: z.string().regex(/^[a-z_]+\.[a-z_]+$/, "an action like points.adjust").optional(),
  // api only
  route: z.string().startsWith("/", "a route pattern like /admin/merchants/:shop").max(300).optional(),
  status: z.string().regex(/^([1-5]\d\d|[1-5]xx)$/, "a status (404) or a class (4xx)").optional(),
  surface: z.enum(SURFACES).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(250).default(50),
});

const AUDIT_ONLY = ["admin", "actor_type", "action"] as const;
const API_ONLY = ["route", "status", "surface"] as const;

export function registerAdminLogRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "get",
      path: "/logs",
      summary: `Audit entries (type=audit) or API calls (type=api) across shops, newest first (kept ${LOG_RETENTION_DAYS} days)`,
      middleware: [requirePermission("logs.read")],
      request: { query: Query },
      responses: {
        200: {
          description: "A page of entries",
          content: {
            "application/json": {
              schema: okEnvelope({ type: z.enum(["audit", "api"]), entries: z.array(z.record(z.string(), z.unknown())), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      for (const name of q.type === "audit" ? API_ONLY : AUDIT_ONLY) {
        if (q[name] !== undefined) throw fieldError("invalid_request", name, `filters ${q.type === "audit" ? "API calls (type=api)" : "audit entries (type=audit)"} only`);
      }
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && from >= to) throw new ApiError(400, "invalid_range", "from must be before to");
      const scope: LogScope = q.shop ? { shop: q.shop } : { allShops: true };
      const page = { page: q.page, perPage: q.per_page };
      if (q.type === "audit") {
        const actorType = q.admin ? "admin" : q.actor_type;
        if (q.admin && q.actor_type && q.actor_type !== "admin") throw fieldError("invalid_request", "actor_type", "an admin's entries are actor_type admin");
        const { rows, total } = await reporting(c, (sql) => queryAuditLogs(sql, scope, { from, to, action: q.action, actorType, actorId: q.admin }, page));
        return c.json(ok({ type: q.type, entries: rows as unknown as Record<string, unknown>[], total, page: q.page, per_page: q.per_page }), 200);
      }
      if (q.shop === PLATFORM_SCOPE) throw fieldError("invalid_request", "shop", "API calls name real shops only");
      const status: ApiLogFilters["status"] = q.status === undefined ? undefined : q.status.endsWith("xx") ? { class: Number(q.status[0]) } : { exact: Number(q.status) };
      const { rows, total } = await reporting(c, (sql) => queryApiLogs(sql, scope, { from, to, route: q.route, status, surface: q.surface }, page));
      return c.json(ok({ type: q.type, entries: rows as unknown as Record<string, unknown>[], total, page: q.page, per_page: q.per_page }), 200);
    },
  );
}

async function reporting<T>(c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } }, work: (sql: Sql) => Promise<T>): Promise<T> {
  try {
    return await withReporting(c.env, c.executionCtx, work);
  } catch (error) {
    log.error("admin logs: reporting query failed", String(error));
    throw new ApiError(503, "reporting_unavailable", "logs are temporarily unavailable", { "retry-after": "5" });
  }
}
