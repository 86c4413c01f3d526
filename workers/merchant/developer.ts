// The developer toolkit's API: GET /v1/api/developer/metafields (what the app writes to Shopify
// for themes, the discount Function and Shopify Flow, and how to read each) and
// GET /v1/api/developer/connectivity (a live call to the shop's Admin API: the app's installation
// and the widget settings metafield as Shopify holds it, compared with what the settings say).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { CUSTOMER_TIER_METAFIELD, DISCOUNT_CONFIG_METAFIELD } from "../../core/discount-function-config";
import { publishedWidgetSettings, serializeWidgetSettings, WIDGET_SETTINGS_METAFIELD } from "../../core/widget-settings";
import { currentStoreSettings } from "../../d1/store-settings";
import { adminGraphql } from "../shopify/admin-graphql";
import { failed } from "../shopify/discount-function";
import type { App } from "../http/context";
import { errorResponses, ok, okEnvelope } from "../http/envelope";

/** A connectivity test is a dashboard request: it gives up rather than hold the merchant. */
export const CONNECTIVITY_DEADLINE_MS = 8_000;

const MetafieldSchema = z.object({
  namespace: z.string(),
  key: z.string(),
  type: z.string(),
  owner: z.enum(["AppInstallation", "DiscountAutomaticNode", "Customer"]),
  /** Who reads it. */
  read_by: z.array(z.enum(["theme", "discount_function", "shopify_flow", "liquid"])),
  /** When the app writes it. */
  written_when: z.string(),
  /** How a theme, the Function or a Flow condition reaches it. */
  access: z.string(),
});

/** The metafields the app writes: core/widget-settings.ts, core/discount-function-config.ts. */
export const APP_METAFIELDS: z.infer<typeof MetafieldSchema>[] = [
  {
    ...WIDGET_SETTINGS_METAFIELD,
    owner: "AppInstallation",
    read_by: ["theme"],
    written_when: "Every save of the store settings (branding, languages, surfaces), through the jobs queue; skipped when unchanged.",
    access: `{{ app.metafields['${WIDGET_SETTINGS_METAFIELD.namespace}'].${WIDGET_SETTINGS_METAFIELD.key} }} in the theme app embed`,
  },
  {
    ...DISCOUNT_CONFIG_METAFIELD,
    owner: "DiscountAutomaticNode",
    read_by: ["discount_function"],
    written_when: "When tiers' perks change and at every campaign start and end.",
    access: `The discount Function's input query: discountNode { metafield(namespace: "${DISCOUNT_CONFIG_METAFIELD.namespace}", key: "${DISCOUNT_CONFIG_METAFIELD.key}") }`,
  },
  {
    ...CUSTOMER_TIER_METAFIELD,
    owner: "Customer",
    read_by: ["discount_function", "shopify_flow", "liquid"],
    written_when: "When a customer's VIP tier changes (deleted when they hold none).",
    access: `Customer metafield ${CUSTOMER_TIER_METAFIELD.namespace}.${CUSTOMER_TIER_METAFIELD.key}: a Shopify Flow condition on the customer, or {{ customer.metafields['${CUSTOMER_TIER_METAFIELD.namespace}']['${CUSTOMER_TIER_METAFIELD.key}'] }} in Liquid`,
  },
];

const INSTALLATION = `query LoyalNestConnectivity {
  currentAppInstallation { id metafield(namespace: "${WIDGET_SETTINGS_METAFIELD.namespace}", key: "${WIDGET_SETTINGS_METAFIELD.key}") { value } }
}`;

const ConnectivitySchema = z.object({
  /** Whether Shopify's Admin API answered for this shop with the app's token. */
  ok: z.boolean(),
  checked_at: z.string(),
  latency_ms: z.number().int(),
  installation_id: z.string().nullable(),
  /** Why it failed: `rejected` (Shopify refused: a scope, the token) or `unavailable` (try again). */
  failure: z.object({ kind: z.enum(["rejected", "unavailable"]), message: z.string() }).nullable(),
  widget_settings: z
    .object({
      /** What the theme reads now (null: never published). */
      published: z.unknown().nullable(),
      /** What the current settings publish; differs from `published` until the queued publish lands. */
      expected: z.unknown(),
      in_sync: z.boolean(),
    })
    .nullable(),
});

export function registerDeveloperRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/developer/metafields",
      summary: "The metafields the app writes for themes, the discount Function and Shopify Flow, and how to read each",
      responses: {
        200: { description: "The metafields", content: { "application/json": { schema: okEnvelope({ metafields: z.array(MetafieldSchema) }) } } },
        ...errorResponses(401, 403, 429),
      },
    }),
    (c) => c.json(ok({ metafields: APP_METAFIELDS }), 200),
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/developer/connectivity",
      summary: "Test the app's connection to the shop's Admin API: the installation and the widget settings metafield as Shopify holds it",
      description: `Changes nothing. Gives up after ${CONNECTIVITY_DEADLINE_MS / 1000} s; a failure is answered (200, ok false) with its reason.`,
      responses: {
        200: { description: "The result", content: { "application/json": { schema: okEnvelope({ connectivity: ConnectivitySchema }) } } },
        ...errorResponses(401, 403, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const { settings } = await currentStoreSettings(c.env, shop);
      const expected = publishedWidgetSettings(settings);
      const started = Date.now();
      const checked_at = new Date(started).toISOString();
      try {
        type Installation = { currentAppInstallation: { id: string; metafield: { value: string } | null } | null };
        const { data } = await adminGraphql<Installation>(c.env, shop, INSTALLATION, undefined, { deadline: started + CONNECTIVITY_DEADLINE_MS, estimatedCost: 2 });
        const installation = data.currentAppInstallation;
        const value = installation?.metafield?.value ?? null;
        return c.json(
          ok({
            connectivity: {
              ok: installation !== null,
              checked_at,
              latency_ms: Date.now() - started,
              installation_id: installation?.id ?? null,
              failure: installation ? null : { kind: "rejected" as const, message: "Shopify answered with no installation of the app for this shop" },
              widget_settings: { published: value === null ? null : parseJson(value), expected, in_sync: value === serializeWidgetSettings(expected) },
            },
          }),
          200,
        );
      } catch (error) {
        const outcome = failed(error);
        return c.json(
          ok({
            connectivity: { ok: false, checked_at, latency_ms: Date.now() - started, installation_id: null, failure: { kind: outcome.kind, message: outcome.reason }, widget_settings: null },
          }),
          200,
        );
      }
    },
  );
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
