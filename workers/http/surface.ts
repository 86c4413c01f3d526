// Every surface is an OpenAPIHono sub-app whose zod validation failures answer with the
// envelope (400, code `invalid_request`), and whose guards (its authentication) run on each of
// its own routes, and only those: a `use("*")` would also sit in front of every route another
// surface mounts under the same prefix (the webhook route lives under the merchant's /v1/api),
// so what a request met would depend on the order surfaces were mounted in.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { App } from "./context";
import { errorBody } from "./envelope";

export function createSurface(guards: MiddlewareHandler<App>[] = []): OpenAPIHono<App> {
  const surface = new OpenAPIHono<App>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue?.path.length ? issue.path.join(".") : undefined;
        return c.json(errorBody("invalid_request", `${field ? `${field}: ` : ""}${issue?.message ?? "invalid input"}`, field), 400);
      }
    },
  });
  if (guards.length === 0) return surface;
  // Guards go before the route's own middleware and its validators: an unauthenticated
  // request is refused (401) before its input is judged.
  const register = surface.openapi;
  surface.openapi = ((route, handler, hook) => {
    const own = route.middleware ? (Array.isArray(route.middleware) ? route.middleware : [route.middleware]) : [];
    return register({ ...route, middleware: [...guards, ...own] }, handler, hook);
  }) as typeof surface.openapi;
  return surface;
}
