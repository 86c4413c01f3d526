import type { EarnSnapshot, ProgramSettings } from "../core/program";

export interface Delivery {
  /** X-Shopify-Event-Id, else X-Shopify-Webhook-Id, else an internal id. */
  id: string;
  topic: string;
}

export interface AccountIdentity {
  shop: string;
  customerId: string;
}

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

export type LedgerKind = "earn" | "reversal" | "signup";

export type EffectResult =
  | { outcome: "applied"; points: number; balance: number }
  | { outcome: "duplicate"; points: number; balance: number }
  | { outcome: "recorded"; points: 0; balance: number };

export interface OrderPaidInput extends AccountIdentity {
  delivery: Delivery;
  orderGid: string;
  baseMills: number;
  program: ProgramSettings;
}

export interface OrderCancelledInput extends AccountIdentity {
  delivery: Delivery;
  orderGid: string;
}

export interface RefundInput extends AccountIdentity {
  delivery: Delivery;
  orderGid: string;
  refundGid: string;
  refundedMills: number;
}

export interface CustomerProfile {
  email_encrypted: string | null;
  email_blind_index: string | null;
  first_name: string | null;
  last_name: string | null;
  shopify_created_at: string | null;
}

export interface CustomerCreatedInput extends AccountIdentity {
  delivery: Delivery;
  customerGid: string;
  profile: CustomerProfile;
  program: ProgramSettings;
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
