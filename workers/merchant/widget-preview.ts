// GET /v1/api/widget/preview-config?language=: the widget config the shop's shoppers are served
// (GET /proxy/v1/api/widget/config) in any language the widget has strings for, offered or not,
// for the dashboard's live preview. The dashboard lays the unsaved settings over it and renders the
// widget's own views with it; the merchant's session reaches it, which the App Proxy route cannot.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { STORE_LANGUAGES } from "../../core/store-settings";
import { widgetConfigIn, widgetConfigParts } from "../storefront/index";
import type { App } from "../http/context";
import { errorResponses, ok, okEnvelope } from "../http/envelope";

export function registerWidgetPreviewRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/widget/preview-config",
      summary: "The widget config as the storefront serves it, in a language of the merchant's choosing (the dashboard's preview)",
      description: "The PostHog key is left out: the preview never loads analytics.",
      request: { query: z.object({ language: z.enum(STORE_LANGUAGES).optional() }) },
      responses: {
        200: {
          description: "The config the widget would get",
          content: { "application/json": { schema: okEnvelope({ config: z.record(z.string(), z.unknown()) }) } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const parts = await widgetConfigParts(c.env, c.get("session").shop);
      const language = c.req.valid("query").language ?? parts.settings.default_language;
      const { analytics: _left, ...config } = widgetConfigIn(parts, language);
      return c.json(ok({ config }), 200);
    },
  );
}
