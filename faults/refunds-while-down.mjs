// The probe run while Postgres is stopped: orders paid then refunded (and a refund that comes
// before its order) on a shop of its own, each refund expected in the balance while Postgres
// is still down, since neither the order index nor the refund's release may wait on the
// projection. Its own shop keeps it out of the oracle's books.
import { sendWebhook } from "../scripts/send-webhook.mjs";
import { orderJson, refundJson } from "./shopify-payloads.mjs";

export const PROBE_SHOP = "faults-probe.myshopify.com";
/**
 * How long a refund may take while Postgres is down. The claim is that it applies before
 * Postgres returns (the probe checks Postgres stayed down throughout; the schedule restarts it
 * only 15 s after the probe), not a latency budget: DESIGN.md gives an early refund none (it
 * waits, parked, until its order arrives). Its time is two trips through the local queues
 * (order_seen → the order index → the refund re-driven through ingest) on one workerd thread
 * that the suite keeps at ~97% CPU, behind the outboxes' resends of the outage's unprojected
 * events. Measured (after, before its order): 1.2–4.1 s before issue 9; 20.9 / 36.4 s on an
 * idle machine at issue 11; 30.8 / over 60 s and 32.7 / over 60 s in the two last CI runs,
 * which failed on the 60 s bound. Hence 120 s, still within the outage it checks. Moving
 * order_seen to a queue of its own would take it out of the resends' way (issue 12's note).
 */
const APPLY_WITHIN_MS = 120_000;

export async function installProbeShop({ url, signer }) {
  const response = await fetch(`${url}/auth/token-exchange`, {
    method: "POST",
    headers: { authorization: `Bearer ${signer.sessionToken(PROBE_SHOP)}` },
  });
  if (!response.ok) throw new Error(`probe shop install: ${response.status} ${await response.text()}`);
}

/** @returns {Promise<{ name: string, checked: number, mismatches: string[] }>} */
export async function probeRefundsWhileDown({ url, signer, secret, sql, seed }) {
  const check = { name: "refunds applied while Postgres was down", checked: 0, mismatches: [] };
  const base = 9_100_000_000_000_000_000n + BigInt(seed % 1_000_000) * 1_000n;
  const send = async (topic, body) => {
    const response = await sendWebhook({ url, secret, topic, shop: PROBE_SHOP, body });
    if (response.status !== 200) throw new Error(`probe ${topic}: ${response.status} ${response.body}`);
  };
  const balance = async (customerId) => {
    const response = await fetch(signer.proxyUrl("/customer", { shop: PROBE_SHOP, customerId }));
    return (await response.json()).customer?.points_balance;
  };
  const cases = [
    { label: "refund after its order", early: false },
    { label: "refund before its order", early: true },
  ];
  for (const [i, { label, early }] of cases.entries()) {
    check.checked++;
    const customerId = String(base + BigInt(i));
    const orderId = String(base + 100n + BigInt(i));
    const order = orderJson({ orderId, customerId, subtotal: "40.00", lineItemId: String(base + 200n + BigInt(i)), cancelled: false });
    const refund = refundJson({ refundId: String(base + 300n + BigInt(i)), orderId, lines: [{ lineItemId: "1", subtotal: "10.00" }], transactions: [] });
    if (early) await send("refunds/create", refund);
    await send("orders/paid", order);
    if (!early) await send("refunds/create", refund);
    const deadline = Date.now() + APPLY_WITHIN_MS;
    let seen;
    while (Date.now() < deadline && (seen = await balance(customerId)) !== 300) await new Promise((r) => setTimeout(r, 250));
    if (seen !== 300) check.mismatches.push(`${label}: balance ${seen} after ${APPLY_WITHIN_MS / 1000} s, expected 300`);
    else console.log(`  probe: ${label} applied ${((APPLY_WITHIN_MS - (deadline - Date.now())) / 1000).toFixed(1)} s after its last webhook`);
  }
  // The claim is "while down": it holds only if Postgres really was down throughout.
  const down = await sql`SELECT 1`.then(() => false, () => true);
  if (!down) check.mismatches.push("Postgres answered during the probe: the probe proved nothing");
  return check;
}
