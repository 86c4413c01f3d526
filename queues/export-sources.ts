// What each kind of export writes: its columns, how many rows it will have, and a page of CSV
// lines after a key. Emails are opened here, for the export's own shop only (the ciphertext's
// context names shop and customer, so another shop's row could not be opened anyway).
import { csvLine, numberCell, textCell } from "../core/csv";
import { decryptText, emailContext, type Keyring } from "../core/crypto";
import type { Sql } from "../postgres/client";
import { countCustomers, countDays, countLedger, customersAfter, daysAfter, ledgerAfter, type DateRange } from "../postgres/export-pages";
import type { ExportRow } from "../postgres/exports";

export interface ExportLine {
  line: string;
  /** The row's key: the next page starts after it. */
  key: string[];
}

export interface ExportSource {
  columns: readonly string[];
  count(sql: Sql): Promise<number>;
  page(sql: Sql, after: string[] | null, limit: number): Promise<ExportLine[]>;
}

export const CUSTOMER_COLUMNS = ["customer_id", "email", "first_name", "last_name", "points_balance", "total_points_earned", "total_points_redeemed", "total_points_reversed", "created_at"] as const;
export const LEDGER_COLUMNS = ["customer_id", "entry_id", "seq", "kind", "points", "balance_after", "source_type", "source_id", "note", "created_at"] as const;
export const ANALYTICS_COLUMNS = ["date", "ledger_entries", "points_issued", "points_redeemed", "points_expired", "points_reversed", "points_adjusted_off", "net_points"] as const;

export function exportSource(row: ExportRow, keys: Keyring): ExportSource {
  const range: DateRange = { from: row.range_from, to: row.range_to };
  switch (row.kind) {
    case "customers":
      return {
        columns: CUSTOMER_COLUMNS,
        count: (sql) => countCustomers(sql, row.shop),
        async page(sql, after, limit) {
          const rows = await customersAfter(sql, row.shop, after?.[0] ?? null, limit);
          const emails = await Promise.all(rows.map((r) => openEmail(keys, row.shop, r.customer_id, r.email_encrypted)));
          return rows.map((r, i) => ({
            key: [r.customer_id],
            line: csvLine([
              textCell(r.customer_id),
              textCell(emails[i]),
              textCell(r.first_name),
              textCell(r.last_name),
              numberCell(r.points_balance),
              numberCell(r.total_points_earned),
              numberCell(r.total_points_redeemed),
              numberCell(r.total_points_reversed),
              textCell(r.created_at.toISOString()),
            ]),
          }));
        },
      };
    case "ledger":
      return {
        columns: LEDGER_COLUMNS,
        count: (sql) => countLedger(sql, row.shop, range),
        async page(sql, after, limit) {
          const rows = await ledgerAfter(sql, row.shop, range, after ? { customerId: after[0]!, seq: after[1]! } : null, limit);
          return rows.map((r) => ({
            key: [r.customer_id, r.seq],
            line: csvLine([
              textCell(r.customer_id),
              textCell(r.entry_id),
              numberCell(r.seq),
              textCell(r.kind),
              numberCell(r.points),
              numberCell(r.balance_after),
              textCell(r.source_type),
              textCell(r.source_id),
              textCell(r.note),
              textCell(r.created_at.toISOString()),
            ]),
          }));
        },
      };
    case "analytics":
      return {
        columns: ANALYTICS_COLUMNS,
        count: (sql) => countDays(sql, row.shop, range),
        async page(sql, after, limit) {
          const rows = await daysAfter(sql, row.shop, range, after?.[0] ?? null, limit);
          return rows.map((r) => ({
            key: [r.day],
            line: csvLine([textCell(r.day), numberCell(r.entries), numberCell(r.issued), numberCell(r.redeemed), numberCell(r.expired), numberCell(r.reversed), numberCell(r.adjusted_off), numberCell(r.net)]),
          }));
        },
      };
  }
}

/** Empty when absent or unreadable (a v1 row the re-encryption sweep has not reached yet). */
async function openEmail(keys: Keyring, shop: string, customerId: string, sealed: string | null): Promise<string | null> {
  if (!sealed) return null;
  try {
    return await decryptText(keys, sealed, emailContext(shop, customerId));
  } catch {
    return null;
  }
}
