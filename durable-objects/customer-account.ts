// One object per (shop, customer): the only writer of that customer's points. Every effect is
// applied synchronously inside one storage transaction, so concurrent deliveries serialize and
// an effect's idempotency key, its ledger rows, the balance and its outbox rows commit together.
import { DurableObject } from "cloudflare:workers";
import { backoffMs, type BackoffPolicy } from "../core/backoff";
import { computeOrderEarn, reversalTarget, type EarnSnapshot } from "../core/program";
import { migrateSqlStorage } from "./sql-migrations";
import { CUSTOMER_ACCOUNT_MIGRATIONS } from "./customer-account-schema";
import type { AccountSummary, LedgerEntry, LedgerEvent, LedgerKind } from "../core/ledger-events";
import type {
  AccountIdentity,
  CustomerCreatedInput,
  Delivery,
  EffectResult,
  OrderCancelledInput,
  OrderPaidInput,
  RefundInput,
} from "./customer-account-types";

/** An unconfirmed outbox row is sent again after 15 s, then 30 s, … at most every 10 minutes. */
export const OUTBOX_RESEND: BackoffPolicy = { baseMs: 15_000, maxMs: 600_000 };
// One sendBatch: queues take at most 100 messages per batch.
const OUTBOX_BATCH = 90;

type Row = Record<string, SqlStorageValue>;

type OrderRow = {
  order_gid: string;
  paid: number;
  base_mills: number | null;
  earned: number;
  snapshot: string | null;
  refunded_mills: number;
  cancelled: number;
  reversed: number;
  forgiven: number;
};

interface Trigger {
  sourceType: LedgerEntry["source_type"];
  sourceId: string;
  idempotencyKey: string;
  note: string | null;
}

export function customerAccountName(shop: string, customerId: string): string {
  return `${shop}:${customerId}`;
}

export class CustomerAccount extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private flushing: Promise<void> | null = null;
  // In-memory copies of one-row tables; dropped whenever a transaction rolls back.
  private boundIdentity: AccountIdentity | null = null;
  private accountRow: Omit<AccountSummary, "customer_id"> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateSqlStorage(ctx.storage, CUSTOMER_ACCOUNT_MIGRATIONS));
  }

  // --- Effects (RPC) ------------------------------------------------------------------------

  orderPaid(input: OrderPaidInput): EffectResult {
    return this.applyOnce(input, input.delivery, `${input.orderGid}:earn`, () => {
      const account = this.summaryRow();
      const { points, snapshot } = computeOrderEarn(
        input.program,
        input.baseMills,
        account.total_points_earned - account.total_points_reversed,
      );
      const prior = this.sql
        .exec<{ refunded_mills: number; cancelled: number }>(
          `INSERT INTO orders (order_gid, paid, base_mills, earned, snapshot, updated_at) VALUES (?, 1, ?, ?, ?, ?)
           ON CONFLICT (order_gid) DO UPDATE SET paid = 1, base_mills = excluded.base_mills, earned = excluded.earned,
             snapshot = excluded.snapshot, updated_at = excluded.updated_at
           RETURNING refunded_mills, cancelled`,
          input.orderGid,
          input.baseMills,
          points,
          JSON.stringify(snapshot),
          Date.now(),
        )
        .one();
      if (points > 0) {
        this.append("earn", points, {
          sourceType: "order",
          sourceId: input.orderGid,
          idempotencyKey: `${input.orderGid}:earn`,
          note: null,
        }, snapshot);
      }
      this.enqueue({ type: "order_seen", order_gid: input.orderGid });
      if (prior.refunded_mills === 0 && prior.cancelled === 0) return points;
      // Refunds or a cancellation that arrived before the payment are applied now.
      return points - this.reconcile(input.orderGid, {
        sourceType: "order",
        sourceId: input.orderGid,
        idempotencyKey: `${input.orderGid}:late-reversal`,
        note: "refunds or cancellation received before the payment",
      });
    });
  }

  orderCancelled(input: OrderCancelledInput): EffectResult {
    return this.applyOnce(input, input.delivery, `${input.orderGid}:cancel`, () => {
      this.touchOrder(input.orderGid);
      this.sql.exec(`UPDATE orders SET cancelled = 1, updated_at = ? WHERE order_gid = ?`, Date.now(), input.orderGid);
      this.enqueue({ type: "order_seen", order_gid: input.orderGid });
      return -this.reconcile(input.orderGid, {
        sourceType: "order",
        sourceId: input.orderGid,
        idempotencyKey: `${input.orderGid}:cancel`,
        note: "order cancelled",
      });
    });
  }

  refundCreated(input: RefundInput): EffectResult {
    return this.applyOnce(input, input.delivery, `${input.refundGid}:refund`, () => {
      this.touchOrder(input.orderGid);
      this.sql.exec(
        `UPDATE orders SET refunded_mills = refunded_mills + ?, updated_at = ? WHERE order_gid = ?`,
        input.refundedMills,
        Date.now(),
        input.orderGid,
      );
      return -this.reconcile(input.orderGid, {
        sourceType: "refund",
        sourceId: input.refundGid,
        idempotencyKey: `${input.refundGid}:refund`,
        note: "order refunded",
      });
    });
  }

  customerCreated(input: CustomerCreatedInput): EffectResult {
    return this.applyOnce(input, input.delivery, `${input.customerGid}:signup`, () => {
      this.enqueue({ type: "customer_profile", profile: input.profile });
      const points = input.program.signup_points;
      if (points > 0) {
        this.append("signup", points, {
          sourceType: "customer",
          sourceId: input.customerGid,
          idempotencyKey: `${input.customerGid}:signup`,
          note: "signup bonus",
        }, null);
      }
      return points;
    });
  }

  // --- Reads (RPC) --------------------------------------------------------------------------

  summary(): Omit<AccountSummary, "customer_id"> {
    const { total_points_earned, total_points_redeemed, total_points_reversed, points_balance } = this.summaryRow();
    return { points_balance, total_points_earned, total_points_redeemed, total_points_reversed };
  }

  /** Newest first; `beforeSeq` pages backwards. */
  ledger(limit: number, beforeSeq?: number): LedgerEntry[] {
    const rows = this.sql
      .exec(
        `SELECT * FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
        beforeSeq ?? Number.MAX_SAFE_INTEGER,
        Math.max(1, Math.min(limit, 500)),
      )
      .toArray();
    return rows.map(toLedgerEntry);
  }

  /** The bench's floor: one bare SQLite write in an object of this class, nothing else. */
  benchFloorWrite(): number {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS bench_floor (n INTEGER)`);
    return this.sql.exec(`INSERT INTO bench_floor (n) VALUES (1)`).rowsWritten;
  }

  // --- Outbox -------------------------------------------------------------------------------

  /** Called by the ledger-events consumer once Postgres holds these events. */
  outboxDelivered(seqs: number[]): number {
    let deleted = 0;
    for (let i = 0; i < seqs.length; i += 90) {
      const chunk = seqs.slice(i, i + 90);
      deleted += this.sql.exec(
        `DELETE FROM outbox WHERE seq IN (${chunk.map(() => "?").join(",")})`,
        ...chunk,
      ).rowsWritten;
    }
    // Nothing left to resend: the alarm armed with the effects would only wake us for nothing.
    if (!this.outboxPending()) void this.ctx.storage.deleteAlarm();
    return deleted;
  }

  override async alarm(): Promise<void> {
    // The alarm is spent: whatever is still unconfirmed after this send needs the next one.
    await this.flushOutbox();
    const next = this.sql.exec<{ at: number | null }>(`SELECT min(next_send_at) AS at FROM outbox`).one().at;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1_000));
  }

  /** Sends unsent rows (and rows sent long ago but never confirmed). */
  flushOutbox(): Promise<void> {
    this.flushing ??= this.sendOutbox().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private outboxPending(): boolean {
    return this.sql.exec<{ n: number }>(`SELECT EXISTS (SELECT 1 FROM outbox) AS n`).one().n === 1;
  }

  private async sendOutbox(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const rows = this.sql
        .exec<{ seq: number; body: string; send_count: number }>(
          `SELECT seq, body, send_count FROM outbox WHERE next_send_at IS NULL OR next_send_at <= ? ORDER BY seq LIMIT ?`,
          now,
          OUTBOX_BATCH,
        )
        .toArray();
      if (rows.length === 0) return;
      let sent = true;
      try {
        await this.env.LEDGER_EVENTS.sendBatch(
          rows.map((row) => ({ body: { ...JSON.parse(row.body), outbox_seq: row.seq } as LedgerEvent, contentType: "json" as const })),
        );
      } catch (error) {
        console.warn("outbox: send failed, the alarm will retry", String(error));
        sent = false;
      }
      // Sent or not, each row's next try backs off; the consumer's confirmation deletes it.
      // One UPDATE per backoff step: the rows of one flush nearly always share their send count.
      const bySendCount = new Map<number, number[]>();
      for (const row of rows) bySendCount.set(row.send_count, [...(bySendCount.get(row.send_count) ?? []), row.seq]);
      for (const [sendCount, seqs] of bySendCount) {
        this.sql.exec(
          `UPDATE outbox SET sent_at = CASE WHEN ? THEN ? ELSE sent_at END, send_count = send_count + 1, next_send_at = ?
           WHERE seq IN (${seqs.map(() => "?").join(",")})`,
          sent ? 1 : 0,
          now,
          now + backoffMs(OUTBOX_RESEND, sendCount),
          ...seqs,
        );
      }
      if (!sent || rows.length < OUTBOX_BATCH) return;
    }
  }

  // --- Internals ----------------------------------------------------------------------------

  private applyOnce(
    identity: AccountIdentity,
    delivery: Delivery,
    idempotencyKey: string,
    apply: () => number,
  ): EffectResult {
    this.bindIdentity(identity);
    this.sql.exec(
      `INSERT OR IGNORE INTO deliveries (delivery_id, topic, received_at) VALUES (?, ?, ?)`,
      delivery.id,
      delivery.topic,
      Date.now(),
    );
    const seen = this.sql
      .exec<{ result: string }>(`SELECT result FROM effects WHERE idempotency_key = ?`, idempotencyKey)
      .toArray()[0];
    if (seen) {
      const { points } = JSON.parse(seen.result) as { points: number };
      return { outcome: "duplicate", points, balance: this.summaryRow().points_balance };
    }
    let points: number;
    try {
      points = this.ctx.storage.transactionSync(() => {
        const points = apply();
        this.sql.exec(
          `INSERT INTO effects (idempotency_key, result, created_at) VALUES (?, ?, ?)`,
          idempotencyKey,
          JSON.stringify({ points }),
          Date.now(),
        );
        return points;
      });
    } catch (error) {
      this.accountRow = null;
      throw error;
    }
    // Armed in the same output-gated write as the effect: if the process dies before the
    // outbox is sent, the alarm sends it.
    void this.ctx.storage.setAlarm(Date.now() + OUTBOX_RESEND.baseMs);
    this.ctx.waitUntil(this.flushOutbox());
    const balance = this.summaryRow().points_balance;
    return points === 0 ? { outcome: "recorded", points: 0, balance } : { outcome: "applied", points, balance };
  }

  private bindIdentity(identity: AccountIdentity): void {
    const bound = this.identity();
    if (!bound) {
      this.sql.exec(`INSERT INTO identity (singleton, shop, customer_id) VALUES (1, ?, ?)`, identity.shop, identity.customerId);
      this.boundIdentity = { shop: identity.shop, customerId: identity.customerId };
    } else if (bound.shop !== identity.shop || bound.customerId !== identity.customerId) {
      throw new Error(`account ${bound.shop}:${bound.customerId} addressed as ${identity.shop}:${identity.customerId}`);
    }
  }

  private identity(): AccountIdentity | null {
    if (!this.boundIdentity) {
      const row = this.sql.exec<{ shop: string; customer_id: string }>(`SELECT shop, customer_id FROM identity`).toArray()[0];
      if (row) this.boundIdentity = { shop: row.shop, customerId: row.customer_id };
    }
    return this.boundIdentity;
  }

  private summaryRow(): Omit<AccountSummary, "customer_id"> {
    if (!this.accountRow) {
      const row = this.sql
        .exec<{ balance: number; total_earned: number; total_redeemed: number; total_reversed: number }>(
          `SELECT balance, total_earned, total_redeemed, total_reversed FROM account`,
        )
        .one();
      this.accountRow = {
        points_balance: row.balance,
        total_points_earned: row.total_earned,
        total_points_redeemed: row.total_redeemed,
        total_points_reversed: row.total_reversed,
      };
    }
    return { ...this.accountRow };
  }

  private touchOrder(orderGid: string): void {
    this.sql.exec(`INSERT OR IGNORE INTO orders (order_gid, updated_at) VALUES (?, ?)`, orderGid, Date.now());
  }

  /**
   * Brings an order's reversals up to what its refunds and cancellation call for (money rule
   * 3): never more than it earned, never below a zero balance. Returns the points taken back.
   */
  private reconcile(orderGid: string, trigger: Trigger): number {
    const order = this.sql.exec<OrderRow>(`SELECT * FROM orders WHERE order_gid = ?`, orderGid).one();
    if (!order.paid || order.base_mills === null) return 0;
    const target = reversalTarget(order.earned, order.base_mills, order.refunded_mills, order.cancelled === 1);
    const owed = target - order.reversed;
    if (owed <= 0) return 0;
    const taken = Math.min(owed, this.summaryRow().points_balance);
    if (taken > 0) {
      const snapshot = order.snapshot ? (JSON.parse(order.snapshot) as EarnSnapshot) : null;
      this.append("reversal", -taken, trigger, snapshot);
    }
    this.sql.exec(
      `UPDATE orders SET reversed = ?, forgiven = forgiven + ?, updated_at = ? WHERE order_gid = ?`,
      target,
      owed - taken,
      Date.now(),
      orderGid,
    );
    return taken;
  }

  private append(kind: LedgerKind, points: number, trigger: Trigger, snapshot: EarnSnapshot | null): void {
    const before = this.summaryRow();
    const after = {
      ...before,
      points_balance: before.points_balance + points,
      total_points_earned: before.total_points_earned + (kind === "reversal" ? 0 : Math.max(points, 0)),
      total_points_reversed: before.total_points_reversed + (kind === "reversal" ? -points : 0),
    };
    const balance = after.points_balance;
    if (balance < 0) throw new Error("ledger entry would make the balance negative");
    this.sql.exec(
      `UPDATE account SET balance = ?, total_earned = ?, total_reversed = ?`,
      balance,
      after.total_points_earned,
      after.total_points_reversed,
    );
    this.accountRow = after;
    const createdAt = Date.now();
    const id = crypto.randomUUID();
    const seq = this.sql
      .exec<{ seq: number }>(
        `INSERT INTO ledger (id, kind, points, balance_after, source_type, source_id, idempotency_key, snapshot, note, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
        id,
        kind,
        points,
        balance,
        trigger.sourceType,
        trigger.sourceId,
        trigger.idempotencyKey,
        snapshot ? JSON.stringify(snapshot) : null,
        trigger.note,
        createdAt,
      )
      .one().seq;
    const { points_balance, total_points_earned, total_points_redeemed, total_points_reversed } = after;
    this.enqueue({
      type: "ledger_entry",
      entry: {
        id,
        seq,
        kind,
        points,
        balance_after: balance,
        source_type: trigger.sourceType,
        source_id: trigger.sourceId,
        snapshot,
        note: trigger.note,
        created_at: new Date(createdAt).toISOString(),
      },
      account: { points_balance, total_points_earned, total_points_redeemed, total_points_reversed },
    });
  }

  /** The row's seq becomes the event's `outbox_seq` when it is sent. */
  private enqueue(event: DistributiveOmit<LedgerEvent, "shop" | "customer_id" | "outbox_seq">): void {
    const { shop, customerId } = this.identity()!;
    this.sql.exec(`INSERT INTO outbox (body) VALUES (?)`, JSON.stringify({ ...event, shop, customer_id: customerId }));
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function toLedgerEntry(row: Row): LedgerEntry {
  return {
    id: row.id as string,
    seq: row.seq as number,
    kind: row.kind as LedgerKind,
    points: row.points as number,
    balance_after: row.balance_after as number,
    source_type: row.source_type as LedgerEntry["source_type"],
    source_id: row.source_id as string,
    snapshot: row.snapshot ? (JSON.parse(row.snapshot as string) as EarnSnapshot) : null,
    note: (row.note as string | null) ?? null,
    created_at: new Date(row.created_at as number).toISOString(),
  };
}
