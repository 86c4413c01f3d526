// Spending points from the widget: redeem a reward for a Shopify discount code, and read back
// one's codes and history. The saga itself runs in the customer's object; this surface checks
// the request, resolves the reward from the catalog and turns outcomes into answers.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { storefrontLanguage } from "./language";
import { localizeReward, redemptionTerms } from "../../core/rewards";
import { getReward } from "../../d1/rewards";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { ApiError, ErrorEnvelopeSchema, errorBody, errorResponses, ok, okEnvelope } from "../http/envelope";
import { idempotencyKey } from "../http/idempotency-key";
import { requireCustomer } from "./auth";
import { proxyQuery } from "./proxy-query";

const RedemptionSchema = z
  .object({
    redemption_id: z.string(),
    reward_id: z.string(),
    title: z.string(),
    type: z.string(),
    points: z.number().int(),
    status: z.enum(["pending", "issued", "used", "expired", "failed", "cancelled"]),
    discount_code: z.string().nullable(),
    expires_at: z.string().nullable(),
    created_at: z.string(),
    failure_reason: z.string().nullable(),
  })
  .openapi("Redemption");

const TransactionSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    points: z.number().int(),
    balance_after: z.number().int(),
    note: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("ShopperTransaction");

const RedeemFailureSchema = ErrorEnvelopeSchema.extend({
  redemption_id: z.string(),
  points_balance: z.number().int(),
}).openapi("RedeemFailure");

const RedeemResultSchema = okEnvelope({
  redemption_id: z.string(),
  discount_code: z.string().nullable(),
  redemption: RedemptionSchema,
  points_balance: z.number().int(),
});

export function registerRedemptionRoutes(storefront: OpenAPIHono<App>): void {
  const redeemRoute = createRoute({
    method: "post",
    path: "/rewards/redeem",
    summary: "Spend points on a reward: answers the discount code, once",
    description:
      "Send an Idempotency-Key (header, or the idempotency_key query parameter, which the App Proxy signs; one per confirmed click): a retry with the same key answers the same redemption. " +
      "202 means Shopify has not confirmed yet: the points are held and come back if no code was made.",
    request: {
      query: proxyQuery.extend({
        locale: z.string().max(20).optional(),
        // The App Proxy forwards (and signs) the query; the header is for direct callers.
        idempotency_key: z.string().optional(),
      }),
      headers: z.object({ "idempotency-key": z.string().optional() }),
      body: {
        required: true,
        content: {
          "application/json": {
            schema: z
              .object({
                reward_id: z.string().min(1).max(64),
                points: z.number().int().min(1).max(10_000_000).optional(),
              })
              .strict(),
          },
        },
      },
    },
    responses: {
      200: { description: "The code was created", content: { "application/json": { schema: RedeemResultSchema } } },
      202: { description: "Points held; Shopify has not confirmed the code yet", content: { "application/json": { schema: RedeemResultSchema } } },
      502: {
        description: "Shopify failed or refused: the redemption failed and its points were given back",
        content: { "application/json": { schema: RedeemFailureSchema } },
      },
      ...errorResponses(400, 401, 403, 404, 409, 422, 429),
    },
  });

  storefront.openapi(redeemRoute, async (c) => {
    const proxy = c.get("proxy");
    const customerId = requireCustomer(proxy);
    const requestKey = idempotencyKey(c.req.header("idempotency-key") ?? c.req.valid("query").idempotency_key);
    const { reward_id, points } = c.req.valid("json");
    const [reward, program, language] = await Promise.all([
      getReward(c.env, proxy.shop, reward_id),
      getProgram(c.env, proxy.shop),
      storefrontLanguage(c.env, proxy.shop, c.req.valid("query").locale),
    ]);
    if (!reward) throw new ApiError(404, "reward_not_found", `no reward ${reward_id} in this shop`);
    if (!reward.enabled) throw new ApiError(409, "reward_disabled", "this reward is no longer offered");
    const terms = redemptionTerms(reward, points);
    if ("code" in terms) throw new ApiError(422, terms.code, terms.message);
    const result = await customerAccount(c.env, proxy.shop, customerId).redeem({
      shop: proxy.shop,
      customerId,
      requestKey,
      reward: {
        reward_id: reward.reward_id,
        version: reward.version,
        type: reward.type,
        title: localizeReward(reward, language).title,
        code_expiry_days: reward.code_expiry_days,
        min_order_subtotal: reward.min_order_subtotal,
      },
      terms,
      program,
    });
    switch (result.outcome) {
      case "insufficient_points":
        throw new ApiError(422, "insufficient_points", `this reward needs ${result.needed} points; you have ${result.balance}`);
      case "key_reused":
        throw new ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different redemption");
      case "failed": {
        const rejected = result.redemption.failure_reason?.startsWith("shopify_rejected") ?? false;
        return c.json(
          {
            ...errorBody(
              rejected ? "shopify_rejected" : "shopify_unavailable",
              "the store could not create your code just now; your points were not spent",
            ),
            redemption_id: result.redemption.redemption_id,
            points_balance: result.balance,
          },
          502,
        );
      }
      default: {
        const body = ok({
          redemption_id: result.redemption.redemption_id,
          discount_code: result.redemption.discount_code,
          redemption: result.redemption,
          points_balance: result.balance,
        });
        return result.outcome === "pending" ? c.json(body, 202) : c.json(body, 200);
      }
    }
  });

  const historyRoute = createRoute({
    method: "get",
    path: "/customer/history",
    summary: "The signed-in shopper's reward codes and points history, newest first",
    request: { query: proxyQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
    responses: {
      200: {
        description: "Codes and ledger",
        content: {
          "application/json": {
            schema: okEnvelope({ redemptions: z.array(RedemptionSchema), transactions: z.array(TransactionSchema) }),
          },
        },
      },
      ...errorResponses(400, 401, 403, 429),
    },
  });

  storefront.openapi(historyRoute, async (c) => {
    const proxy = c.get("proxy");
    const customerId = requireCustomer(proxy);
    const { redemptions, transactions } = await customerAccount(c.env, proxy.shop, customerId).history(c.req.valid("query").limit);
    return c.json(
      ok({
        redemptions,
        transactions: transactions.map(({ id, kind, points, balance_after, note, created_at }) => ({ id, kind, points, balance_after, note, created_at })),
      }),
      200,
    );
  });
}
