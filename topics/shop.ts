// The shop's lifecycle. app/uninstalled goes through the inbox (it is shop-level) and is
// applied only if it happened after the shop's latest installation: Shopify retries a delivery
// for up to 4 hours and the sweeper re-drives, so an uninstall may arrive after a reinstall.
import { z } from "zod";
import { CurrencyCodeSchema } from "../core/shop-currency";
import { getShop, setShopCurrency, uninstallIfInstalledBefore } from "../d1/shops";
import { topic } from "./topic";

export const shopTopics = {
  // app/uninstalled → the shop is marked uninstalled and its tokens dropped
  "app/uninstalled": topic({
    schema: z.object({}).passthrough(),
    needsInstalledShop: false,
    async apply({ env, shop, fromInbox, triggeredAt }) {
      if (!fromInbox) return { outcome: "deferred", reason: "shop_level_topic", orderGid: null };
      const result = await uninstallIfInstalledBefore(env, shop, triggeredAt);
      if (result !== "uninstalled") return { outcome: "ignored", reason: result };
      return { outcome: "recorded", points: 0, balance: 0 };
    },
  }),
  // shop/update → the shop's currency (what the dashboard's money amounts are in); the rest of the shop is not kept
  "shop/update": topic({
    schema: z.object({ currency: CurrencyCodeSchema }).passthrough(),
    parkedSchema: z.object({ currency: CurrencyCodeSchema }),
    needsInstalledShop: false,
    async apply({ env, shop, triggeredAt }, payload) {
      if (!(await getShop(env, shop))) return { outcome: "ignored", reason: "unknown_shop" };
      if (!(await setShopCurrency(env, shop, payload.currency, triggeredAt))) return { outcome: "ignored", reason: "older_than_recorded" };
      return { outcome: "recorded", points: 0, balance: 0 };
    },
  }),
};
