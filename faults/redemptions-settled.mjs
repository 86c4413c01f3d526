// After the run: every redemption leaves `pending`. A pending one is settled by its customer's
// alarm about 30 s after its last try at Shopify, later (backing off) when the lookup fails, so
// this reads the spenders' histories until none shows `pending`, and returns the last reading of
// each: the system's final report, from which the oracle learns each redemption's outcome.
const POLL_EVERY_MS = 3_000;
const READ_CONCURRENCY = 8;

export async function waitForRedemptionsSettled({ client, customerIds, timeoutMs }) {
  const started = Date.now();
  const histories = new Map();
  let unsettled = [...customerIds];
  let reads = 0;
  while (unsettled.length > 0) {
    const stillPending = [];
    await mapLimit(unsettled, READ_CONCURRENCY, async (customerId) => {
      const history = await client.history(customerId);
      reads++;
      if (history) histories.set(customerId, history);
      if (!history || history.redemptions.some((r) => r.status === "pending")) stillPending.push(customerId);
    });
    unsettled = stillPending;
    if (unsettled.length === 0 || Date.now() - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
  const pending = [...histories.values()].flatMap((h) => h.redemptions.filter((r) => r.status === "pending"));
  return { settled: unsettled.length === 0, ms: Date.now() - started, reads, histories, pendingLeft: pending.length, customersLeft: unsettled };
}

async function mapLimit(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
