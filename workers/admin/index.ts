// The admin console's API: /admin/... for platform staff, behind Cloudflare Access (every route:
// the Access token, then an active admin, then the route's permission; workers/admin/auth.ts).
import { createSurface } from "../http/surface";
import { accessAuth } from "./auth";
import { registerAdminIntegrationRoutes } from "./integrations";
import { registerAdminLogRoutes } from "./logs";
import { registerAdminMerchantRoutes } from "./merchants";
import { registerAdminOverviewRoutes } from "./overview";
import { registerAdminPlanRoutes } from "./plans";
import { registerAdminPointsRoutes } from "./points";
import { registerAdminUserRoutes } from "./users";
import { createRoute, z } from "@hono/zod-openapi";
import { ok, okEnvelope, errorResponses } from "../http/envelope";
import { ADMIN_ROLES, ROLE_PERMISSIONS } from "../../core/admin-roles";

export const admin = createSurface([accessAuth()]);

admin.openapi(
  createRoute({
    method: "get",
    path: "/me",
    summary: "The signed-in admin and what their role may do",
    responses: {
      200: {
        description: "The admin",
        content: { "application/json": { schema: okEnvelope({ id: z.string(), username: z.string(), email: z.string(), role: z.enum(ADMIN_ROLES), permissions: z.array(z.string()) }) } },
      },
      ...errorResponses(401, 403),
    },
  }),
  (c) => {
    const me = c.get("admin");
    return c.json(ok({ id: me.id, username: me.username, email: me.email, role: me.role, permissions: [...ROLE_PERMISSIONS[me.role]] }), 200);
  },
);

registerAdminUserRoutes(admin);
registerAdminOverviewRoutes(admin);
registerAdminMerchantRoutes(admin);
registerAdminPointsRoutes(admin);
registerAdminPlanRoutes(admin);
registerAdminLogRoutes(admin);
registerAdminIntegrationRoutes(admin);
