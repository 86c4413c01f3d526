// POST /admin/points/adjust: the merchant's adjustment (workers/merchant/points.ts) done by an
// admin for any shop: the same call on the customer's object, with the admin as its actor, so
// the ledger entry, the never-below-zero rule, the Idempotency-Key and the customer's
// notification (a positive adjustment is points_earned news, sent on the channels the shop
// has turned on, through the same outbox and notifications queue) are the merchant's own.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { getProgram, getShop } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { idempotencyKey } from "../http/idempotency-key";
import { findProfile } from "../merchant/known-customer";
import { ADJUSTMENT_FIELDS } from "../merchant/points";
import { requirePermission } from "./auth";
import { ShopDomain } from "./shop-param";

export function registerAdminPointsRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "post",
      path: "/points/adjust",
      summary: "Add or remove a customer's points in any shop (as the merchant's adjustment, recorded with the admin's id)",
      description: "Send an Idempotency-Key header: the same key applies the adjustment once.",
      middleware: [requirePermission("points.adjust")],
      request: {
        headers: z.object({ "idempotency-key": z.string().optional() }),
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  shop: ShopDomain,
                  customer_id: z.string().regex(/^\d{1,20}$/, "customer id must be Shopify's numeric id"),
                  ...ADJUSTMENT_FIELDS,
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "Applied (or already applied under this key)",
          content: {
            "application/json": {
              schema: okEnvelope({ shop: z.string(), customer_id: z.string(), entry_id: z.string(), points: z.number().int(), points_balance: z.number().int(), duplicate: z.boolean() }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const actor = c.get("admin");
      const { shop, customer_id, points, reason } = c.req.valid("json");
      if (!(await getShop(c.env, shop))) throw new ApiError(404, "shop_not_found", `no shop ${shop}`);
      if ((await findProfile(c, shop, customer_id)) === null) throw new ApiError(404, "customer_not_found", `no customer ${customer_id} in ${shop}`);
      // The admin's keys live apart from the merchant's: the same header value never collides.
      const requestKey = `admin:${actor.id}:${idempotencyKey(c.req.header("idempotency-key"))}`;
      const account = customerAccount(c.env, shop, customer_id);
      const result = await account.adjust({
        shop,
        customerId: customer_id,
        requestKey,
        points,
        reason,
        actor: { type: "admin", id: actor.id },
        program: await getProgram(c.env, shop),
      });
      if (result.outcome === "insufficient_points") throw new ApiError(422, "insufficient_points", `cannot remove ${-points} points: the balance is ${result.balance}`);
      if (result.outcome === "key_reused") throw new ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different adjustment");
      // The audit_logs row (admin, before and after balance) comes from the object's outbox in
      // the same transaction as the entry: written once, however often this request is retried.
      const duplicate = result.outcome === "duplicate";
      return c.json(ok({ shop, customer_id, entry_id: result.entry_id, points: result.points, points_balance: result.balance, duplicate }), 200);
    },
  );
}
