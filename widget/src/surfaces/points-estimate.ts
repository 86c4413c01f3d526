// What a product's price earns, for the product-points block (product-points.tsx).
export interface ProductPrice {
  cents: number;
  currency: string | null;
}

/** Shopify's `Shopify.currency`: the storefront's presentment currency and its rate to the shop's. */
export interface PresentmentCurrency {
  active?: string;
  rate?: string;
}

/**
 * Points as an order earns them (core/program.ts computeOrderEarn: the amount in the shop's
 * currency × the rate, rounded down), before any tier or campaign multiplier, which depend on the
 * shopper and the day. A price in another presentment currency is brought back with Shopify's
 * rate (`Shopify.currency.rate`: presentment units per shop unit); a block in a currency other
 * than the active one (which Liquid does not render) is read as the shop's.
 */
export function pointsForPrice(price: ProductPrice, pointsPerUnit: number, presentment: PresentmentCurrency = {}): number {
  if (!Number.isFinite(price.cents) || price.cents <= 0 || pointsPerUnit <= 0) return 0;
  const rate = Number(presentment.rate);
  const converted = rate > 0 && (!price.currency || price.currency === presentment.active) ? price.cents / rate : price.cents;
  return Math.floor((Math.round(converted) * pointsPerUnit) / 100);
}
