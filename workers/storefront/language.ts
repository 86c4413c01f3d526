import { shopperLanguage, type StoreLanguage } from "../../core/store-settings";
import { getStoreSettings } from "../../d1/store-settings";

/** The shopper's language among those the shop offers (store settings), else the shop's default. */
export async function storefrontLanguage(env: Env, shop: string, locale: string | undefined): Promise<StoreLanguage> {
  return shopperLanguage(await getStoreSettings(env, shop), locale);
}
