// Orders and refunds: earn on payment, reverse on refund or cancellation (money rule 3).
import {
  contactOfOrder,
  OrderPayloadSchema,
  ParkedOrderSchema,
  referralCodeOfOrder,
  referralFactsOfOrder,
  RefundPayloadSchema,
  toOrderEvent,
  toRefundEvent,
} from "../core/webhook-payloads";
import { dataKeys } from "../core/crypto";
import { identityFingerprints, sourceFingerprints } from "../core/referral-identity";
import { redriveWaitingFor } from "../d1/inbox";
import { campaignsForEarning } from "../d1/campaigns";
import { customerForOrder, GUEST, indexOrders } from "../d1/order-index";
import { awardsHeld } from "../d1/plans";
import { getProgram } from "../d1/shops";
import { shopTiers } from "../d1/vip-tiers";
import { customerAccount } from "../durable-objects/stubs";
import { topic } from "./topic";

export const orderTopics = {
  // shopify.app.toml: orders/paid → earn
  "orders/paid": topic({
    schema: OrderPayloadSchema,
    parkedSchema: ParkedOrderSchema,
    needsInstalledShop: true,
    async apply({ env, shop, delivery }, payload) {
      const order = toOrderEvent(payload);
      if (!order.customerId) {
        // Indexed as a guest order so its refunds are recognised (and ignored), not parked;
        // one that arrived first is released now.
        const guestOrder = { shop, orderGid: order.orderGid, customerId: GUEST };
        if ((await indexOrders(env, [guestOrder])).length > 0) await redriveWaitingFor(env, [guestOrder]);
        return { outcome: "ignored", reason: "guest_order" };
      }
      // Whether the shop is past its plan's grace: from isolate caches, beside the program's
      // (no I/O on a hit); the counts behind it are the ledger-events consumer's.
      const [program, tiers, campaigns, holdAward, keys] = await Promise.all([
        getProgram(env, shop),
        shopTiers(env, shop),
        campaignsForEarning(env, shop),
        awardsHeld(env, shop),
        dataKeys(env.ENCRYPTION_KEY),
      ]);
      // Who the shopper is, as keyed hashes only: the referral fraud checks of either side.
      const facts = referralFactsOfOrder(payload);
      const [fingerprints, source] = await Promise.all([
        identityFingerprints(keys, shop, facts.identity),
        sourceFingerprints(keys, shop, { ip: facts.ip, device: null }),
      ]);
      return customerAccount(env, shop, order.customerId).orderPaid({
        shop,
        customerId: order.customerId,
        delivery,
        orderGid: order.orderGid,
        baseMills: order.baseMills,
        shippingMills: order.shippingMills,
        taxMills: order.taxMills,
        taxesIncluded: order.taxesIncluded,
        discountCodes: order.discountCodes,
        placedAt: order.placedAt,
        program,
        tiers,
        campaigns,
        holdAward,
        contact: contactOfOrder(payload),
        referralCode: referralCodeOfOrder(payload),
        referralSource: source,
        referralIdentity: { ...fingerprints, customerCreatedAt: facts.customerCreatedAt },
      });
    },
  }),
  // orders/cancelled → reverse what the order earned
  "orders/cancelled": topic({
    schema: OrderPayloadSchema,
    parkedSchema: ParkedOrderSchema,
    needsInstalledShop: true,
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
    needsInstalledShop: true,
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
};
