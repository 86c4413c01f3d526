// POST /proxy/v1/api/referrals/complete: the signed-in shopper (the friend) binds the referral
// code the widget captured from a referral link. The friend's account decides everything
// (durable-objects/customer-account.ts bindReferral): the webhook paths (the order's cart
// attribute, the signup form's note) end in the same account, so the two can race and still
// make one referral. The shopper comes only from the App Proxy signature, never the body.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { dataKeys } from "../../core/crypto";
import { ReferralStatusSchema } from "../../core/referral-config";
import { sourceFingerprints } from "../../core/referral-identity";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requireCustomer } from "./auth";
import { proxyQuery } from "./proxy-query";

const CompleteReferralSchema = z
  .object({
    code: z.string().min(1).max(40),
    /** The widget's random id for this browser (localStorage): the device velocity check. */
    device_id: z.string().min(8).max(64).optional(),
  })
  .strict()
  .openapi("CompleteReferralInput");

const ShopperReferralSchema = z.object({ id: z.string(), status: ReferralStatusSchema }).openapi("ShopperReferral");

/** Shopify's App Proxy puts the shopper's IP first in X-Forwarded-For. */
function shopperIp(header: string | undefined): string | null {
  const first = header?.split(",")[0]?.trim();
  return first ? first : null;
}

export function registerReferralCompleteRoute(storefront: OpenAPIHono<App>): void {
  storefront.openapi(
    createRoute({
      method: "post",
      path: "/referrals/complete",
      summary: "Bind the signed-in shopper to the referral code they arrived with",
      description:
        "Answers the referral and its status (pending until it completes, or completed, held or rejected). The same code again answers the same referral; " +
        "400 invalid_code (not a code), unknown_code (no such code in the shop), own_code (the shopper's own); 409 already_referred (bound to another code before); " +
        "403 referrals_disabled.",
      request: { query: proxyQuery, body: { required: true, content: { "application/json": { schema: CompleteReferralSchema } } } },
      responses: {
        200: { description: "The shopper's referral", content: { "application/json": { schema: okEnvelope({ referral: ShopperReferralSchema }) } } },
        ...errorResponses(400, 401, 403, 409, 429),
      },
    }),
    async (c) => {
      const proxy = c.get("proxy");
      const customerId = requireCustomer(proxy);
      const { code, device_id } = c.req.valid("json");
      const [program, keys] = await Promise.all([getProgram(c.env, proxy.shop), dataKeys(c.env.ENCRYPTION_KEY)]);
      const source = await sourceFingerprints(keys, proxy.shop, { ip: shopperIp(c.req.header("x-forwarded-for")), device: device_id ?? null });
      const result = await customerAccount(c.env, proxy.shop, customerId).bindReferral({ shop: proxy.shop, customerId, code, via: "endpoint", program, source });
      switch (result.outcome) {
        case "bound":
        case "existing":
          return c.json(ok({ referral: { id: result.referral.id, status: result.referral.status } }), 200);
        case "already_referred":
          throw new ApiError(409, "already_referred", "you were already referred with another code");
        case "disabled":
          throw new ApiError(403, "referrals_disabled", "this store's referral program is off");
        case "invalid_code":
          throw new ApiError(400, "invalid_code", "that is not a referral code");
        case "unknown_code":
          throw new ApiError(400, "unknown_code", "no referral code like that in this store");
        case "own_code":
          throw new ApiError(400, "own_code", "that is your own referral code: share it with a friend");
      }
    },
  );
}
