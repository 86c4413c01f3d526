// Delivers events the way Shopify does: each event 1–3 times (distinct webhook ids, sometimes a
// repeated one, sometimes all copies at the same instant), in no particular order, and every
// delivery retried with backoff until it gets a 2xx (Shopify retries non-2xx and timeouts).
import { createRandom } from "./random.mjs";

const SHOPIFY_TIMEOUT_MS = 5_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 4_000;

/** Slots of copies fired together, shuffled; reproducible from the seed. */
export function planDeliveries(events, seed) {
  const random = createRandom(seed ^ 0x5eed);
  const slots = [];
  let duplicates = 0;
  let sameWebhookId = 0;
  let simultaneous = 0;
  for (const event of events) {
    const count = random.chance(0.5) ? 1 : random.chance(0.7) ? 2 : 3;
    const eventId = random.chance(0.6) ? `ev-${seed}-${event.index}` : null;
    const copies = Array.from({ length: count }, (_, k) => ({ event, eventId, webhookId: `wh-${seed}-${event.index}-${k}` }));
    for (const copy of copies.slice(1)) {
      if (random.chance(0.15)) {
        copy.webhookId = copies[0].webhookId;
        sameWebhookId++;
      }
    }
    duplicates += count - 1;
    if (count > 1 && random.chance(0.3)) {
      slots.push(copies);
      simultaneous++;
    } else {
      for (const copy of copies) slots.push([copy]);
    }
  }
  random.shuffle(slots);
  const deliveries = slots.reduce((n, slot) => n + slot.length, 0);
  const figures = { deliveries, duplicates, sameWebhookId, simultaneousBursts: simultaneous, earlyFollowUps: countEarlyFollowUps(slots) };
  return { slots, figures };
}

/** Refunds and cancellations whose first delivery is sent before their order's orders/paid. */
function countEarlyFollowUps(slots) {
  const firstSlot = new Map();
  slots.forEach((slot, position) => {
    for (const { event } of slot) if (!firstSlot.has(event)) firstSlot.set(event, position);
  });
  const paidAt = new Map();
  for (const [event, position] of firstSlot) if (event.topic === "orders/paid") paidAt.set(event.orderGid, position);
  let early = 0;
  for (const [event, position] of firstSlot) {
    if (event.topic !== "orders/paid" && paidAt.has(event.orderGid) && position < paidAt.get(event.orderGid)) early++;
  }
  return early;
}

export function createDeliveryStats() {
  return {
    requests: 0,
    status2xx: 0,
    status4xx: 0,
    status5xx: 0,
    connRefused: 0,
    timeouts: 0,
    otherNetworkErrors: 0,
    retries: 0,
    givenUp: 0,
    outcomes: {},
    /** outcome → response times (ms) of 2xx answers */
    latencies: {},
    /** event index → ms timestamp of its first 2xx */
    firstAck: new Map(),
    /** ms timestamp of the latest 2xx (the run's stall watchdog reads it) */
    lastAckAt: Date.now(),
    unexpected4xx: [],
  };
}

/**
 * Runs the slots `concurrency` at a time; `onSlotDone(done, total)` reports progress. Once
 * `signal` aborts, no slot starts and no delivery is retried: throws the signal's reason.
 */
export async function deliverAll({ slots, url, signer, shop, stats, concurrency, giveUpAfterMs, onSlotDone, signal }) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < slots.length && !signal?.aborted) {
      const slot = slots[next++];
      await Promise.all(slot.map((copy) => deliverWithRetries({ copy, url, signer, shop, stats, giveUpAfterMs, signal })));
      onSlotDone?.(++done, slots.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  signal?.throwIfAborted();
}

async function deliverWithRetries({ copy, url, signer, shop, stats, giveUpAfterMs, signal }) {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const ok = await deliverOnce({ copy, url, signer, shop, stats });
    if (ok) return true;
    if (Date.now() - started > giveUpAfterMs) {
      stats.givenUp++;
      return false;
    }
    if (signal?.aborted) return false;
    stats.retries++;
    await sleep(Math.min(BACKOFF_FIRST_MS * 2 ** attempt, BACKOFF_MAX_MS));
  }
}

async function deliverOnce({ copy, url, signer, shop, stats }) {
  const { event } = copy;
  event.hmac ??= signer.webhookHmac(event.body);
  const headers = {
    "content-type": "application/json",
    "x-shopify-hmac-sha256": event.hmac,
    "x-shopify-topic": event.topic,
    "x-shopify-shop-domain": shop,
    "x-shopify-api-version": "2026-10",
    "x-shopify-webhook-id": copy.webhookId,
    "x-shopify-triggered-at": new Date().toISOString(),
  };
  if (copy.eventId) headers["x-shopify-event-id"] = copy.eventId;
  stats.requests++;
  const sentAt = Date.now();
  try {
    const response = await fetch(`${url()}/v1/api/shopify/webhook`, {
      method: "POST",
      headers,
      body: event.body,
      signal: AbortSignal.timeout(SHOPIFY_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status >= 200 && response.status < 300) {
      stats.status2xx++;
      const outcome = safeJson(text)?.outcome ?? "unknown";
      stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
      (stats.latencies[outcome] ??= []).push(Date.now() - sentAt);
      if (!stats.firstAck.has(event.index)) stats.firstAck.set(event.index, Date.now());
      stats.lastAckAt = Date.now();
      return true;
    }
    if (response.status >= 500) stats.status5xx++;
    else {
      stats.status4xx++;
      if (stats.unexpected4xx.length < 20) stats.unexpected4xx.push(`${event.topic} ${event.orderGid}: ${response.status} ${text.slice(0, 200)}`);
    }
    return false;
  } catch (error) {
    const code = error?.cause?.code ?? error?.name;
    if (code === "ECONNREFUSED") stats.connRefused++;
    else if (code === "TimeoutError") stats.timeouts++;
    else stats.otherNetworkErrors++;
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
