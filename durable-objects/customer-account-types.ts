import type { ProgramSettings } from "../core/program";
import type { CustomerProfile } from "../core/ledger-events";

export interface Delivery {
  /** X-Shopify-Event-Id, else X-Shopify-Webhook-Id, else an internal id. */
  id: string;
  topic: string;
}

export interface AccountIdentity {
  shop: string;
  customerId: string;
}

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

export interface CustomerCreatedInput extends AccountIdentity {
  delivery: Delivery;
  customerGid: string;
  profile: CustomerProfile;
  program: ProgramSettings;
}
