// How long the projection takes to catch up after Postgres returns: until every award
// acknowledged before the restart is in points_transactions.
export async function watchCatchUp({ sql, shop, orderGids, timeoutMs, pollMs = 500 }) {
  const started = Date.now();
  const expected = orderGids.length;
  let seen = 0;
  while (Date.now() - started < timeoutMs) {
    try {
      const [row] = await sql`
        SELECT count(DISTINCT source_id)::int AS n FROM points_transactions
        WHERE shop = ${shop} AND kind = 'earn' AND source_id = ANY(${orderGids})`;
      seen = row.n;
      if (seen >= expected) return { caughtUp: true, ms: Date.now() - started, expected, seen };
    } catch {
      // Postgres still starting
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return { caughtUp: false, ms: Date.now() - started, expected, seen };
}
