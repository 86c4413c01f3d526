// The root app: every surface mounted, one error envelope, one 404, the OpenAPI document.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { App } from "./http/context";
import { errorBody } from "./http/envelope";
import { merchant } from "./merchant";
import { admin } from "./admin";
import { consoleSite } from "./admin/console-site";
import { storefront } from "./storefront";
import { checkout } from "./checkout";
import { webhooks } from "./webhooks";
import { integrations } from "./integrations";
import { benchFloor } from "./bench-floor";
import { auth } from "./auth";
import { gdprDownload } from "./gdpr-download";
import { exportDownload } from "./export-download";
import { requireConfig } from "./http/require-config";
import { dashboardCors } from "./http/dashboard-cors";
import { apiLog } from "./http/api-log";
import { log } from "../core/log";

export const app = new OpenAPIHono<App>();

// First, so every answer is logged, a 503 for missing configuration included.
app.use(apiLog());
app.use(requireConfig());
app.use("/v1/api/*", dashboardCors());
app.use("/auth/*", dashboardCors()); // the dashboard installs the shop on its first open

app.route("/", webhooks);
app.route("/", integrations);
app.route("/", gdprDownload);
app.route("/", exportDownload);
app.route("/proxy/v1/api", storefront);
app.route("/checkout/v1/api", checkout);
app.route("/v1/api", merchant);
app.route("/auth", auth);
app.route("/admin", admin);
// The admin console's page and scripts, behind the same Access check as /admin (workers/admin/console-site.ts).
app.route("/console", consoleSite);

app.route("/bench/floor", benchFloor);

app.get("/health", (c) => c.json({ status: "ok", error: null }));

app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "LoyalNest API", version: "1.0.0", description: "Loyalty and rewards for Shopify merchants." },
});

app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

app.onError((error, c) => {
  if (error instanceof HTTPException) {
    const res = error.getResponse();
    if (res.headers.get("content-type")?.includes("application/json")) return res;
    // Hono's own exceptions (e.g. malformed bodies) get the envelope too.
    return c.json(errorBody(error.status === 400 ? "invalid_request" : "http_error", error.message || res.statusText), error.status);
  }
  log.error("unhandled error", c.req.method, c.req.path, error);
  return c.json(errorBody("internal_error", "something went wrong on our side"), 500);
});
