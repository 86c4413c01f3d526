// The rows each CSV export reads, a page at a time after a key (keyset pages, each on an index,
// so a page costs the same at the end of a million rows as at the start). Scoped by the shop.
import { ACTION_KINDS } from "../core/ledger-events";
import type { Sql } from "./client";
import type { CustomerRow } from "./customers";

export interface DateRange {
  from: string | null;
  to: string | null;
}

// --- customers: by customer id (the primary key) --------------------------------------------

/** A customer as the projection holds it (the search's row). */
export type CustomerExportRow = CustomerRow;

// A redacted customer's anonymous row (postgres/gdpr.ts) is nobody's: not exported.
export async function countCustomers(sql: Sql, shop: string): Promise<number> {
  const [row] = await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM customers WHERE shop = ${shop} AND customer_id NOT LIKE 'redacted-%'`;
  return Number(row!.n);
}

export async function customersAfter(sql: Sql, shop: string, after: string | null, limit: number): Promise<CustomerExportRow[]> {
  return [
    ...(await sql<CustomerExportRow[]>`
      SELECT customer_id, email_encrypted, first_name, last_name, points_balance, total_points_earned, total_points_redeemed,
             total_points_reversed, created_at
      FROM customers WHERE shop = ${shop} AND customer_id > ${after ?? ""} AND customer_id NOT LIKE 'redacted-%'
      ORDER BY customer_id LIMIT ${limit}`),
  ];
}

// --- ledger: by customer, newest entry first (the index points_transactions_customer) -------

export interface LedgerExportRow {
  entry_id: string;
  customer_id: string;
  seq: string;
  kind: string;
  points: string;
  balance_after: string;
  source_type: string;
  source_id: string;
  note: string | null;
  created_at: Date;
}

function ledgerRange(sql: Sql, range: DateRange) {
  // Dates are whole UTC days, both ends included.
  const from = range.from === null ? sql`` : sql`AND created_at >= (${range.from}::date)::timestamp AT TIME ZONE 'UTC'`;
  const to = range.to === null ? sql`` : sql`AND created_at < ((${range.to}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  return sql`${from} ${to}`;
}

export async function countLedger(sql: Sql, shop: string, range: DateRange): Promise<number> {
  const [row] = await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM points_transactions WHERE shop = ${shop} ${ledgerRange(sql, range)}`;
  return Number(row!.n);
}

/** After (customer, seq): the same customer's older entries, then the next customers'. */
export async function ledgerAfter(sql: Sql, shop: string, range: DateRange, after: { customerId: string; seq: string } | null, limit: number): Promise<LedgerExportRow[]> {
  const keyset = after === null ? sql`` : sql`AND customer_id >= ${after.customerId} AND (customer_id > ${after.customerId} OR seq < ${after.seq})`;
  return [
    ...(await sql<LedgerExportRow[]>`
      SELECT entry_id::text, customer_id, seq::text, kind, points::text, balance_after::text, source_type, source_id, note, created_at
      FROM points_transactions WHERE shop = ${shop} ${ledgerRange(sql, range)} ${keyset}
      ORDER BY customer_id, seq DESC LIMIT ${limit}`),
  ];
}

// --- analytics: the ledger's daily series ----------------------------------------------------
// Points by what they did, per UTC day with entries. Issued = positive points of the kinds that
// count as earned (core/ledger-events.ts countsAsEarned); redeemed = redemptions less the
// points released back; expired, reversed and taken off by adjustments, as positive numbers.

export interface DailyRow {
  day: string;
  entries: string;
  issued: string;
  redeemed: string;
  expired: string;
  reversed: string;
  adjusted_off: string;
  net: string;
}

const EARNED_KINDS = ["earn", "adjustment", "campaign", "referral", ...ACTION_KINDS];

export async function countDays(sql: Sql, shop: string, range: DateRange): Promise<number> {
  const [row] = await sql<{ n: string }[]>`
    SELECT count(DISTINCT (created_at AT TIME ZONE 'UTC')::date)::text AS n FROM points_transactions WHERE shop = ${shop} ${ledgerRange(sql, range)}`;
  return Number(row!.n);
}

export async function daysAfter(sql: Sql, shop: string, range: DateRange, after: string | null, limit: number): Promise<DailyRow[]> {
  const keyset = after === null ? sql`` : sql`AND created_at >= ((${after}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  return [
    ...(await sql<DailyRow[]>`
      SELECT (created_at AT TIME ZONE 'UTC')::date::text AS day,
        count(*)::text AS entries,
        coalesce(sum(points) FILTER (WHERE points > 0 AND kind IN ${sql(EARNED_KINDS)}), 0)::text AS issued,
        (-coalesce(sum(points) FILTER (WHERE kind IN ('redemption', 'release')), 0))::text AS redeemed,
        (-coalesce(sum(points) FILTER (WHERE kind = 'expiry'), 0))::text AS expired,
        (-coalesce(sum(points) FILTER (WHERE kind = 'reversal'), 0))::text AS reversed,
        (-coalesce(sum(points) FILTER (WHERE kind = 'adjustment' AND points < 0), 0))::text AS adjusted_off,
        coalesce(sum(points), 0)::text AS net
      FROM points_transactions WHERE shop = ${shop} ${ledgerRange(sql, range)} ${keyset}
      GROUP BY 1 ORDER BY 1 LIMIT ${limit}`),
  ];
}
