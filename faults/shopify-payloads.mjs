// Webhook bodies as raw JSON text, the way Shopify writes them: ids are bare JSON numbers (often
// above 2^53) and are never passed through a JS number.

const customerJson = (customerId) =>
  customerId === null
    ? "null"
    : `{"id":${customerId},"admin_graphql_api_id":"gid://shopify/Customer/${customerId}","email":"c${customerId}@example.com","first_name":"Fault","last_name":"Tester"}`;

export function orderJson({ orderId, customerId, subtotal, lineItemId, cancelled }) {
  return (
    `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}","name":"#${orderId.slice(-6)}",` +
    `"email":${customerId === null ? "null" : `"c${customerId}@example.com"`},"currency":"USD","presentment_currency":"USD",` +
    `"subtotal_price":"${subtotal}","total_price":"${subtotal}","total_tax":"0.00","total_discounts":"0.00",` +
    `"financial_status":"${cancelled ? "voided" : "paid"}","cancelled_at":${cancelled ? '"2026-11-20T10:00:00Z"' : "null"},` +
    `"cancel_reason":${cancelled ? '"customer"' : "null"},"test":false,"customer":${customerJson(customerId)},` +
    `"line_items":[{"id":${lineItemId},"admin_graphql_api_id":"gid://shopify/LineItem/${lineItemId}","quantity":1,"price":"${subtotal}"}]}`
  );
}

/**
 * `lines` are { lineItemId, subtotal, asNumber }: Shopify's REST refund_line_items carry the
 * subtotal as a JSON number, so some lines are written bare. `transactions` are { amount, status }.
 */
export function refundJson({ refundId, orderId, lines, transactions }) {
  const lineJson = lines.map(
    (line, i) =>
      `{"id":${BigInt(refundId) + BigInt(i + 1)},"line_item_id":${line.lineItemId},"quantity":1,` +
      `"subtotal":${line.asNumber ? line.subtotal : `"${line.subtotal}"`},"total_tax":"0.00"}`,
  );
  const transactionJson = transactions.map(
    (t, i) =>
      `{"id":${BigInt(refundId) + BigInt(100 + i)},"order_id":${orderId},"kind":"refund","gateway":"bogus",` +
      `"status":"${t.status}","amount":"${t.amount}","currency":"USD"}`,
  );
  return (
    `{"id":${refundId},"admin_graphql_api_id":"gid://shopify/Refund/${refundId}","order_id":${orderId},` +
    `"created_at":"2026-11-21T10:00:00Z","note":null,"restock":false,` +
    `"refund_line_items":[${lineJson.join(",")}],"transactions":[${transactionJson.join(",")}],` +
    `"order_adjustments":[],"refund_shipping_lines":[]}`
  );
}
