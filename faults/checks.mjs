// The end-state checks. Each returns { name, checked, mismatches: string[] }.
import { endedReleased } from "./spending-oracle.mjs";

function result(name) {
  return { name, checked: 0, mismatches: [] };
}

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

async function getJson(url, init, attempts = 5) {
  for (let i = 1; ; i++) {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
      const body = await response.json().catch(() => null);
      if (response.status < 500 || i === attempts) return { status: response.status, body };
    } catch (error) {
      if (i === attempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * i));
  }
}

/** Storefront balance per customer (the widget's view) against the oracle. */
export async function checkBalances({ signer, shop, oracle }) {
  const check = result("storefront balance = oracle");
  await mapLimit([...oracle.customers], 16, async ([id, expected]) => {
    const { status, body } = await getJson(signer.proxyUrl("/customer", { shop, customerId: id }));
    check.checked++;
    const c = body?.customer;
    if (status !== 200 || !c) return check.mismatches.push(`customer ${id}: storefront answered ${status}`);
    const figures = [
      ["points_balance", expected.balance],
      ["total_points_earned", expected.earned],
      ["total_points_reversed", expected.reversed],
      ["total_points_redeemed", expected.redeemed],
    ];
    for (const [field, want] of figures) {
      if (c[field] !== want) check.mismatches.push(`customer ${id}: ${field} ${c[field]}, expected ${want}`);
    }
  });
  return check;
}

/**
 * Each customer's ledger (merchant API): sums to the balance, one earn per paid order of the
 * right size, reversals per order as the oracle says, one `redemption` entry per redemption and
 * one `release` per redemption that ended failed, one `adjustment` per adjustment applied, no
 * entry twice, balance_after a running sum that never goes below zero. Returns the ledgers for
 * the projection check.
 */
/**
 * The merchant API allows one staff user 600 requests a minute (core/rate-limits.ts): the
 * checker reads as several staff users of the shop, within the shop's 3,000.
 */
const CHECKER_USERS = 4;

export async function checkLedgers({ url, signer, shop, oracle }) {
  const check = result("ledger (merchant API) consistent with balance and oracle");
  const ledgers = new Map();
  let turn = 0;
  await mapLimit([...oracle.customers], 16, async ([id, expected]) => {
    const user = `checker-${turn++ % CHECKER_USERS}`;
    const { status, body } = await getJson(`${url}/v1/api/customers/${id}?limit=500`, {
      headers: { authorization: `Bearer ${signer.sessionToken(shop, user)}` },
    });
    check.checked++;
    if (status === 404 && expected.earnOrders.size === 0) return ledgers.set(id, []);
    if (status !== 200) return check.mismatches.push(`customer ${id}: merchant API answered ${status} ${JSON.stringify(body?.error)}`);
    // Newest first; oldest first for the running sum.
    const entries = [...body.transactions].reverse();
    ledgers.set(id, entries);
    for (const problem of ledgerProblems(entries, body.customer.points_balance, expected, oracle.refundOrder)) {
      check.mismatches.push(`customer ${id}: ${problem}`);
    }
  });
  return { check, ledgers };
}

function ledgerProblems(entries, balance, expected, refundOrder) {
  const problems = [];
  if (entries.length >= 500) problems.push("500 entries or more: the page may be truncated");
  let running = 0;
  const ids = new Set();
  const earns = new Map();
  const reversals = new Map();
  const reversalSources = new Map();
  const spendingEntries = { redemption: new Map(), release: new Map(), adjustment: new Map(), social_follow: new Map() };
  for (const e of entries) {
    if (ids.has(e.id)) problems.push(`entry ${e.id} listed twice`);
    ids.add(e.id);
    running += e.points;
    if (e.balance_after !== running) problems.push(`entry ${e.id}: balance_after ${e.balance_after}, running sum ${running}`);
    if (e.balance_after < 0) problems.push(`entry ${e.id}: balance_after ${e.balance_after} < 0`);
    if (e.kind === "earn") {
      if (earns.has(e.source_id)) problems.push(`order ${e.source_id} earned twice`);
      earns.set(e.source_id, e.points);
    } else if (e.kind === "reversal") {
      const order = e.source_type === "refund" ? refundOrder.get(e.source_id) : e.source_id;
      if (!order) problems.push(`reversal ${e.id} from unknown source ${e.source_id}`);
      reversals.set(order, (reversals.get(order) ?? 0) - e.points);
      const sourceKey = `${e.source_type}:${e.source_id}`;
      reversalSources.set(sourceKey, (reversalSources.get(sourceKey) ?? 0) + 1);
    } else if (e.kind in spendingEntries) {
      // Redemptions and releases name their redemption; an adjustment is known by its entry id,
      // a follow by its network.
      const key = e.kind === "adjustment" ? e.id : e.source_id;
      const seen = spendingEntries[e.kind];
      seen.set(key, [...(seen.get(key) ?? []), e.points]);
    } else {
      problems.push(`unexpected ${e.kind} entry ${e.id}`);
    }
  }
  if (running !== balance) problems.push(`ledger sums to ${running}, balance is ${balance}`);
  for (const [source, n] of reversalSources) {
    // An order reverses at most twice itself: its cancellation, and the catch-up when it is paid late.
    if (n > (source.startsWith("refund:") ? 1 : 2)) problems.push(`${n} reversals from ${source}`);
  }
  for (const [order, points] of expected.earnOrders) {
    if (!earns.has(order)) problems.push(`no earn for paid order ${order}`);
    else if (earns.get(order) !== points) problems.push(`order ${order} earned ${earns.get(order)}, expected ${points}`);
  }
  for (const order of earns.keys()) if (!expected.earnOrders.has(order)) problems.push(`earn for unexpected order ${order}`);
  for (const order of new Set([...reversals.keys(), ...expected.reversals.keys()])) {
    const got = reversals.get(order) ?? 0;
    const want = expected.reversals.get(order) ?? 0;
    if (got !== want) problems.push(`order ${order} reversed ${got}, expected ${want}`);
  }
  problems.push(...spendingProblems(spendingEntries, expected.spending));
  return problems;
}

/** Exactly the entries the answered redemptions and adjustments call for, each once. */
function spendingProblems(found, { redemptions, adjustments, follows }) {
  const problems = [];
  const expectOnce = (kind, key, points, what) => {
    const got = found[kind].get(key);
    if (!got) problems.push(`no ${kind} entry for ${what}`);
    else if (got.length > 1) problems.push(`${got.length} ${kind} entries for ${what}`);
    else if (got[0] !== points) problems.push(`${kind} entry for ${what}: ${got[0]} points, expected ${points}`);
  };
  for (const r of redemptions.values()) {
    expectOnce("redemption", r.id, -r.points, `redemption ${r.id}`);
    if (endedReleased(r)) expectOnce("release", r.id, r.points, `${r.final.status} redemption ${r.id}`);
    else if (found.release.has(r.id)) problems.push(`release entry for ${r.final?.status ?? "unreported"} redemption ${r.id}`);
  }
  for (const [entryId, a] of adjustments) expectOnce("adjustment", entryId, a.points, `adjustment ${a.key}`);
  for (const id of found.redemption.keys()) if (!redemptions.has(id)) problems.push(`redemption entry for ${id}, which no answer named`);
  for (const id of found.release.keys()) if (!redemptions.has(id)) problems.push(`release entry for ${id}, which no answer named`);
  for (const id of found.adjustment.keys()) if (!adjustments.has(id)) problems.push(`adjustment entry ${id}, which no answer named`);
  for (const [network, points] of follows) expectOnce("social_follow", network, points, `following on ${network}`);
  for (const network of found.social_follow.keys()) if (!follows.has(network)) problems.push(`social_follow entry for ${network}, which no answer named`);
  return problems;
}

/** Postgres holds each ledger entry-for-entry (same ids, kinds and points), and the same balances. */
export async function checkProjection({ sql, shop, oracle, ledgers }) {
  const check = result("Postgres projection = ledgers");
  const rows = await sql`SELECT entry_id::text, customer_id, kind, points::int FROM points_transactions WHERE shop = ${shop}`;
  const balances = await sql`SELECT customer_id, points_balance::int, total_points_redeemed::int FROM customers WHERE shop = ${shop}`;
  const projected = new Map();
  for (const row of rows) {
    if (!projected.has(row.customer_id)) projected.set(row.customer_id, new Map());
    projected.get(row.customer_id).set(row.entry_id, `${row.kind} ${row.points}`);
  }
  const balance = new Map(balances.map((r) => [r.customer_id, r]));
  for (const customerId of projected.keys()) {
    if (!oracle.customers.has(customerId)) check.mismatches.push(`projection has unknown customer ${customerId}`);
  }
  for (const [customerId, expected] of oracle.customers) {
    check.checked++;
    const entries = ledgers.get(customerId);
    if (!entries) continue; // the ledger check already reported it
    const mine = projected.get(customerId) ?? new Map();
    const missing = entries.filter((e) => !mine.has(e.id));
    const extra = [...mine.keys()].filter((id) => !entries.some((e) => e.id === id));
    const differing = entries.filter((e) => mine.has(e.id) && mine.get(e.id) !== `${e.kind} ${e.points}`);
    if (missing.length) check.mismatches.push(`customer ${customerId}: ${missing.length} ledger entries missing from Postgres`);
    if (extra.length) check.mismatches.push(`customer ${customerId}: ${extra.length} Postgres entries not in the ledger`);
    if (differing.length) check.mismatches.push(`customer ${customerId}: ${differing.length} entries with another kind or points in Postgres`);
    const { points_balance = 0, total_points_redeemed = 0 } = balance.get(customerId) ?? {};
    if (points_balance !== expected.balance) {
      check.mismatches.push(`customer ${customerId}: Postgres points_balance ${points_balance}, expected ${expected.balance}`);
    }
    if (total_points_redeemed !== expected.redeemed) {
      check.mismatches.push(`customer ${customerId}: Postgres total_points_redeemed ${total_points_redeemed}, expected ${expected.redeemed}`);
    }
  }
  return { check, figures: { projectedEntries: rows.length } };
}

/**
 * The analytics' rollups (points_daily per day and kind, customer_orders per customer: kept by
 * triggers on the projection's ledger) hold what the shop's projected ledger sums to, after
 * every redelivery, crash and retry the run threw at it. Loaded as TypeScript: the check is
 * the module's own (Node 22 strips its types).
 */
export async function checkRollups({ sql, shop }) {
  const { rollupMismatches } = await import("../postgres/points-daily.ts");
  const check = result("analytics rollups = projected ledger");
  const [{ days, customers }] = await sql`
    SELECT (SELECT count(*)::int FROM (SELECT DISTINCT day, kind FROM points_daily_now WHERE shop = ${shop}) AS k) AS days, (SELECT count(*)::int FROM customer_orders WHERE shop = ${shop}) AS customers`;
  check.checked = days + customers;
  if (days === 0) check.mismatches.push("points_daily holds nothing for the shop: nothing was checked");
  for (const m of await rollupMismatches(sql, shop)) {
    check.mismatches.push(
      m.table === "points_daily"
        ? `points_daily ${m.day} ${m.kind}: rollup ${JSON.stringify(m.rollup)}, ledger ${JSON.stringify(m.ledger)}`
        : `customer_orders ${m.customer_id}: rollup ${JSON.stringify(m.rollup)}, ledger ${JSON.stringify(m.ledger)}`,
    );
  }
  return check;
}

/**
 * D1 once the stack is stopped: nothing left pending; parked only for orders that never came
 * (by design); nothing rejected; the order index as the oracle says; dead letters counted.
 */
export async function checkInbox({ d1Query, oracle, shop }) {
  const check = result("D1 inbox settled, order index complete");
  const statuses = await d1Query(`SELECT topic, status, count(*) AS n FROM webhook_inbox WHERE shop = '${shop}' GROUP BY topic, status ORDER BY topic, status`);
  const unsettled = await d1Query(`SELECT id, topic, order_gid, status, attempts, last_error FROM webhook_inbox WHERE shop = '${shop}' AND status <> 'processed'`);
  const processedOrphans = await d1Query(
    `SELECT order_gid FROM webhook_inbox WHERE status = 'processed' AND order_gid IN (${[...oracle.orphanOrders].map((g) => `'${g}'`).join(",") || "''"})`,
  );
  const index = await d1Query(`SELECT order_gid, customer_id FROM order_index WHERE shop = '${shop}'`);
  const deadLetters = await d1Query("SELECT queue, count(*) AS n, sum(redriven_at IS NOT NULL) AS redriven FROM dead_letters GROUP BY queue");

  const indexed = new Map(index.map((r) => [r.order_gid, r.customer_id]));
  let parkedByDesign = 0;
  for (const row of unsettled) {
    check.checked++;
    if (row.status === "parked" && oracle.orphanOrders.has(row.order_gid)) {
      parkedByDesign++;
      continue;
    }
    const order = indexed.has(row.order_gid) ? `its order is indexed (${indexed.get(row.order_gid) === "" ? "guest" : "customer"} order)` : "order not indexed";
    check.mismatches.push(`inbox ${row.id} ${row.topic} ${row.order_gid}: ${row.status} after ${row.attempts} attempts (${row.last_error}); ${order}`);
  }
  for (const row of processedOrphans) check.mismatches.push(`refund of never-seen order ${row.order_gid} marked processed`);
  for (const [order, customerId] of oracle.indexedOrders) {
    check.checked++;
    if (!indexed.has(order)) check.mismatches.push(`order ${order} missing from order_index`);
    else if (indexed.get(order) !== customerId) check.mismatches.push(`order ${order} indexed to "${indexed.get(order)}", expected "${customerId}"`);
  }
  for (const order of indexed.keys()) if (!oracle.indexedOrders.has(order)) check.mismatches.push(`order_index has unexpected ${order}`);
  return { check, figures: { statuses, parkedByDesign, deadLetters } };
}
