// Admin users (superadmins only): list, add, change (username, email, role, active), remove.
// The last active superadmin stays (d1/admin-users.ts holds the rule); every change is audited
// with the user as it was and as it is, the email included (audit_logs is admin-only data here:
// the platform scope is no merchant's shop).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ADMIN_ROLES, PLATFORM_SCOPE } from "../../core/admin-roles";
import { createAdmin, deleteAdmin, listAdmins, updateAdmin, type AdminChangeResult } from "../../d1/admin-users";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requirePermission } from "./auth";

export const AdminUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    role: z.enum(ADMIN_ROLES),
    active: z.boolean(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("AdminUser");

const Username = z.string().trim().regex(/^[a-z0-9][a-z0-9._-]{1,39}$/, "2–40 lower-case letters, digits or . _ - (starting with a letter or digit)");
const Email = z.string().trim().max(254).email("a valid email address");
const IdParam = z.object({ id: z.string().uuid("an admin user id") });

function refuse(result: Exclude<AdminChangeResult, { ok: true }>): never {
  switch (result.reason) {
    case "not_found":
      throw new ApiError(404, "admin_not_found", "no admin user with this id");
    case "last_superadmin":
      throw new ApiError(409, "last_superadmin", "this is the last active superadmin: make another superadmin first");
    case "username_taken":
      throw new ApiError(409, "username_taken", "another admin has this username");
    case "email_taken":
      throw new ApiError(409, "email_taken", "another admin has this email");
  }
}

export function registerAdminUserRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "get",
      path: "/users",
      summary: "Every admin user",
      middleware: [requirePermission("users.read")],
      responses: {
        200: { description: "Admin users by username", content: { "application/json": { schema: okEnvelope({ users: z.array(AdminUserSchema) }) } } },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json(ok({ users: await listAdmins(c.env) }), 200),
  );

  admin.openapi(
    createRoute({
      method: "post",
      path: "/users",
      summary: "Add an admin (they sign in through Cloudflare Access with this email; no password)",
      middleware: [requirePermission("users.write")],
      request: { body: { required: true, content: { "application/json": { schema: z.object({ username: Username, email: Email, role: z.enum(ADMIN_ROLES) }).strict() } } } },
      responses: {
        201: { description: "Added", content: { "application/json": { schema: okEnvelope({ user: AdminUserSchema }) } } },
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.get("admin");
      const result = await createAdmin(c.env, { ...body, createdBy: actor.id });
      if (!result.ok) refuse({ ok: false, reason: result.conflict });
      recordAudit(c, { action: "admin_user.create", subject: { type: "admin_user", id: result.admin.id }, before: null, after: result.admin, actor: { type: "admin", id: actor.id }, shop: PLATFORM_SCOPE });
      return c.json(ok({ user: result.admin }), 201);
    },
  );

  admin.openapi(
    createRoute({
      method: "put",
      path: "/users/{id}",
      summary: "Change an admin's username, email, role or active flag (the last active superadmin stays one)",
      middleware: [requirePermission("users.write")],
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({ username: Username.optional(), email: Email.optional(), role: z.enum(ADMIN_ROLES).optional(), active: z.boolean().optional() })
                .strict()
                .refine((b) => Object.keys(b).length > 0, "name at least one of username, email, role, active"),
            },
          },
        },
      },
      responses: {
        200: { description: "Changed", content: { "application/json": { schema: okEnvelope({ user: AdminUserSchema }) } } },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const actor = c.get("admin");
      const result = await updateAdmin(c.env, id, c.req.valid("json"));
      if (!result.ok) refuse(result);
      recordAudit(c, { action: "admin_user.update", subject: { type: "admin_user", id }, before: result.before, after: result.after, actor: { type: "admin", id: actor.id }, shop: PLATFORM_SCOPE });
      return c.json(ok({ user: result.after! }), 200);
    },
  );

  admin.openapi(
    createRoute({
      method: "delete",
      path: "/users/{id}",
      summary: "Remove an admin (never the last active superadmin)",
      middleware: [requirePermission("users.write")],
      request: { params: IdParam },
      responses: {
        200: { description: "Removed", content: { "application/json": { schema: okEnvelope({ removed: z.string() }) } } },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const actor = c.get("admin");
      const result = await deleteAdmin(c.env, id);
      if (!result.ok) refuse(result);
      recordAudit(c, { action: "admin_user.delete", subject: { type: "admin_user", id }, before: result.before, after: null, actor: { type: "admin", id: actor.id }, shop: PLATFORM_SCOPE });
      return c.json(ok({ removed: id }), 200);
    },
  );
}
