// The reporting data the merchant search and analytics are measured on: 50,000 customers and a
// million ledger rows (a year of them) for the bench shop, generated in Postgres itself (generate_series, md5 of the row number)
// so every run seeds the same rows in seconds.
import { createHmac, randomUUID } from "node:crypto";
import postgres from "postgres";
import { SHOP } from "./shopify.mjs";

export const SEARCH_CUSTOMERS = 50_000;
export const SEARCH_LEDGER_ROWS = 1_000_000;
export const FIRST_NAMES = ["Ada", "Grace", "Alan", "Linus", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances"];
export const LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Torvalds", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen"];
/** Customer ids of the seeded rows: 9 + 12 digits, apart from the webhook phases' ids. */
const ID_PREFIX = "9";

export async function seedReportingData(pgUrl) {
  const sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
  try {
    const started = performance.now();
    await sql`DELETE FROM points_transactions WHERE shop = ${SHOP} AND customer_id LIKE ${ID_PREFIX + "%"}`;
    await sql`DELETE FROM customers WHERE shop = ${SHOP} AND customer_id LIKE ${ID_PREFIX + "%"}`;
    await sql`
      INSERT INTO customers (shop, customer_id, first_name, last_name, email_blind_index, points_balance, total_points_earned, balance_seq, created_at)
      SELECT ${SHOP}, ${ID_PREFIX} || lpad(i::text, 12, '0'),
             (${FIRST_NAMES}::text[])[1 + i % 10] || substr(md5(i::text), 1, 4),
             (${LAST_NAMES}::text[])[1 + (i / 10) % 10] || substr(md5(i::text), 5, 4),
             md5('email' || i), i % 5000, i % 5000, 20, now() - (i || ' minutes')::interval
      FROM generate_series(1, ${SEARCH_CUSTOMERS}) AS i`;
    // A year of ledger, about 2,700 entries a day: mostly order earns, one in 21 a redemption of
    // 500, one in 53 an expiry, so the analytics rows (bench/run.mjs) read every kind they sum.
    // The moduli are prime to the 50,000 customers, so each customer has every kind (with 20,
    // a customer's entries would all be one kind: redeemers who never ordered).
    await sql`
      INSERT INTO points_transactions (shop, entry_id, customer_id, seq, kind, points, balance_after, source_type, source_id, created_at)
      SELECT ${SHOP}, md5('entry' || i)::uuid, ${ID_PREFIX} || lpad((1 + i % ${SEARCH_CUSTOMERS})::text, 12, '0'),
             i / ${SEARCH_CUSTOMERS} + 1,
             CASE WHEN i % 21 = 0 THEN 'redemption' WHEN i % 53 = 1 THEN 'expiry' ELSE 'earn' END,
             CASE WHEN i % 21 = 0 THEN -500 WHEN i % 53 = 1 THEN -(10 + i % 90) ELSE 10 + i % 90 END,
             10 + i % 90,
             CASE WHEN i % 21 = 0 THEN 'redemption' WHEN i % 53 = 1 THEN 'expiry' ELSE 'order' END,
             'gid://shopify/Order/' || i,
             now() - ((i % 365) || ' days')::interval - ((i % 1440) || ' minutes')::interval
      FROM generate_series(1, ${SEARCH_LEDGER_ROWS}) AS i`;
    // VACUUM as well as ANALYZE: the visibility map lets the analytics queries scan their index
    // alone (index-only), as autovacuum would have arranged on a table that grew over time.
    await sql`VACUUM ANALYZE customers`;
    await sql`VACUUM ANALYZE points_transactions`;
    // And the analytics' rollups the ledger's triggers filled (postgres/points-daily.ts), with the
    // changes they appended folded in, as the sweeper does each minute.
    while ((await sql`SELECT points_daily_fold(50000) AS folded`)[0].folded > 0);
    await sql`VACUUM ANALYZE points_daily`;
    await sql`VACUUM ANALYZE points_daily_pending`;
    await sql`VACUUM ANALYZE customer_orders`;
    return { customers: SEARCH_CUSTOMERS, ledgerRows: SEARCH_LEDGER_ROWS, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
  } finally {
    await sql.end();
  }
}

function base64Url(data) {
  return Buffer.from(data).toString("base64url");
}

/** An App Bridge session token for the bench shop (HS256, one minute). */
export function sessionToken(apiKey, secret, shop = SHOP, user = "1") {
  const now = Math.floor(Date.now() / 1000);
  const header = base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = base64Url(
    JSON.stringify({ iss: `https://${shop}/admin`, dest: `https://${shop}`, aud: apiKey, sub: user, exp: now + 60, nbf: now - 5, iat: now - 5, jti: randomUUID(), sid: "bench" }),
  );
  const signature = createHmac("sha256", secret).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${signature}`;
}

/** A merchant search as the dashboard sends it: name fragments, an id, or a page of the list. */
export function searchPath(random) {
  const roll = random();
  if (roll < 0.6) {
    const name = (random() < 0.5 ? FIRST_NAMES : LAST_NAMES)[Math.floor(random() * 10)];
    return `/v1/api/customers?search=${encodeURIComponent(name.slice(0, 3 + Math.floor(random() * 3)))}&per_page=25`;
  }
  if (roll < 0.8) return `/v1/api/customers?search=${ID_PREFIX}${String(1 + Math.floor(random() * SEARCH_CUSTOMERS)).padStart(12, "0")}`;
  return `/v1/api/customers?page=${1 + Math.floor(random() * 40)}&per_page=25`;
}
