// Merchant-facing reads of the projection. Every query is scoped by the verified shop.
import type { Sql } from "./client";

export interface CustomerRow {
  customer_id: string;
  email_encrypted: string | null;
  first_name: string | null;
  last_name: string | null;
  points_balance: string;
  total_points_earned: string;
  total_points_redeemed: string;
  total_points_reversed: string;
  created_at: Date;
}

export type CustomerSearch =
  | { kind: "all" }
  | { kind: "email"; blindIndex: string }
  | { kind: "id"; customerId: string }
  | { kind: "name"; text: string };

const COLUMNS = "customer_id, email_encrypted, first_name, last_name, points_balance, total_points_earned, total_points_redeemed, total_points_reversed, created_at";

/** A page of matches and how many there are: exactly, or (`exact: false`) at least `total`. */
export interface CustomerPage {
  rows: CustomerRow[];
  total: number;
  exact: boolean;
}

// A name fragment's matches are counted up to a bound (the next round thousand past the page
// asked for, at least a thousand): "Ada" matches a tenth of a shop, and counting every match
// was the search's largest cost (EXPLAIN (ANALYZE, BUFFERS) over the bench's 50,000 customers:
// 3,649 buffers for the count and page of "ada", 912 with the bound). The list of everyone
// stays counted exactly (an index-only count): it is the shop's member count.
const NAME_COUNT_STEP = 1_000;

/** How far a name fragment's matches are counted for a page ending at `end`. */
export function nameCountBound(end: number): number {
  return Math.ceil((end + 1) / NAME_COUNT_STEP) * NAME_COUNT_STEP;
}

export async function searchCustomers(
  sql: Sql,
  shop: string,
  search: CustomerSearch,
  page: number,
  perPage: number,
): Promise<CustomerPage> {
  const offset = (page - 1) * perPage;
  const where =
    search.kind === "email"
      ? sql`shop = ${shop} AND email_blind_index = ${search.blindIndex}`
      : search.kind === "id"
        ? sql`shop = ${shop} AND customer_id = ${search.customerId}`
        : search.kind === "name"
          ? // search_name is the name lower-cased when written (postgres/migrations/0009_analytics.sql
            // says why); the fragment is lower-cased by the same lower(), once.
            sql`shop = ${shop} AND search_name LIKE '%' || lower(${escapeLike(search.text)}) || '%'`
          : // A redacted customer's anonymous row (postgres/gdpr.ts) keeps the shop's totals, not a place in the list.
            sql`shop = ${shop} AND customer_id NOT LIKE 'redacted-%'`;
  // The page and the count in one statement, one round trip: each request opens its own
  // connection (local Hyperdrive does not pool) and on a busy machine every round trip waits
  // for the scheduler, so round trips, not the plans (≈1 ms for the page, 3–25 ms for a count of
  // thousands of matches), were most of the search's time. Two independent plans joined: a
  // window count instead makes Postgres sort every match (measured slower, bench/README.md).
  const bound = search.kind === "name" ? nameCountBound(offset + perPage) : null;
  const counted = bound === null ? sql`SELECT count(*) AS total FROM customers WHERE ${where}` : sql`SELECT count(*) AS total FROM (SELECT 1 FROM customers WHERE ${where} LIMIT ${bound}) AS bounded`;
  const rows = await sql<(CustomerRow & { total: string })[]>`
    SELECT counted.total::text AS total, page.* FROM (${counted}) AS counted
    LEFT JOIN LATERAL (
      SELECT ${sql.unsafe(COLUMNS)} FROM customers WHERE ${where}
      ORDER BY created_at DESC, customer_id LIMIT ${perPage} OFFSET ${offset}
    ) AS page ON true`;
  const total = Number(rows[0]?.total ?? 0);
  // An empty page still brings the count: one row of nulls.
  const found = rows.filter((r) => r.customer_id !== null).map(({ total: _total, ...row }) => row as CustomerRow);
  return { rows: found, total, exact: bound === null || total < bound };
}

export async function findCustomer(sql: Sql, shop: string, customerId: string): Promise<CustomerRow | null> {
  const rows = await sql<CustomerRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`;
  return rows[0] ?? null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
