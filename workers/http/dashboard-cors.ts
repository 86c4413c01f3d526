// The dashboard is a Cloudflare Pages project on its own origin (dashboard/wrangler.toml), so in
// production its calls to /v1/api (and /auth, to install) are cross-origin, with the session token in the Authorization
// header (no cookies). The token authenticates; CORS only lets the dashboard's own pages read the
// answers: exactly DASHBOARD_ORIGIN, no other origin. In dev the admin frame proxies /v1/api, so
// the app is same-origin and this never applies.
import { cors } from "hono/cors";
import type { Context } from "hono";
import type { App } from "./context";

export function dashboardCors() {
  return cors({
    origin: (origin: string, c: Context<App>) => (origin !== "" && origin === c.env.DASHBOARD_ORIGIN ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
    maxAge: 86_400,
  });
}
