// Events that can never apply end somewhere an operator can read, and personal data in the
// inbox and the dead letters is purged after its retention.
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../core/ledger-events";
import { INBOX_RETENTION_MS, PARKED_GIVE_UP_MS, recordInbox } from "../../d1/inbox";
import { customerAccount } from "../../durable-objects/stubs";
import { handleDeadLetters, MAX_DEAD_LETTERINGS, PARKED_RETENTION_MS, REDRIVEN_RETENTION_MS } from "../../queues/dead-letters";
import { handleLedgerEvents, POISON_AFTER_ATTEMPTS } from "../../queues/ledger-events";
import { sweep } from "../../queues/sweeper";
import { eventually, install } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

const shop = uniqueShop("parking");

type DeadLetter = { id: number; queue: string; status: string; dead_count: number; reason: string | null; redriven_at: number | null };
const deadLetters = async (queue: string, like: string) =>
  (await env.DB.prepare(`SELECT id, queue, status, dead_count, reason, redriven_at FROM dead_letters WHERE queue = ? AND body LIKE ?`)
    .bind(queue, `%${like}%`)
    .all<DeadLetter>()).results;

/** A profile event Postgres refuses every time (a NUL in text is a data exception, SQLSTATE 22021). */
function poisonEvent(customerId: string, seq: number): LedgerEvent {
  return {
    type: "customer_profile",
    shop,
    customer_id: customerId,
    outbox_seq: seq,
    profile: { email_encrypted: null, email_blind_index: null, first_name: "Nul\u0000Byte", last_name: null, shopify_created_at: null },
  };
}

async function runLedgerBatch(messages: { id: string; attempts: number; body: LedgerEvent }[]) {
  const batch = createMessageBatch("ledger-events", messages.map((m) => ({ ...m, timestamp: new Date() })));
  const ctx = createExecutionContext();
  await handleLedgerEvents(batch, env);
  return getQueueResult(batch, ctx);
}

describe("an event Postgres can never hold", () => {
  it("is retried alone, then parked with the refusal as its reason, and the account drops it from its outbox", async () => {
    await install(shop);
    const customerId = "8201";
    const stub = customerAccount(env, shop, customerId);
    // The event sits in the account's outbox as sent-but-unconfirmed, as after a real effect.
    const seq = await runInDurableObject(stub, (_o, state) =>
      state.storage.sql.exec<{ seq: number }>(`INSERT INTO outbox (body, sent_at) VALUES ('{}', ?) RETURNING seq`, Date.now()).one().seq,
    );
    const event = poisonEvent(customerId, seq);

    for (let attempts = 1; attempts < POISON_AFTER_ATTEMPTS; attempts++) {
      const result = await runLedgerBatch([{ id: "poison", attempts, body: event }]);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(["poison"]);
      expect(await deadLetters("ledger-events", `"customer_id":"${customerId}"`)).toEqual([]);
    }
    const final = await runLedgerBatch([{ id: "poison", attempts: POISON_AFTER_ATTEMPTS, body: event }]);
    expect(final.retryMessages).toEqual([]);
    expect(final.explicitAcks).toEqual(["poison"]);
    const [parked] = await deadLetters("ledger-events", `"customer_id":"${customerId}"`);
    expect(parked).toMatchObject({ status: "parked", reason: expect.stringContaining("Postgres refused it") });
    const outbox = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE seq = ?`, seq).one().n);
    expect(outbox).toBe(0);
  });
});

describe("the dead-letter queues", () => {
  it("keep every message in D1 and re-drive it; the same message dead-lettered again and again ends parked", async () => {
    const body = { inbox_id: 987_654_321 };
    const deliverToDlq = async () => {
      const batch = createMessageBatch("ingest-dlq", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 11, body }]);
      const ctx = createExecutionContext();
      await handleDeadLetters(batch, env);
      return getQueueResult(batch, ctx);
    };
    const acked = await deliverToDlq();
    expect(acked.retryMessages).toEqual([]);
    let [row] = await deadLetters("ingest-dlq", `"inbox_id":987654321`);
    expect(row).toMatchObject({ status: "pending", dead_count: 1, redriven_at: null });

    // The sweep re-drives it once it is five minutes old, and not again.
    const later = Date.now() + 6 * 60_000;
    expect((await sweep(env, later)).deadLetters).toBeGreaterThanOrEqual(1);
    [row] = await deadLetters("ingest-dlq", `"inbox_id":987654321`);
    expect(row!.redriven_at).toBe(later);
    const again = await sweep(env, later + 60_000);
    [row] = await deadLetters("ingest-dlq", `"inbox_id":987654321`);
    expect(row!.redriven_at).toBe(later);
    expect(again.deadLetters).toBe(0);

    for (let n = 2; n <= MAX_DEAD_LETTERINGS; n++) await deliverToDlq();
    const rows = await deadLetters("ingest-dlq", `"inbox_id":987654321`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "parked", dead_count: MAX_DEAD_LETTERINGS, redriven_at: null, reason: expect.stringContaining(`dead-lettered ${MAX_DEAD_LETTERINGS} times`) });
    // Parked is final: no sweep sends it anywhere.
    await sweep(env, Date.now() + 60 * 60_000);
    expect((await deadLetters("ingest-dlq", `"inbox_id":987654321`))[0]).toMatchObject({ status: "parked", redriven_at: null });
  });
});

describe("retention", () => {
  it("clears a processed delivery's body at once and deletes ended rows after their retention", async () => {
    const retained = uniqueShop("retention");
    await install(retained);
    const { id } = await recordInbox(env, {
      shop: retained,
      topic: "app/uninstalled",
      deliveryId: crypto.randomUUID(),
      body: JSON.stringify({ myshopify_domain: retained, email: "owner@example.com" }),
      orderGid: null,
      triggeredAt: Date.now() - 3_600_000,
    });
    const { processInboxEntry } = await import("../../queues/ingest");
    expect(await processInboxEntry(env, id)).toBe("processed");
    const row = await env.DB.prepare(`SELECT body, processed_at FROM webhook_inbox WHERE id = ?`).bind(id).first<{ body: string; processed_at: number }>();
    expect(row!.body).toBe("");

    await sweep(env, row!.processed_at + INBOX_RETENTION_MS - 1_000);
    expect(await env.DB.prepare(`SELECT id FROM webhook_inbox WHERE id = ?`).bind(id).first()).not.toBeNull();
    await sweep(env, row!.processed_at + INBOX_RETENTION_MS + 1_000);
    expect(await env.DB.prepare(`SELECT id FROM webhook_inbox WHERE id = ?`).bind(id).first()).toBeNull();
  });

  it("gives up a delivery that never applied within seven days, keeping its reason, then purges it", async () => {
    const stale = uniqueShop("never-installed");
    const receivedAt = Date.now();
    const { id } = await recordInbox(env, {
      shop: stale,
      topic: "orders/paid",
      deliveryId: crypto.randomUUID(),
      body: "{}",
      orderGid: null,
      triggeredAt: null,
      parkedBecause: "shop_not_installed",
    }, receivedAt);
    const giveUpAt = receivedAt + PARKED_GIVE_UP_MS + 1_000;
    expect((await sweep(env, giveUpAt)).givenUp).toBeGreaterThanOrEqual(1);
    const row = await env.DB.prepare(`SELECT status, last_error FROM webhook_inbox WHERE id = ?`).bind(id).first();
    expect(row).toEqual({ status: "rejected", last_error: "given up after 7 days: shop_not_installed" });
    await sweep(env, giveUpAt + INBOX_RETENTION_MS + 1_000);
    expect(await env.DB.prepare(`SELECT id FROM webhook_inbox WHERE id = ?`).bind(id).first()).toBeNull();
  });

  it("deletes re-driven dead letters after 7 days and parked ones after 14", async () => {
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO dead_letters (queue, body, attempts, created_at, redriven_at, status, body_hash) VALUES
       ('jobs-dlq', '{"retention":"redriven"}', 5, ?1, ?1, 'pending', 'h-redriven'),
       ('jobs-dlq', '{"retention":"parked"}', 5, ?1, NULL, 'parked', 'h-parked')`,
    ).bind(now).run();
    await sweep(env, now + REDRIVEN_RETENTION_MS + 1_000);
    expect((await deadLetters("jobs-dlq", `"retention"`)).map((r) => r.status)).toEqual(["parked"]);
    await sweep(env, now + PARKED_RETENTION_MS + 1_000);
    expect(await deadLetters("jobs-dlq", `"retention"`)).toEqual([]);
  });
});
