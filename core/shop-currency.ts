// The shop's own currency: what money amounts (liability, referral revenue, reward values) are
// in. Shopify reports it in shop/update (`currency`); until it has, amounts read as US dollars,
// Shopify's default for a new store, and the API says the code is a default (`known: false`).
import { z } from "zod";

export const DEFAULT_SHOP_CURRENCY = "USD";

/** ISO 4217: three capital letters. */
export const CurrencyCodeSchema = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code (three capital letters)");

export const ShopCurrencySchema = z.object({
  code: CurrencyCodeSchema,
  /** False while Shopify has not reported the shop's currency (the code is the default). */
  known: z.boolean(),
});
export type ShopCurrency = z.infer<typeof ShopCurrencySchema>;

export function shopCurrency(stored: string | null | undefined): ShopCurrency {
  return stored ? { code: stored, known: true } : { code: DEFAULT_SHOP_CURRENCY, known: false };
}
