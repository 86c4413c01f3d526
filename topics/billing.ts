// Billing: Shopify reports an app subscription's status; the shop's plan follows it
// (workers/shopify/plan-billing.ts). Applied at once, whether or not the shop is installed
// (Shopify cancels subscriptions at uninstall, and that must reach the plan too).
import { z } from "zod";
import { getShop } from "../d1/shops";
import { applySubscriptionUpdate } from "../workers/shopify/plan-billing";
import { topic } from "./topic";

const AppSubscriptionPayloadSchema = z.object({
  app_subscription: z.object({
    admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/AppSubscription\/\d+$/, "must be an AppSubscription gid"),
    name: z.string(),
    status: z.enum(["PENDING", "ACTIVE", "CANCELLED", "DECLINED", "EXPIRED", "FROZEN", "ACCEPTED"]),
  }).passthrough(),
}).passthrough();

export const billingTopics = {
  // app_subscriptions/update → the shop's plan follows its subscription (ACTIVE: the plan; ended: what Shopify holds active, else Free)
  "app_subscriptions/update": topic({
    schema: AppSubscriptionPayloadSchema,
    needsInstalledShop: false,
    async apply({ env, shop }, payload) {
      const s = payload.app_subscription;
      const known = await getShop(env, shop);
      // A shop that never installed has no plan to change (and Shopify would retry a failure for days).
      if (!known) return { outcome: "ignored", reason: "unknown_shop" };
      const result = await applySubscriptionUpdate(env, shop, { gid: s.admin_graphql_api_id, name: s.name, status: s.status }, known.status === "installed");
      if (result.kind === "ignored") return { outcome: "ignored", reason: result.reason };
      return { outcome: "recorded", points: 0, balance: 0 };
    },
  }),
};
