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

export async function searchCustomers(
  sql: Sql,
  shop: string,
  search: CustomerSearch,
  page: number,
  perPage: number,
): Promise<{ rows: CustomerRow[]; total: number }> {
  const offset = (page - 1) * perPage;
  const where =
    search.kind === "email"
      ? sql`shop = ${shop} AND email_blind_index = ${search.blindIndex}`
      : search.kind === "id"
        ? sql`shop = ${shop} AND customer_id = ${search.customerId}`
        : search.kind === "name"
          ? sql`shop = ${shop} AND (coalesce(first_name, '') || ' ' || coalesce(last_name, '')) ILIKE ${"%" + escapeLike(search.text) + "%"}`
          : // A redacted customer's anonymous row (postgres/gdpr.ts) keeps the shop's totals, not a place in the list.
            sql`shop = ${shop} AND customer_id NOT LIKE 'redacted-%'`;
  // One after the other on one connection: in parallel, postgres.js would open a second one,
  // and without a pool (local Hyperdrive) each connection costs more than these queries. A
  // window count instead makes Postgres sort every match (measured slower, bench/README.md).
  const rows = await sql<CustomerRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM customers WHERE ${where}
    ORDER BY created_at DESC, customer_id LIMIT ${perPage} OFFSET ${offset}`;
  const count = await sql<{ total: string }[]>`SELECT count(*)::text AS total FROM customers WHERE ${where}`;
  return { rows: [...rows], total: Number(count[0]?.total ?? 0) };
}

export async function findCustomer(sql: Sql, shop: string, customerId: string): Promise<CustomerRow | null> {
  const rows = await sql<CustomerRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`;
  return rows[0] ?? null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
