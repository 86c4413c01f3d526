// The Postgres projection: equal to the ledgers, idempotent, and patient when Postgres is down.
import { createMessageBatch, env, getQueueResult, runDurableObjectAlarm, runInDurableObject, createExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptText, emailContext, keyring } from "../../core/crypto";
import type { LedgerEvent } from "../../core/ledger-events";
import { customerAccount } from "../../durable-objects/stubs";
import { connectReporting } from "../../postgres/client";
import { handleLedgerEvents } from "../../queues/ledger-events";
import { accountState, call, eventually, install } from "../helpers/app";
import { customerBody, orderBody, refundBody, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("projection");
const sql = connectReporting(env);

beforeAll(() => install(shop));
afterAll(() => sql.end({ timeout: 1 }));

async function projected(customerId: string) {
  const entries = await sql<{ entry_id: string; points: string }[]>`
    SELECT entry_id, points FROM points_transactions WHERE shop = ${shop} AND customer_id = ${customerId} ORDER BY seq`;
  const [customer] = await sql<{ points_balance: string }[]>`
    SELECT points_balance FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`;
  return { entries: entries.map((e) => Number(e.points)), balance: customer ? Number(customer.points_balance) : null };
}

describe("the reporting projection", () => {
  it("ends equal to the ledger, and each account's outbox empties", async () => {
    const customerId = "7001";
    await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "p@example.com" })));
    await call(await webhookRequest("orders/paid", shop, orderBody({ id: "87001", customerId, subtotal: "80.00" })));
    await call(await webhookRequest("refunds/create", shop, refundBody({ id: "97001", orderId: "87001", lineSubtotals: ["20.00"] })));
    const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length === 3 && s.outbox === 0);
    const rows = await eventually(() => projected(customerId), (p) => p.entries.length === 3);
    expect(rows.entries).toEqual(state.ledger.map((e) => e.points));
    expect(rows.balance).toBe(state.balance);
    expect(state.balance).toBe(200 + 800 - 200);
    expect(state.outbox).toBe(0);
    // Confirmed: the safety alarm armed with the effects has been cleared, no idle wake-up.
    expect(await runDurableObjectAlarm(customerAccount(env, shop, customerId))).toBe(false);
  });

  it("stores the email encrypted, with a blind index, never in clear", async () => {
    const [row] = await sql<{ email_encrypted: string; email_blind_index: string }[]>`
      SELECT email_encrypted, email_blind_index FROM customers WHERE shop = ${shop} AND customer_id = '7001'`;
    expect(row!.email_encrypted).not.toContain("p@example.com");
    const keys = await keyring(env);
    expect(await decryptText(keys, row!.email_encrypted, emailContext(shop, "7001"))).toBe("p@example.com");
    expect(row!.email_blind_index).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("the ledger-events consumer", () => {
  function entryEvent(customerId: string, seq: number, points: number): LedgerEvent {
    return {
      type: "ledger_entry",
      shop,
      customer_id: customerId,
      outbox_seq: seq,
      entry: {
        id: crypto.randomUUID(),
        seq,
        kind: "earn",
        points,
        balance_after: points * seq,
        source_type: "order",
        source_id: `gid://shopify/Order/${customerId}${seq}`,
        snapshot: null,
        note: null,
        created_at: new Date().toISOString(),
      },
      account: { points_balance: points * seq, total_points_earned: points * seq, total_points_redeemed: 0, total_points_reversed: 0 },
    };
  }

  it("leaves every event to its account's outbox while Postgres is unreachable (acked, not confirmed); then projects each once", async () => {
    const customerId = "7101";
    await call(await webhookRequest("orders/paid", shop, orderBody({ id: "87101", customerId, subtotal: "1.00" })));
    await eventually(() => accountState(shop, customerId), (s) => s.outbox === 0);
    await sql`DELETE FROM points_transactions WHERE shop = ${shop} AND customer_id = ${customerId}`;
    // Two events sent but unconfirmed, as an outage leaves them.
    const stub = customerAccount(env, shop, customerId);
    const events = await runInDurableObject(stub, (_o, state) =>
      [1, 2].map((seq) => {
        const outboxSeq = state.storage.sql.exec<{ seq: number }>(`INSERT INTO outbox (body, sent_at) VALUES ('', ?) RETURNING seq`, Date.now()).one().seq;
        const event = { ...entryEvent(customerId, seq, 10), outbox_seq: outboxSeq };
        state.storage.sql.exec(`UPDATE outbox SET body = ? WHERE seq = ?`, JSON.stringify(event), outboxSeq);
        return event;
      }),
    );
    const messages = () => events.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body }));

    const down = createMessageBatch("ledger-events", messages());
    const downCtx = createExecutionContext();
    await handleLedgerEvents(down, { ...env, HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: env.UNREACHABLE_PG_URL } });
    const failed = await getQueueResult(down, downCtx);
    expect(failed.retryMessages).toEqual([]);
    expect(failed.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect((await projected(customerId)).entries).toEqual([]);
    expect((await accountState(shop, customerId)).outbox).toBe(2);

    for (let delivery = 0; delivery < 3; delivery++) {
      const up = createMessageBatch("ledger-events", messages().reverse());
      const upCtx = createExecutionContext();
      await handleLedgerEvents(up, env);
      const result = await getQueueResult(up, upCtx);
      expect(result.retryMessages).toEqual([]);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    }
    expect((await projected(customerId)).entries).toEqual([10, 10]);
    expect((await accountState(shop, customerId)).outbox).toBe(0);
  });

  it("retries an event Postgres refuses on its own, projecting the rest of its batch", async () => {
    const poison: LedgerEvent = {
      type: "customer_profile",
      shop,
      customer_id: "7103",
      outbox_seq: 9,
      profile: { email_encrypted: null, email_blind_index: null, first_name: "Nul\u0000Byte", last_name: null, shopify_created_at: null },
    };
    const batch = createMessageBatch("ledger-events", [
      { id: "good-1", timestamp: new Date(), attempts: 1, body: entryEvent("7104", 1, 7) },
      { id: "poison", timestamp: new Date(), attempts: 1, body: poison },
      { id: "good-2", timestamp: new Date(), attempts: 1, body: entryEvent("7105", 1, 8) },
    ]);
    const ctx = createExecutionContext();
    await handleLedgerEvents(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["good-1", "good-2"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["poison"]);
    expect((await projected("7104")).entries).toEqual([7]);
    expect((await projected("7105")).entries).toEqual([8]);
  });

  it("keeps the newest balance when an older event arrives last", async () => {
    await handleLedgerEvents(createMessageBatch("ledger-events", [{ id: "n", timestamp: new Date(), attempts: 1, body: entryEvent("7102", 2, 5) }]), env);
    await handleLedgerEvents(createMessageBatch("ledger-events", [{ id: "o", timestamp: new Date(), attempts: 1, body: entryEvent("7102", 1, 5) }]), env);
    expect((await projected("7102")).balance).toBe(10);
  });
});

describe("the account's outbox", () => {
  it("resends from its alarm what was never confirmed (a lost queue message)", async () => {
    const customerId = "7201";
    await call(await webhookRequest("orders/paid", shop, orderBody({ id: "87201", customerId, subtotal: "12.00" })));
    await eventually(() => projected(customerId), (p) => p.entries.length === 1);
    await eventually(() => accountState(shop, customerId), (s) => s.outbox === 0);

    // Lose the projection's copy and put the event back as sent-but-unconfirmed.
    const stub = customerAccount(env, shop, customerId);
    const [entry] = await stub.ledger(1);
    await sql`DELETE FROM points_transactions WHERE shop = ${shop} AND customer_id = ${customerId}`;
    await runInDurableObject(stub, (_o, state) => {
      const event = {
        type: "ledger_entry",
        shop,
        customer_id: customerId,
        outbox_seq: 0,
        entry,
        account: { points_balance: 120, total_points_earned: 120, total_points_redeemed: 0, total_points_reversed: 0 },
      };
      const seq = state.storage.sql.exec<{ seq: number }>(`INSERT INTO outbox (body, sent_at) VALUES ('', ?) RETURNING seq`, Date.now() - 60_000).one().seq;
      state.storage.sql.exec(`UPDATE outbox SET body = ? WHERE seq = ?`, JSON.stringify({ ...event, outbox_seq: seq }), seq);
      // As every effect does when it writes to the outbox.
      return state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await eventually(() => projected(customerId), (p) => p.entries.length === 1)).entries).toEqual([120]);
    expect((await eventually(() => accountState(shop, customerId), (s) => s.outbox === 0)).outbox).toBe(0);
  });

  it("backs off each unconfirmed row's resends: 15 s, then 30 s, then every minute", async () => {
    const customerId = "7202";
    const stub = customerAccount(env, shop, customerId);
    await call(await webhookRequest("orders/paid", shop, orderBody({ id: "87202", customerId, subtotal: "1.00" })));
    await eventually(() => accountState(shop, customerId), (s) => s.outbox === 0);
    const gaps = await runInDurableObject(stub, async (instance, state) => {
      const sql = state.storage.sql;
      const body = JSON.stringify({ type: "order_seen", shop, customer_id: customerId, order_gid: "gid://shopify/Order/87202" });
      const seq = sql.exec<{ seq: number }>(`INSERT INTO outbox (body) VALUES (?) RETURNING seq`, body).one().seq;
      const read = () => sql.exec<{ send_count: number; gap: number }>(`SELECT send_count, next_send_at - sent_at AS gap FROM outbox WHERE seq = ?`, seq).one();
      await instance.flushOutbox();
      const gaps = [read()];
      for (let resend = 0; resend < 3; resend++) {
        sql.exec(`UPDATE outbox SET next_send_at = 0 WHERE seq = ?`, seq);
        await instance.flushOutbox();
        gaps.push(read());
      }
      return gaps;
    });
    expect(gaps).toEqual([
      { send_count: 1, gap: 15_000 },
      { send_count: 2, gap: 30_000 },
      { send_count: 3, gap: 60_000 },
      { send_count: 4, gap: 60_000 },
    ]);
  });
});
