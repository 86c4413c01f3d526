// Staff roles enforced on the merchant surface: once a shop has roles (PUT /v1/api/settings),
// a staff member whose role may not write is refused every PUT, POST, PATCH and DELETE under
// /v1/api with 403 `role_not_allowed`, naming the role. Reads are open to every role. The roles
// are read past the settings cache, so a role taken away stops writes at once.
import { createMiddleware } from "hono/factory";
import { READ_METHODS, ROLE_PERMISSIONS, roleOf } from "../../core/store-settings";
import { currentStoreSettings } from "../../d1/store-settings";
import type { App } from "../http/context";
import { ApiError } from "../http/envelope";

export function staffRoleGuard() {
  return createMiddleware<App>(async function staffRoleGuard(c, next) {
    if (!READ_METHODS.has(c.req.method)) {
      const { shop, userId } = c.get("session");
      const role = roleOf((await currentStoreSettings(c.env, shop)).settings.staff_roles, userId);
      if (role !== null && !ROLE_PERMISSIONS[role].write) {
        throw new ApiError(403, "role_not_allowed", `your staff role in this shop, ${role}, may only read; an owner or manager can change roles`);
      }
    }
    await next();
  });
}
