// The shop's currency read from Shopify (`shop { currencyCode }`), at install: shop/update reports
// it only when the merchant next changes the store's settings, which may be never. A read loses
// to a shop/update Shopify sent after it was asked (d1/shops.ts setShopCurrency orders them).
import { CurrencyCodeSchema } from "../../core/shop-currency";
import { setShopCurrency } from "../../d1/shops";
import { log } from "../../core/log";
import { adminGraphql, type AdminGraphqlOptions } from "./admin-graphql";

const SHOP_CURRENCY = `query LoyalNestShopCurrency { shop { currencyCode } }`;

/** Reads and records the shop's currency; the code recorded, or null (logged) when Shopify could not say. */
export async function recordShopCurrencyFromShopify(env: Env, shop: string, options: AdminGraphqlOptions = {}): Promise<string | null> {
  // Shopify's answer is at least as new as the moment it was asked.
  const askedAt = Date.now();
  try {
    const { data } = await adminGraphql<{ shop: { currencyCode: unknown } | null }>(env, shop, SHOP_CURRENCY, undefined, options);
    const code = CurrencyCodeSchema.parse(data.shop?.currencyCode);
    await setShopCurrency(env, shop, code, askedAt);
    return code;
  } catch (error) {
    log.warn(`shop currency: not read for ${shop}; it stays unknown until the next install or shop/update`, String(error));
    return null;
  }
}
