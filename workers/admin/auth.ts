// Who may use /admin: Cloudflare Access proves the caller's email (the Cf-Access-Jwt-Assertion
// header, core/access-jwt.ts), then that email must belong to an active admin (d1/admin-users.ts),
// whose role must hold the permission the route names (core/admin-roles.ts). A merchant's
// session token, a shopper's App Proxy signature or any other credential opens nothing here.
import { createMiddleware } from "hono/factory";
import { verifyAccessToken } from "../../core/access-jwt";
import { can, type AdminPermission } from "../../core/admin-roles";
import { activeAdminByEmail } from "../../d1/admin-users";
import type { App } from "../http/context";
import { ApiError } from "../http/envelope";
import { accessKeys } from "./access-keys";

export const ACCESS_HEADER = "cf-access-jwt-assertion";

export function accessAuth(options: { now?: () => number } = {}) {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return createMiddleware<App>(async function accessAuth(c, next) {
    const token = c.req.header(ACCESS_HEADER)?.trim();
    if (!token) throw new ApiError(401, "missing_access_token", "sign in through Cloudflare Access: the Cf-Access-Jwt-Assertion header is missing");
    const teamDomain = c.env.ACCESS_TEAM_DOMAIN?.trim();
    const audience = c.env.ACCESS_AUD?.trim();
    if (!teamDomain || !audience) throw new ApiError(503, "missing_configuration", "the admin console is not configured: set ACCESS_TEAM_DOMAIN and ACCESS_AUD");
    let verified;
    try {
      verified = await verifyAccessToken(token, { teamDomain, audience }, accessKeys(c.env), now());
    } catch (error) {
      throw new ApiError(503, "access_keys_unavailable", `Cloudflare Access's signing keys could not be fetched: ${String((error as Error)?.message ?? error)}`);
    }
    if (!verified.valid) throw new ApiError(401, verified.reason, `the Access token was refused: ${verified.reason.replaceAll("_", " ")}`);
    const admin = await activeAdminByEmail(c.env, verified.email);
    if (!admin) throw new ApiError(403, "not_an_admin", "this Access identity is not an active LoyalNest admin");
    c.set("admin", admin);
    await next();
  });
}

/** The route's permission; checked after accessAuth. */
export function requirePermission(permission: AdminPermission) {
  return createMiddleware<App>(async function requirePermission(c, next) {
    const admin = c.get("admin");
    if (!can(admin.role, permission)) {
      throw new ApiError(403, "permission_denied", `the ${admin.role} role may not ${permission.replace(".", " ")}`);
    }
    await next();
  });
}
