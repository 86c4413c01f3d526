// GET /v1/api/customers/:id/tier: the VIP tier a customer holds now, for the dashboard's profile.
// Evaluated by the customer's object (like the storefront's /vip-tiers/status), named in English:
// tier names are the merchant's own words, and the dashboard shows the shop's default language.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { displayThreshold, tierText } from "../../core/tiers";
import { customerStanding } from "../storefront/vip-tiers";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { findProfile } from "./known-customer";

const Threshold = z.union([z.number().int(), z.string()]);

const CustomerTierSchema = z
  .object({
    basis: z.enum(["points", "spend"]),
    tier: z.object({ id: z.string(), name: z.string(), earn_multiplier: z.number() }).nullable(),
    /** Points, or money (a decimal string) for a spend basis, counted in the program's period. */
    value: Threshold,
    keeps_until: z.string().nullable(),
  })
  .openapi("CustomerTier");

export function registerCustomerTierRoute(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/customers/{id}/tier",
      summary: "The VIP tier the customer holds now and their qualifying value",
      request: { params: z.object({ id: z.string().regex(/^\d{1,20}$/, "customer id must be Shopify's numeric id") }) },
      responses: {
        200: { description: "The tier held (null: none)", content: { "application/json": { schema: okEnvelope({ standing: CustomerTierSchema }) } } },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const { id } = c.req.valid("param");
      // As for the customer detail: an id the projection does not know gets no object made for it.
      if ((await findProfile(c, shop, id)) === null) throw new ApiError(404, "customer_not_found", `no customer ${id} in this shop`);
      const { program, tiers, held } = await customerStanding(c.env, shop, id);
      const basis = program.tier_policy.basis;
      const current = tiers.find((t) => t.id === held.tier_id) ?? null;
      return c.json(
        ok({
          standing: {
            basis,
            tier: current && { id: current.id, name: tierText(current, "en").name, earn_multiplier: current.earn_multiplier },
            value: displayThreshold(basis, held.value),
            keeps_until: held.keeps_until,
          },
        }),
        200,
      );
    },
  );
}
