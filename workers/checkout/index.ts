// The API of the checkout UI extensions (extensions/loyalnest-thank-you): /checkout/v1/api/...
// Authenticated by the extension's session token; answered with CORS for Shopify's checkout.
import { createRoute, z } from "@hono/zod-openapi";
import { orderGidFrom, orderPoints, signupPoints } from "../../core/order-points";
import { parseAmountToMills } from "../../core/money";
import { RATE_LIMITS } from "../../core/rate-limits";
import { shopperLanguage, STORE_LANGUAGES } from "../../core/store-settings";
import { storefrontProgram } from "../../core/ways-to-earn";
import { campaignsForEarning } from "../../d1/campaigns";
import { getProgram } from "../../d1/shops";
import { getStoreSettings } from "../../d1/store-settings";
import { shopTiers } from "../../d1/vip-tiers";
import { customerAccount } from "../../durable-objects/stubs";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { rateLimit } from "../http/rate-limit";
import { createSurface } from "../http/surface";
import { checkoutTokenAuth } from "./auth";
import { checkoutCors } from "./cors";

const OrderPointsQuery = z.object({
  /** `shopify.orderConfirmation.order.id` (an OrderIdentity gid), an Order gid, or the digits. */
  order_id: z.string().min(1).max(100),
  /** The subtotal the page shows ("49.90"), for the forecast while the order has not earned yet. */
  subtotal: z.string().regex(/^\d{1,13}(?:\.\d{1,3})?$/, "must be a decimal amount like 49.90").optional(),
  /** The checkout's language (`shopify.localization.language`), among the shop's languages. */
  locale: z.string().max(20).optional(),
});

const orderPointsRoute = createRoute({
  method: "get",
  path: "/order-points",
  summary: "What the order on the thank-you page earned, or will earn, and what joining earns a guest",
  request: { query: OrderPointsQuery },
  responses: {
    200: {
      description: "The order's points",
      content: {
        "application/json": {
          schema: okEnvelope({
            /** False while the merchant has the post-purchase prompt off or the program is off: show nothing. */
            shown: z.boolean(),
            language: z.enum(STORE_LANGUAGES),
            /** The merchant's heading in `language`, null for the extension's own. */
            title: z.string().nullable(),
            order: z.object({
              state: z.enum(["earned", "pending", "guest"]),
              points: z.number().int().nullable(),
              estimated: z.boolean(),
            }),
            /** Points for creating an account (0: none offered). */
            signup_points: z.number().int(),
            points_name: z.object({ singular: z.string(), plural: z.string() }),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 429),
  },
});

export const checkout = createSurface([
  checkoutTokenAuth(),
  rateLimit([
    { rule: RATE_LIMITS.storefrontCustomer, key: (c) => (c.get("checkout").customerId ? `${c.get("checkout").shop}:${c.get("checkout").customerId}` : null) },
    { rule: RATE_LIMITS.storefrontShop, key: (c) => c.get("checkout").shop },
  ]),
]);

// Before the guards: a preflight carries no token, and a refusal must be readable by the page.
checkout.use("*", checkoutCors());

checkout.openapi(orderPointsRoute, async (c) => {
  const { shop, customerId } = c.get("checkout");
  const query = c.req.valid("query");
  const orderGid = orderGidFrom(query.order_id);
  if (!orderGid) throw new ApiError(400, "invalid_order_id", "order_id must be the order's gid (gid://shopify/OrderIdentity/…) or its digits");
  const account = customerId === null ? null : customerAccount(c.env, shop, customerId);
  const [program, campaigns, settings, tiers, standing, recorded] = await Promise.all([
    getProgram(c.env, shop),
    campaignsForEarning(c.env, shop),
    getStoreSettings(c.env, shop),
    customerId === null ? [] : shopTiers(c.env, shop),
    account && customerId ? account.standing({ shop, customerId }) : null,
    // Only the signed-in customer's own account is read: another's order is simply not in it.
    account ? account.orderPoints(orderGid) : null,
  ]);
  const language = shopperLanguage(settings, query.locale);
  const order = orderPoints({
    program,
    campaigns,
    tier: tiers.find((t) => t.id === standing?.held.tier_id) ?? null,
    customerId,
    recorded,
    subtotalMills: query.subtotal === undefined ? null : parseAmountToMills(query.subtotal),
    now: Date.now(),
  });
  return c.json(
    ok({
      shown: settings.storefront.surfaces.post_purchase && program.enabled,
      language,
      title: settings.storefront.copy[language]?.post_purchase_title ?? null,
      order,
      signup_points: signupPoints(program),
      points_name: storefrontProgram(program, language).currency,
    }),
    200,
  );
});
