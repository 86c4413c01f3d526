// The merchant's notices (d1/merchant-notices.ts): what the dashboard shows until it is read.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { markNoticeRead, merchantNoticesFor, noticeReadAt, NOTICE_KINDS } from "../../d1/merchant-notices";
import { recordAudit } from "../http/api-log";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const NoticeSchema = z
  .object({
    id: z.string(),
    kind: z.enum(NOTICE_KINDS),
    details: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    read_at: z.string().nullable(),
  })
  .openapi("MerchantNotice");

export function registerNoticeRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/notices",
      summary: "The shop's notices, newest first: unread ones, or every one with ?all=true",
      request: { query: z.object({ all: z.enum(["true", "false"]).default("false") }) },
      responses: {
        200: { description: "Notices", content: { "application/json": { schema: okEnvelope({ notices: z.array(NoticeSchema) }) } } },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const notices = await merchantNoticesFor(c.env, c.get("session").shop, { all: c.req.valid("query").all === "true" });
      return c.json(ok({ notices }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/notices/{id}/read",
      summary: "Mark one notice read",
      request: { params: z.object({ id: z.string().uuid("notice id must be a UUID") }) },
      responses: {
        200: { description: "Marked read", content: { "application/json": { schema: okEnvelope({ id: z.string() }) } } },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { shop } = c.get("session");
      const before = await noticeReadAt(c.env, shop, id);
      const now = Date.now();
      if (before === undefined || !(await markNoticeRead(c.env, shop, id, now))) throw new ApiError(404, "notice_not_found", `no notice ${id} in this shop`);
      recordAudit(c, { action: "notice.read", subject: { type: "notice", id }, before: { read_at: before }, after: { read_at: new Date(now).toISOString() } });
      return c.json(ok({ id }), 200);
    },
  );
}
