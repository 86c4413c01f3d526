// What every customer's account must hold once all events are in, from the documented rules
// alone (DESIGN.md "Money rules", default program): earn floor(subtotal × 10 points per $1) on
// orders/paid; refunds take back floor(earned × cumulative refunded subtotal / subtotal), capped
// at what the order earned; a cancellation takes back everything the order earned.
const POINTS_PER_UNIT = 10n;

/** "37.45" → 3745n cents. */
export function cents(amount) {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new Error(`oracle: not an amount: ${amount}`);
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? "").padEnd(2, "0"));
}

/**
 * The refunded lines' subtotals in shop money when the refund names any; otherwise an
 * amount-only refund's discrepancy. Shipping and the transactions (shopper's currency,
 * shipping included) never count.
 */
function refundedCents({ lines, discrepancy }) {
  if (lines.length > 0) return lines.reduce((sum, line) => sum + cents(line), 0n);
  return discrepancy ? cents(discrepancy) : 0n;
}

export function expectedState(events, customerIds) {
  const orders = new Map();
  const order = (gid) => {
    if (!orders.has(gid)) orders.set(gid, { gid, customerId: undefined, paid: false, cancelled: false, subtotal: null, refunded: 0n, refundGids: [] });
    return orders.get(gid);
  };
  const refundOrder = new Map();
  for (const { topic, fact } of events) {
    const o = order(fact.orderGid);
    if (topic === "refunds/create") {
      o.refunded += refundedCents(fact);
      o.refundGids.push(fact.refundGid);
      refundOrder.set(fact.refundGid, fact.orderGid);
      continue;
    }
    o.customerId = fact.customerId;
    o.subtotal = cents(fact.subtotal);
    if (topic === "orders/paid") o.paid = true;
    if (topic === "orders/cancelled") o.cancelled = true;
  }

  const customers = new Map(customerIds.map((id) => [id, { balance: 0n, earned: 0n, reversed: 0n, earnOrders: new Map(), reversals: new Map() }]));
  for (const o of orders.values()) {
    o.earn = o.paid && o.customerId ? (o.subtotal * POINTS_PER_UNIT) / 100n : 0n;
    o.reversal = o.cancelled ? o.earn : o.subtotal > 0n ? min(o.earn, (o.earn * min(o.refunded, o.subtotal)) / o.subtotal) : 0n;
    if (!o.customerId || !o.paid) continue;
    const c = customers.get(o.customerId);
    c.earned += o.earn;
    c.reversed += o.reversal;
    c.balance += o.earn - o.reversal;
    if (o.earn > 0n) c.earnOrders.set(o.gid, o.earn);
    if (o.reversal > 0n) c.reversals.set(o.gid, o.reversal);
  }
  // Without redemptions a balance cannot reach zero by reversals alone; the floor never binds.
  for (const [id, c] of customers) if (c.balance < 0n) throw new Error(`oracle: negative balance for ${id}`);

  return {
    customers: mapValues(customers, (c) => ({
      balance: Number(c.balance),
      earned: Number(c.earned),
      reversed: Number(c.reversed),
      earnOrders: mapValues(c.earnOrders, Number),
      reversals: mapValues(c.reversals, Number),
    })),
    refundOrder,
    /** The order → customer index the app must end with ("" = guest): orders it has seen. */
    indexedOrders: new Map(
      [...orders.values()]
        .filter((o) => (o.customerId ? o.paid || o.cancelled : o.customerId === null && o.paid))
        .map((o) => [o.gid, o.customerId ?? ""]),
    ),
    /** Orders whose refunds can never be routed: parked in the inbox by design. */
    orphanOrders: new Set(
      [...orders.values()].filter((o) => o.refundGids.length > 0 && (o.customerId === undefined || (o.customerId === null && !o.paid))).map((o) => o.gid),
    ),
  };
}

const min = (a, b) => (a < b ? a : b);
const mapValues = (map, fn) => new Map([...map].map(([k, v]) => [k, fn(v)]));
