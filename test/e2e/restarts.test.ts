// The real process: `wrangler dev` killed between a webhook's 200 and its processing, and
// Postgres down while orders arrive. State that must survive lives in the persist directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, DEMO_SHOP } from "../../scripts/dev.mjs";
import { startPrivateCluster } from "../../scripts/postgres.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { orderBody, proxyUrl, refundBody, sessionToken, useCredentials, webhookRequest } from "../helpers/shopify";
import { freePort } from "../../scripts/free-port.mjs";

const DATABASE = "loyalnest_e2e";
const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-e2e-"));
const shop: string = DEMO_SHOP;
let PORT: number;
// A Postgres cluster of its own (free port, temp dir): the test stops it, and only it.
let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
let stack: Awaited<ReturnType<typeof startDevStack>>;
let sql: postgres.Sql;
let nextId = 7_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n;
const newId = () => String(nextId++);
const newCustomerId = () => String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));

const start = () => startDevStack({ port: PORT, persistTo, quiet: true, emulatorPort: 0, database: DATABASE, postgres: cluster });

beforeAll(async () => {
  cluster = await startPrivateCluster("e2e");
  PORT = await freePort();
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: `http://127.0.0.1:${PORT}` });
  stack = await start();
  sql = postgres(cluster.databaseUrl(DATABASE), { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await stack?.stop();
  await cluster?.destroy();
  rmSync(persistTo, { recursive: true, force: true });
});

async function send(topic: string, body: string) {
  const response = await fetch(await webhookRequest(topic, shop, body));
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function balance(customerId: string): Promise<number> {
  const response = await fetch(await proxyUrl("/customer", { shop, customerId }));
  return ((await response.json()) as { customer: { points_balance: number } }).customer.points_balance;
}

async function ledger(customerId: string): Promise<{ kind: string; points: number }[]> {
  const response = await fetch(`http://127.0.0.1:${PORT}/v1/api/customers/${customerId}`, {
    headers: { authorization: `Bearer ${await sessionToken(shop)}` },
  });
  const body = (await response.json()) as { transactions?: { kind: string; points: number }[] };
  return (body.transactions ?? []).map(({ kind, points }) => ({ kind, points })).reverse();
}

async function projectedPoints(customerId: string): Promise<number[]> {
  const rows = await sql<{ points: string }[]>`
    SELECT points FROM points_transactions WHERE shop = ${shop} AND customer_id = ${customerId} ORDER BY seq`;
  return rows.map((r) => Number(r.points));
}

async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && check(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The result the scheduled handler logged for the sweep run as of `at`, once it is in the log. */
function sweepResult(at: number): Record<string, unknown> | undefined {
  for (const line of stack.output().split("\n")) {
    const match = /sweep (\{.*\})/.exec(line);
    const result = match ? (JSON.parse(match[1]!) as Record<string, unknown>) : undefined;
    if (result?.at === at) return result;
  }
  return undefined;
}

async function crashAndRestart() {
  await stack.kill();
  stack = await start();
}

describe("wrangler dev killed after the 200", () => {
  it("an award acknowledged just before the crash is kept once and still reaches Postgres", async () => {
    const customerId = newCustomerId();
    const order = orderBody({ id: newId(), customerId, subtotal: "33.00" });
    expect((await send("orders/paid", order)).body).toMatchObject({ outcome: "applied", points: 330 });
    await crashAndRestart();
    expect(await balance(customerId)).toBe(330);
    // Shopify retries the delivery it may think failed: still one award.
    expect((await send("orders/paid", order)).body).toMatchObject({ outcome: "duplicate" });
    expect(await eventually(() => projectedPoints(customerId), (p) => p.length === 1)).toEqual([330]);
    expect(await ledger(customerId)).toEqual([{ kind: "earn", points: 330 }]);
  });

  it("a refund queued in the inbox before the crash is applied once after the restart", async () => {
    const customerId = newCustomerId();
    const orderId = newId();
    const refund = refundBody({ id: newId(), orderId, lineSubtotals: ["10.00"] });
    // The order is unknown yet: the refund is only durable in the inbox when the 200 comes.
    expect((await send("refunds/create", refund)).body).toMatchObject({ outcome: "queued" });
    await crashAndRestart();
    expect((await send("orders/paid", orderBody({ id: orderId, customerId, subtotal: "40.00" }))).body).toMatchObject({ points: 400 });
    expect(await eventually(() => balance(customerId), (b) => b === 300)).toBe(300);
    // The sweeper of ten minutes from now re-drives what is still due, and only that: a refund
    // whose order never came (the control), not the one applied above.
    const waiting = refundBody({ id: newId(), orderId: newId(), lineSubtotals: ["5.00"] });
    expect((await send("refunds/create", waiting)).body).toMatchObject({ outcome: "queued" });
    const at = Date.now() + 600_000;
    const trigger = await fetch(`http://127.0.0.1:${PORT}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${at}`);
    expect(trigger.status).toBe(200); // the handler awaits the sweep: answered once it is done
    const logged = await eventually(async () => sweepResult(at), (r) => r !== undefined, 10_000);
    expect(logged).toEqual({ at, inbox: 1, deadLetters: 0, givenUp: 0, purged: 0, reencrypted: expect.any(Object), discountPublishes: expect.any(Number), releases: expect.any(Number), gdprRequests: 0, logsPurged: { audit: 0, api: 0 }, notificationsRedriven: 0, integrationChecks: 0, exports: { expired: 0, uploadsAborted: 0, revived: 0, failed: 0 }, rollupsFolded: expect.any(Number) });
    // A repeated delivery changes nothing either.
    expect((await send("refunds/create", refund)).status).toBe(200);
    expect(await ledger(customerId)).toEqual([
      { kind: "earn", points: 400 },
      { kind: "reversal", points: -100 },
    ]);
  });
});

describe("Postgres down while orders arrive", () => {
  it("keeps earning and serving balances, then the projection catches up with nothing lost or doubled", async () => {
    const customers = Array.from({ length: 8 }, () => newCustomerId());
    await cluster.stop();
    await expect(sql`SELECT 1`).rejects.toThrow();
    try {
      for (const [i, customerId] of customers.entries()) {
        for (let n = 0; n < 3; n++) {
          const response = await send("orders/paid", orderBody({ id: newId(), customerId, subtotal: `${i + 1}.00` }));
          expect(response.status).toBe(200);
        }
      }
      expect(await balance(customers[0]!)).toBe(30);
      // Long enough for the ledger-events consumer to try, fail and schedule its retries.
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      await cluster.ensure();
    }
    for (const [i, customerId] of customers.entries()) {
      const points = await eventually(() => projectedPoints(customerId), (p) => p.length === 3, 120_000);
      expect(points).toEqual([10 * (i + 1), 10 * (i + 1), 10 * (i + 1)]);
    }
  });
});
