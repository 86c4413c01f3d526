// Webhook bodies as raw JSON text, the way Shopify writes them: ids are bare JSON numbers (often
// above 2^53) and are never passed through a JS number.

const customerJson = (customerId) =>
  customerId === null
    ? "null"
    : `{"id":${customerId},"admin_graphql_api_id":"gid://shopify/Customer/${customerId}","email":"c${customerId}@example.com","first_name":"Fault","last_name":"Tester"}`;

/** The language each customer buys in (an order's customer_locale): what their notifications are written in. */
export const CUSTOMER_LOCALES = ["en", "fr", "es", "de-CH"];
export const customerLocale = (customerId) => CUSTOMER_LOCALES[Number(BigInt(customerId) % BigInt(CUSTOMER_LOCALES.length))];

/** The shopper pays in EUR; the shop keeps its books in USD. Both travel in every `*_set`. */
export const presentment = (usd) => {
  const [whole, fraction = "00"] = usd.split(".");
  const eurCents = Math.floor(((Number(whole) * 100 + Number(fraction.padEnd(2, "0"))) * 92) / 100);
  return `${Math.floor(eurCents / 100)}.${String(eurCents % 100).padStart(2, "0")}`;
};
const moneySet = (usd, sign = "") =>
  `{"shop_money":{"amount":"${sign}${usd}","currency_code":"USD"},"presentment_money":{"amount":"${sign}${presentment(usd)}","currency_code":"EUR"}}`;

export function orderJson({ orderId, customerId, subtotal, lineItemId, cancelled }) {
  return (
    `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}","name":"#${orderId.slice(-6)}",` +
    `"email":${customerId === null ? "null" : `"c${customerId}@example.com"`},"currency":"USD","presentment_currency":"EUR",` +
    `"customer_locale":${customerId === null ? "null" : `"${customerLocale(customerId)}"`},` +
    `"subtotal_price":"${subtotal}","subtotal_price_set":${moneySet(subtotal)},"total_price":"${subtotal}","total_tax":"0.00","total_discounts":"0.00",` +
    `"financial_status":"${cancelled ? "voided" : "paid"}","cancelled_at":${cancelled ? '"2026-11-20T10:00:00Z"' : "null"},` +
    `"cancel_reason":${cancelled ? '"customer"' : "null"},"test":false,"customer":${customerJson(customerId)},` +
    `"line_items":[{"id":${lineItemId},"admin_graphql_api_id":"gid://shopify/LineItem/${lineItemId}","quantity":1,"price":"${subtotal}"}]}`
  );
}

/**
 * `lines` are { lineItemId, subtotal (USD), asNumber }: Shopify's REST refund_line_items carry
 * the bare `subtotal` as a JSON number in the shopper's currency beside `subtotal_set`, so some
 * lines write it bare. `discrepancy` (USD) is an amount-only refund, recorded by Shopify as a
 * negative `refund_discrepancy` adjustment; `shipping` (USD) a shipping refund. `transactions`
 * ({ amount, status }) are the money that moved, in EUR.
 */
export function refundJson({ refundId, orderId, lines, transactions, discrepancy, shipping }) {
  const lineJson = lines.map(
    (line, i) =>
      `{"id":${BigInt(refundId) + BigInt(i + 1)},"line_item_id":${line.lineItemId},"quantity":1,` +
      `"subtotal":${line.asNumber ? Number(presentment(line.subtotal)) : `"${presentment(line.subtotal)}"`},"total_tax":"0.00",` +
      `"subtotal_set":${moneySet(line.subtotal)},"total_tax_set":${moneySet("0.00")}}`,
  );
  const transactionJson = transactions.map(
    (t, i) =>
      `{"id":${BigInt(refundId) + BigInt(100 + i)},"order_id":${orderId},"kind":"refund","gateway":"bogus",` +
      `"status":"${t.status}","amount":"${t.amount}","currency":"EUR"}`,
  );
  const adjustment = (kind, usd, n) =>
    `{"id":${BigInt(refundId) + BigInt(200 + n)},"order_id":${orderId},"refund_id":${refundId},"kind":"${kind}",` +
    `"amount":"-${usd}","amount_set":${moneySet(usd, "-")},"tax_amount":"0.00","tax_amount_set":${moneySet("0.00")}}`;
  const adjustments = [
    ...(discrepancy ? [adjustment("refund_discrepancy", discrepancy, 0)] : []),
    ...(shipping ? [adjustment("shipping_refund", shipping, 1)] : []),
  ];
  const shippingLines = shipping ? [`{"id":${BigInt(refundId) + 300n},"shipping_line_id":1,"subtotal_amount_set":${moneySet(shipping)}}`] : [];
  return (
    `{"id":${refundId},"admin_graphql_api_id":"gid://shopify/Refund/${refundId}","order_id":${orderId},` +
    `"created_at":"2026-11-21T10:00:00Z","note":null,"restock":false,` +
    `"refund_line_items":[${lineJson.join(",")}],"transactions":[${transactionJson.join(",")}],` +
    `"order_adjustments":[${adjustments.join(",")}],"refund_shipping_lines":[${shippingLines.join(",")}]}`
  );
}
