// After the last delivery: run the cron sweeper as if ten minutes had passed (inbox entries and
// dead letters become due), until the projection agrees with the oracle for every customer and
// holds every redemption in the status the app finally reported (`finalStatuses`: id → status).
// Reads only Postgres, so the wait itself wakes no Durable Object.
const SWEEP_AHEAD_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 10_000;
const MIN_SWEEPS = 3;

export async function waitForQuiescence({ app, shop, oracle, finalStatuses = new Map(), timeoutMs }) {
  const started = Date.now();
  let sweeps = 0;
  let lastSweep = 0;
  let behind = Infinity;
  while (Date.now() - started < timeoutMs) {
    if (Date.now() - lastSweep >= SWEEP_EVERY_MS) {
      if (await app.sweep(Date.now() + SWEEP_AHEAD_MS).catch(() => false)) sweeps++;
      lastSweep = Date.now();
    }
    behind = await customersBehind(app.sql, shop, oracle)
      .then(async (customers) => customers + (await redemptionsBehind(app.sql, shop, finalStatuses)))
      .catch(() => Infinity);
    // A few sweeps a little apart, so parked refunds re-driven by the last one are processed.
    if (behind === 0 && sweeps >= MIN_SWEEPS && Date.now() - lastSweep >= 3_000) {
      return { quiet: true, ms: Date.now() - started, sweeps, behind };
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return { quiet: false, ms: Date.now() - started, sweeps, behind };
}

/** Redemptions whose projected status is not (yet) the one the app reported last. */
async function redemptionsBehind(sql, shop, finalStatuses) {
  if (finalStatuses.size === 0) return 0;
  const rows = await sql`SELECT redemption_id::text AS id, status FROM redemptions WHERE shop = ${shop}`;
  const projected = new Map(rows.map((r) => [r.id, r.status]));
  let behind = 0;
  for (const [id, status] of finalStatuses) if (projected.get(id) !== status) behind++;
  return behind;
}

/** Customers whose projected balance or entries sum differs from the oracle. */
async function customersBehind(sql, shop, oracle) {
  const sums = await sql`
    SELECT customer_id, sum(points)::bigint AS points, count(*) FILTER (WHERE kind = 'earn')::int AS earns
    FROM points_transactions WHERE shop = ${shop} GROUP BY customer_id`;
  const balances = await sql`SELECT customer_id, points_balance FROM customers WHERE shop = ${shop}`;
  const projected = new Map(sums.map((r) => [r.customer_id, { points: Number(r.points), earns: r.earns }]));
  const balance = new Map(balances.map((r) => [r.customer_id, Number(r.points_balance)]));
  let behind = 0;
  for (const [id, expected] of oracle.customers) {
    const p = projected.get(id) ?? { points: 0, earns: 0 };
    const b = balance.get(id) ?? 0;
    if (p.points !== expected.balance || p.earns !== expected.earnOrders.size || b !== expected.balance) behind++;
  }
  return behind;
}
