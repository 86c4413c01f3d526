// The mandatory compliance topics (shopify.app.toml compliance_topics). Each is recorded in
// gdpr_requests (D1) before the 200, holding only ids, never the payload's email or phone,
// and run off the request path by the jobs queue (queues/gdpr.ts); the sweeper re-sends a
// request still open after a few minutes, so a lost queue message delays it, never drops it.
import { customerKeyedHash, dataKeys } from "../core/crypto";
import { CustomerRedactPayloadSchema, DataRequestPayloadSchema, ShopRedactPayloadSchema } from "../core/gdpr";
import { recordGdprRequest, type NewGdprRequest } from "../d1/gdpr-requests";
import { queueGdprRequest } from "../queues/gdpr-dispatch";
import { topic, type TopicContext, type TopicOutcome } from "./topic";

export const complianceTopics = {
  // customers/data_request → queues/gdpr.ts buildBundle: a sealed JSON bundle in R2, the merchant told
  "customers/data_request": topic({
    schema: DataRequestPayloadSchema,
    needsInstalledShop: false,
    async apply(ctx, payload) {
      return record(ctx, {
        type: "data_request",
        customerId: payload.customer.id,
        orders: payload.orders_requested,
        shopifyRequestId: payload.data_request?.id ?? null,
      });
    },
  }),
  // customers/redact → queues/gdpr.ts redactCustomer: the customer erased from every store
  "customers/redact": topic({
    schema: CustomerRedactPayloadSchema,
    needsInstalledShop: false,
    async apply(ctx, payload) {
      return record(ctx, { type: "redact", customerId: payload.customer.id, orders: payload.orders_to_redact, shopifyRequestId: null });
    },
  }),
  // shop/redact (48 h after uninstall) → queues/gdpr.ts redactShop: the whole shop erased
  "shop/redact": topic({
    schema: ShopRedactPayloadSchema,
    needsInstalledShop: false,
    async apply(ctx) {
      return record(ctx, { type: "shop_redact", customerId: null, orders: [], shopifyRequestId: null });
    },
  }),
};

async function record(
  { env, shop, delivery }: TopicContext,
  request: Pick<NewGdprRequest, "type" | "customerId" | "orders" | "shopifyRequestId">,
): Promise<TopicOutcome> {
  const keys = await dataKeys(env.ENCRYPTION_KEY);
  const customerHash = request.customerId ? await customerKeyedHash(keys, shop, request.customerId) : null;
  const { row, fresh } = await recordGdprRequest(env, { ...request, shop, requestedBy: "shopify", sourceId: `webhook:${delivery.id}`, customerHash });
  if (fresh) await queueGdprRequest(env, row.shop, row.id);
  return { outcome: "recorded", points: 0, balance: 0 };
}
