// A merchant's adjustment: a ledger entry with who and why, an audit_logs row, never below
// zero, once per Idempotency-Key.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { withReporting } from "../../postgres/client";
import { call, eventually, install, json } from "../helpers/app";
import { balance, history, invariants } from "../helpers/redemption";
import { customerBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("adjust");
const customerId = "9100001";

async function adjust(body: unknown, key: string | null = crypto.randomUUID(), id = customerId, sub = "merchant-user-7") {
  const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${await sessionToken(shop, { sub })}` };
  if (key) headers["idempotency-key"] = key;
  return call(new Request(`https://loyalnest.test/v1/api/customers/${id}/adjust`, { method: "POST", headers, body: JSON.stringify(body) }));
}

beforeAll(async () => {
  await install(shop);
  await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "adj@example.com" })));
  const token = await sessionToken(shop);
  await eventually(
    async () => (await call(new Request(`https://loyalnest.test/v1/api/customers/${customerId}`, { headers: { authorization: `Bearer ${token}` } }))).status,
    (status) => status === 200,
  );
});

describe("POST /v1/api/customers/:id/adjust", () => {
  it("adds and removes points as ledger entries with the reason, and records who in audit_logs", async () => {
    const start = await balance(shop, customerId); // the signup bonus
    const added = await adjust({ points: 250, reason: "Sorry about the late parcel" });
    expect(added.status).toBe(200);
    const body = await json(added);
    expect(body).toMatchObject({ status: "ok", points: 250, points_balance: start + 250, duplicate: false });
    const removed = await adjust({ points: -100, reason: "Duplicate goodwill" });
    expect(await json(removed)).toMatchObject({ points_balance: start + 150 });
    const { transactions } = await history(shop, customerId);
    expect(transactions.slice(0, 2).map((t) => [t.kind, t.points, t.note])).toEqual([
      ["adjustment", -100, "Duplicate goodwill"],
      ["adjustment", 250, "Sorry about the late parcel"],
    ]);
    const audits = await eventually(
      () => withReporting(env, null, (sql) => sql`SELECT actor_type, actor_id, action, details FROM audit_logs WHERE shop = ${shop} ORDER BY created_at`),
      (rows) => rows.length === 2,
    );
    expect(audits.map((a) => [a.actor_type, a.actor_id, a.action, a.details.points, a.details.reason])).toEqual([
      ["merchant", "merchant-user-7", "points.adjust", 250, "Sorry about the late parcel"],
      ["merchant", "merchant-user-7", "points.adjust", -100, "Duplicate goodwill"],
    ]);
    expect(audits[0]!.details.entry_id).toBe(body.entry_id);
  });

  it("never goes below zero: a removal past the balance is refused and changes nothing", async () => {
    const before = await balance(shop, customerId);
    const response = await adjust({ points: -(before + 1), reason: "too much" });
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({ error: { code: "insufficient_points" } });
    expect(await balance(shop, customerId)).toBe(before);
    expect(await json(await adjust({ points: -before, reason: "to zero" }))).toMatchObject({ points_balance: 0 });
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 0, ledgerSum: 0, lotsSum: 0 });
  });

  it("applies a key once, even raced, and refuses the key for a different adjustment", async () => {
    const before = await balance(shop, customerId);
    const key = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => adjust({ points: 40, reason: "raced" }, key)));
    const bodies = await Promise.all(answers.map((r) => json(r)));
    expect(new Set(bodies.map((b) => b.entry_id)).size).toBe(1);
    expect(bodies.filter((b) => b.duplicate === false)).toHaveLength(1);
    expect(await balance(shop, customerId)).toBe(before + 40);
    const reused = await adjust({ points: 41, reason: "raced" }, key);
    expect(reused.status).toBe(422);
    expect(await json(reused)).toMatchObject({ error: { code: "idempotency_key_reused" } });
  });

  it("answers a clear 4xx for bad input and an unknown customer", async () => {
    for (const [body, code] of [
      [{ points: 0, reason: "x" }, "invalid_request"],
      [{ points: 1.5, reason: "x" }, "invalid_request"],
      [{ points: 5, reason: "" }, "invalid_request"],
      [{ points: 5 }, "invalid_request"],
    ] as const) {
      const response = await adjust(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await json(response)).toMatchObject({ error: { code } });
    }
    const unknown = await adjust({ points: 5, reason: "who?" }, null, "9199999");
    expect(unknown.status).toBe(404);
  });
});
