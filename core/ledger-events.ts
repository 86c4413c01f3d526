// What a CustomerAccount's ledger holds and what its outbox publishes on the ledger-events
// queue. Plain types: the object writes them, the queue consumer and the Postgres projection
// read them, and none of those reaches into another's folder for them.
import type { EarnSnapshot } from "./program";

export type LedgerKind = "earn" | "reversal" | "signup";

export interface AccountSummary {
  customer_id: string;
  points_balance: number;
  total_points_earned: number;
  total_points_redeemed: number;
  total_points_reversed: number;
}

export interface LedgerEntry {
  id: string;
  seq: number;
  kind: LedgerKind;
  points: number;
  balance_after: number;
  source_type: "order" | "refund" | "customer";
  source_id: string;
  snapshot: EarnSnapshot | null;
  note: string | null;
  created_at: string;
}

export interface CustomerProfile {
  email_encrypted: string | null;
  email_blind_index: string | null;
  first_name: string | null;
  last_name: string | null;
  shopify_created_at: string | null;
}

/** What the ledger-events queue carries from an account's outbox. */
export type LedgerEvent =
  | {
      type: "ledger_entry";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      entry: LedgerEntry;
      account: Omit<AccountSummary, "customer_id">;
    }
  | {
      type: "customer_profile";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      profile: CustomerProfile;
    }
  | {
      type: "order_seen";
      shop: string;
      customer_id: string;
      outbox_seq: number;
      order_gid: string;
    };
