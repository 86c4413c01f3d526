// Customers' ledgers as their objects would publish them on the ledger-events queue (seq,
// balance_after and the account's totals kept), for tests that fill the Postgres projection
// through its own writer (postgres/projection.ts projectEvents) and check what is read back.
import type { LedgerEvent, LedgerKind } from "../../core/ledger-events";

/** Builds customers' ledgers as their objects would publish them: seq, balance_after and totals kept. */
export class Ledger {
  readonly events: LedgerEvent[] = [];
  private readonly accounts = new Map<string, { seq: number; balance: number; earned: number; redeemed: number; reversed: number }>();
  constructor(readonly shop: string) {}

  customer(id: string, createdAt: string): this {
    this.events.push({
      type: "customer_profile",
      shop: this.shop,
      customer_id: id,
      outbox_seq: 0,
      profile: { email_encrypted: null, email_blind_index: null, first_name: `F${id}`, last_name: `L${id}`, shopify_created_at: createdAt },
    });
    return this;
  }

  entry(id: string, at: string, kind: LedgerKind, points: number, sourceId = `${kind}-${id}-${at}`, baseMills?: number): this {
    const a = this.accounts.get(id) ?? { seq: 0, balance: 0, earned: 0, redeemed: 0, reversed: 0 };
    a.seq += 1;
    a.balance += points;
    if (points > 0 && kind !== "release") a.earned += points;
    if (kind === "redemption") a.redeemed -= points;
    if (kind === "release") a.redeemed -= points;
    if (kind === "reversal") a.reversed -= points;
    this.accounts.set(id, a);
    const sourceType = kind === "earn" ? "order" : kind === "reversal" ? "refund" : kind === "redemption" || kind === "release" ? "redemption" : kind === "expiry" ? "expiry" : kind === "adjustment" ? "adjustment" : "customer";
    this.events.push({
      type: "ledger_entry",
      shop: this.shop,
      customer_id: id,
      outbox_seq: a.seq,
      entry: {
        id: crypto.randomUUID(),
        seq: a.seq,
        kind,
        points,
        balance_after: a.balance,
        source_type: sourceType,
        source_id: sourceId,
        snapshot: baseMills === undefined ? null : ({ base_mills: baseMills, program_version: 1, points_per_currency_unit: 10 } as never),
        note: null,
        created_at: at,
      },
      account: { points_balance: a.balance, total_points_earned: a.earned, total_points_redeemed: a.redeemed, total_points_reversed: a.reversed },
    });
    return this;
  }

  tier(id: string, seq: number, to: string | null, at: string): this {
    this.events.push({
      type: "tier_changed",
      shop: this.shop,
      customer_id: id,
      outbox_seq: 100 + seq,
      change: { id: crypto.randomUUID(), seq, from: null, to, reason: "qualified", basis: "points", value: 0, at },
    } as LedgerEvent);
    return this;
  }
}

