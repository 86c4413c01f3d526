// What each subscribed topic does. Shared by the webhook route (first delivery) and the
// ingest consumer (inbox re-drives), so a topic behaves the same on either path.
import { z } from "zod";
import { dataKeys, emailBlindIndex, emailContext, encryptText } from "../../core/crypto";
import {
  CustomerPayloadSchema,
  OrderPayloadSchema,
  RefundPayloadSchema,
  digitsOfGid,
  toOrderEvent,
  toRefundEvent,
} from "../../core/webhook-payloads";
import { customerForOrder, GUEST, indexOrders, redriveWaitingFor } from "../../d1/inbox";
import { getProgram, markUninstalled } from "../../d1/shops";
import type { Delivery, EffectResult } from "../../durable-objects/customer-account-types";
import { customerAccount } from "../../durable-objects/stubs";

export type TopicOutcome =
  | EffectResult
  | { outcome: "ignored"; reason: string }
  /** Not applicable now: goes to (or stays in) the durable inbox. */
  | { outcome: "deferred"; reason: string; orderGid: string | null };

export interface TopicContext {
  env: Env;
  shop: string;
  delivery: Delivery;
  /** True when the ingest consumer re-drives an inbox entry. */
  fromInbox: boolean;
}

interface Topic<S extends z.ZodTypeAny> {
  schema: S;
  apply(ctx: TopicContext, payload: z.infer<S>): Promise<TopicOutcome>;
}

const topic = <S extends z.ZodTypeAny>(t: Topic<S>) => t;

export const TOPICS = {
  // shopify.app.toml: orders/paid → earn
  "orders/paid": topic({
    schema: OrderPayloadSchema,
    async apply({ env, shop, delivery }, payload) {
      const order = toOrderEvent(payload);
      if (!order.customerId) {
        // Indexed as a guest order so its refunds are recognised (and ignored), not parked;
        // one that arrived first is released now.
        const guestOrder = { shop, orderGid: order.orderGid, customerId: GUEST };
        if ((await indexOrders(env, [guestOrder])).length > 0) await redriveWaitingFor(env, [guestOrder]);
        return { outcome: "ignored", reason: "guest_order" };
      }
      const program = await getProgram(env, shop);
      return customerAccount(env, shop, order.customerId).orderPaid({
        shop,
        customerId: order.customerId,
        delivery,
        orderGid: order.orderGid,
        baseMills: order.baseMills,
        program,
      });
    },
  }),
  // orders/cancelled → reverse what the order earned
  "orders/cancelled": topic({
    schema: OrderPayloadSchema,
    async apply({ env, shop, delivery }, payload) {
      const order = toOrderEvent(payload);
      if (!order.customerId) return { outcome: "ignored", reason: "guest_order" };
      return customerAccount(env, shop, order.customerId).orderCancelled({
        shop,
        customerId: order.customerId,
        delivery,
        orderGid: order.orderGid,
      });
    },
  }),
  // refunds/create → reverse the refunded share; the payload names only the order
  "refunds/create": topic({
    schema: RefundPayloadSchema,
    async apply({ env, shop, delivery }, payload) {
      const refund = toRefundEvent(payload);
      const customerId = await customerForOrder(env, shop, refund.orderGid);
      if (customerId === null) return { outcome: "deferred", reason: "order_not_seen", orderGid: refund.orderGid };
      if (customerId === GUEST) return { outcome: "ignored", reason: "guest_order" };
      return customerAccount(env, shop, customerId).refundCreated({
        shop,
        customerId,
        delivery,
        orderGid: refund.orderGid,
        refundGid: refund.refundGid,
        refundedMills: refund.refundedMills,
      });
    },
  }),
  // customers/create → signup bonus and the customer's profile (email encrypted)
  "customers/create": topic({
    schema: CustomerPayloadSchema,
    async apply({ env, shop, delivery }, payload) {
      const customerId = digitsOfGid(payload.admin_graphql_api_id);
      const keys = await dataKeys(env.ENCRYPTION_KEY);
      const email = payload.email?.trim() || null;
      const program = await getProgram(env, shop);
      return customerAccount(env, shop, customerId).customerCreated({
        shop,
        customerId,
        delivery,
        customerGid: payload.admin_graphql_api_id,
        program,
        profile: {
          email_encrypted: email ? await encryptText(keys, email, emailContext(shop, customerId)) : null,
          email_blind_index: email ? await emailBlindIndex(keys, shop, email) : null,
          first_name: payload.first_name ?? null,
          last_name: payload.last_name ?? null,
          shopify_created_at: payload.created_at ?? null,
        },
      });
    },
  }),
  // app/uninstalled → shop-level: through the inbox, then the shop is marked uninstalled
  "app/uninstalled": topic({
    schema: z.object({}).passthrough(),
    async apply({ env, shop, fromInbox }) {
      if (!fromInbox) return { outcome: "deferred", reason: "shop_level_topic", orderGid: null };
      await markUninstalled(env, shop);
      return { outcome: "recorded", points: 0, balance: 0 };
    },
  }),
} satisfies Record<string, Topic<z.ZodTypeAny>>;

export type TopicName = keyof typeof TOPICS;

export function isTopic(name: string): name is TopicName {
  return Object.hasOwn(TOPICS, name);
}

export type Parsed = { ok: true; payload: unknown } | { ok: false; message: string };

export function parsePayload(name: TopicName, payload: unknown): Parsed {
  const result = TOPICS[name].schema.safeParse(payload);
  if (result.success) return { ok: true, payload: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}` };
}

export function applyTopic(name: TopicName, ctx: TopicContext, payload: unknown): Promise<TopicOutcome> {
  return (TOPICS[name] as Topic<z.ZodTypeAny>).apply(ctx, payload);
}
