// Every surface is an OpenAPIHono sub-app whose zod validation failures answer with the
// envelope (400, code `invalid_request`).
import { OpenAPIHono } from "@hono/zod-openapi";
import type { App } from "./context";
import { errorBody } from "./envelope";

export function createSurface(): OpenAPIHono<App> {
  return new OpenAPIHono<App>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
        return c.json(errorBody("invalid_request", `${where}${issue?.message ?? "invalid input"}`), 400);
      }
    },
  });
}
