// The generated workload: orders across customers on one shop, and the webhook events Shopify
// would send for them (orders/paid, refunds/create, orders/cancelled), each with the facts the
// oracle needs. Same seed, same events.
import { orderJson, presentment, refundJson } from "./shopify-payloads.mjs";
import { createRandom } from "./random.mjs";

// All above Number.MAX_SAFE_INTEGER and inside Shopify's int64 ids.
const CUSTOMER_ID_BASE = 7_300_000_000_000_000_000n;
const ORDER_ID_BASE = 5_100_000_000_000_000_000n;
const REFUND_ID_BASE = 6_200_000_000_000_000_000n;
const LINE_ITEM_ID_BASE = 4_400_000_000_000_000_000n;

const MIX = {
  guest: 0.08,
  unpaid: 0.04,
  refunded: 0.3,
  overRefund: 0.12,
  cancelled: 0.1,
  tinySubtotal: 0.03,
  adjacentId: 0.25,
};

export const formatCents = (cents) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;

/** @returns {{ customers: string[], events: Event[], figures: Record<string, number> }} */
export function generateEvents({ seed, events: eventCount, customers: customerCount }) {
  const random = createRandom(seed);
  const salt = BigInt(seed % 1_000_000) * 1_000_000_000n;
  const customers = Array.from({ length: customerCount }, (_, i) => String(CUSTOMER_ID_BASE + salt + BigInt(i)));
  const ids = {
    order: idSequence(ORDER_ID_BASE + salt, random),
    refund: idSequence(REFUND_ID_BASE + salt, random),
    lineItem: idSequence(LINE_ITEM_ID_BASE + salt, random),
  };
  const events = [];
  const figures = { orders: 0, guestOrders: 0, unpaidOrders: 0, overRefundedOrders: 0, amountOnlyRefunds: 0, shippingOnlyRefunds: 0 };
  while (events.length < eventCount) {
    const order = generateOrder(random, ids, customers);
    figures.orders++;
    if (order.customerId === null) figures.guestOrders++;
    if (!order.paid) figures.unpaidOrders++;
    if (order.overRefund) figures.overRefundedOrders++;
    for (const event of orderEvents(order)) {
      if (events.length === eventCount) break;
      if (event.topic === "refunds/create" && event.fact.discrepancy) figures.amountOnlyRefunds++;
      if (event.topic === "refunds/create" && event.fact.shipping && event.fact.lines.length === 0) figures.shippingOnlyRefunds++;
      events.push({ ...event, index: events.length });
    }
  }
  figures.idPairsRoundingTogether = ids.order.roundingPairs + ids.refund.roundingPairs;
  return { customers, events, figures };
}

/** Increasing ids; a share are the previous id + 1, which a JS number cannot tell apart. */
function idSequence(base, random) {
  let current = base;
  const sequence = {
    roundingPairs: 0,
    next() {
      const previous = current;
      current += random.chance(MIX.adjacentId) ? 1n : BigInt(random.int(2, 5_000));
      if (Number(previous) === Number(current)) sequence.roundingPairs++;
      return String(current);
    },
  };
  return sequence;
}

function generateOrder(random, ids, customers) {
  const subtotalCents = random.chance(MIX.tinySubtotal) ? random.int(1, 99) : random.int(100, 30_000);
  const order = {
    orderId: ids.order.next(),
    lineItemId: ids.lineItem.next(),
    customerId: random.chance(MIX.guest) ? null : random.pick(customers),
    subtotal: formatCents(subtotalCents),
    paid: !random.chance(MIX.unpaid),
    cancelled: false,
    overRefund: false,
    refunds: [],
  };
  const refunded = order.paid ? random.chance(MIX.refunded) : random.chance(0.6);
  order.cancelled = order.paid ? random.chance(MIX.cancelled) : !refunded || random.chance(0.5);
  if (refunded) {
    order.overRefund = random.chance(MIX.overRefund);
    const total = order.overRefund ? subtotalCents + random.int(1, subtotalCents) : random.int(1, subtotalCents);
    for (const cents of split(random, total, random.int(1, 3))) order.refunds.push(generateRefund(random, ids, order, cents));
  }
  return order;
}

/**
 * Most refunds name line items; some are amount-only (a refund_discrepancy adjustment); some
 * refund shipping only, alone or beside lines. Transactions carry the money in EUR, shipping
 * included, and must never count.
 */
function generateRefund(random, ids, order, cents) {
  const shape = random.next();
  const refund = { refundId: ids.refund.next(), lines: [], transactions: [], discrepancy: null, shipping: null };
  const paidBack = (usdCents) => refund.transactions.push({ amount: presentment(formatCents(usdCents)), status: "success" });
  if (shape < 0.12) {
    refund.discrepancy = formatCents(cents);
    paidBack(cents);
    if (random.chance(0.3)) refund.transactions.push({ amount: formatCents(random.int(1, 5_000)), status: "failure" });
    return refund;
  }
  if (shape < 0.2) {
    const shipping = random.int(100, 2_000);
    refund.shipping = formatCents(shipping);
    paidBack(shipping);
    return refund;
  }
  for (const part of split(random, cents, random.int(1, 3))) {
    refund.lines.push({ lineItemId: order.lineItemId, subtotal: formatCents(part), asNumber: random.chance(0.25) });
  }
  if (shape > 0.9) refund.shipping = formatCents(random.int(100, 2_000));
  paidBack(cents + (refund.shipping ? Number(refund.shipping.replace(".", "")) : 0));
  return refund;
}

function split(random, total, parts) {
  const cuts = Array.from({ length: parts - 1 }, () => random.int(0, total)).sort((a, b) => a - b);
  return [...cuts, total].map((cut, i) => cut - (i === 0 ? 0 : cuts[i - 1]));
}

function* orderEvents(order) {
  const orderGid = `gid://shopify/Order/${order.orderId}`;
  const facts = { orderGid, customerId: order.customerId, subtotal: order.subtotal };
  if (order.paid) {
    yield { topic: "orders/paid", orderGid, fact: facts, body: orderJson({ ...order, cancelled: false }) };
  }
  for (const refund of order.refunds) {
    const refundGid = `gid://shopify/Refund/${refund.refundId}`;
    yield {
      topic: "refunds/create",
      orderGid,
      fact: { orderGid, refundGid, lines: refund.lines.map((l) => l.subtotal), discrepancy: refund.discrepancy, shipping: refund.shipping },
      body: refundJson({ refundId: refund.refundId, orderId: order.orderId, ...refund }),
    };
  }
  if (order.cancelled) {
    yield { topic: "orders/cancelled", orderGid, fact: facts, body: orderJson({ ...order, cancelled: true }) };
  }
}
