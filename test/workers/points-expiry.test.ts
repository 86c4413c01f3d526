// Points expiry: lots spent first-in first-out, expired by each account's own alarm under the
// shop's policy, with a reminder before; every expiry a ledger line the shopper can see.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMonths } from "../../core/expiry";
import { saveProgramChange } from "../../d1/program";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import { install } from "../helpers/app";
import { balance, earn, history, inAccount, invariants } from "../helpers/redemption";
import { uniqueShop } from "../helpers/shopify";

let nextCustomer = 6_600_000;
const DAY = 86_400_000;

async function shopWithPolicy(label: string, mode: "after_earning" | "after_inactivity", reminderDays: number | null = 14) {
  const shop = uniqueShop(label);
  await install(shop);
  await saveProgramChange(env, shop, (p) => ({ ...p, points_expiry: { mode, months: 12, reminder_days: reminderDays } }), { actor: "test" });
  return shop;
}

const alarm = (shop: string, customerId: string) => runDurableObjectAlarm(customerAccount(env, shop, customerId));
const lots = (shop: string, customerId: string) =>
  inAccount(shop, customerId, (sql) => sql.exec<{ points: number; remaining: number; expires_at: number | null; reminded: number }>(`SELECT points, remaining, expires_at, reminded FROM lots ORDER BY id`).toArray());

describe("after_earning", () => {
  it("dates each lot N months after it was earned and expires what is left of it, oldest spent first", async () => {
    const shop = await shopWithPolicy("lots", "after_earning");
    const customerId = String(++nextCustomer);
    const before = Date.now();
    await earn(shop, customerId, 900); // below Silver (1,000): the next order earns at 1×
    await earn(shop, customerId, 500);
    const [first, second] = await lots(shop, customerId);
    expect(first!.expires_at).toBeGreaterThanOrEqual(addMonths(before, 12));
    expect(first!.expires_at).toBeLessThanOrEqual(addMonths(Date.now(), 12));

    // Spending 300 draws from the oldest lot.
    const program = await getProgram(env, shop);
    await customerAccount(env, shop, customerId).adjust({
      shop, customerId, requestKey: "fifo-1", points: -300, reason: "test", actor: { type: "merchant", id: "1" }, program,
    });
    expect((await lots(shop, customerId)).map((l) => l.remaining)).toEqual([600, 500]);
    await inAccount(shop, customerId, (sql) => sql.exec(`UPDATE lots SET expires_at = ? WHERE id = (SELECT min(id) FROM lots)`, Date.now() - 1));
    await alarm(shop, customerId);
    expect(await balance(shop, customerId)).toBe(500);
    const { transactions } = await history(shop, customerId);
    expect(transactions[0]).toMatchObject({ kind: "expiry", points: -600, note: "points expired" });
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 500, ledgerSum: 500, lotsSum: 500 });
    expect(second!.remaining).toBe(500);
    // Nothing more is due: another alarm run changes nothing.
    await alarm(shop, customerId);
    expect(await balance(shop, customerId)).toBe(500);
  });

  it("reminds once, reminder_days before, and then expires on the date", async () => {
    const shop = await shopWithPolicy("remind", "after_earning", 14);
    const customerId = String(++nextCustomer);
    await earn(shop, customerId, 400);
    await inAccount(shop, customerId, (sql) => sql.exec(`UPDATE lots SET expires_at = ?`, Date.now() + 3 * DAY));
    await alarm(shop, customerId);
    expect((await lots(shop, customerId))[0]).toMatchObject({ reminded: 1, remaining: 400 });
    expect(await balance(shop, customerId)).toBe(400);
    await inAccount(shop, customerId, (sql) => sql.exec(`UPDATE lots SET expires_at = ?`, Date.now() - 1));
    await alarm(shop, customerId);
    expect(await balance(shop, customerId)).toBe(0);
  });

  it("arms the account's alarm for the next reminder, not a scan of every customer", async () => {
    const shop = await shopWithPolicy("armed", "after_earning", 14);
    const customerId = String(++nextCustomer);
    await earn(shop, customerId, 100);
    const { alarmAt, expiresAt } = await inAccount(shop, customerId, async (sql, account) => ({
      alarmAt: await (account as unknown as { ctx: DurableObjectState }).ctx.storage.getAlarm(),
      expiresAt: sql.exec<{ at: number }>(`SELECT expires_at AS at FROM lots`).one().at,
    }));
    expect(alarmAt).not.toBeNull();
    // The outbox resend comes first; once confirmed, the alarm waits for the reminder.
    expect(alarmAt!).toBeLessThanOrEqual(expiresAt - 14 * DAY);
  });
});

describe("after_inactivity", () => {
  it("expires the whole balance N months after the last activity, with a ledger line", async () => {
    const shop = await shopWithPolicy("inactive", "after_inactivity");
    const customerId = String(++nextCustomer);
    await earn(shop, customerId, 700);
    expect((await lots(shop, customerId))[0]!.expires_at).toBeNull();
    await alarm(shop, customerId);
    expect(await balance(shop, customerId)).toBe(700);
    await inAccount(shop, customerId, (sql) => sql.exec(`UPDATE account SET last_activity_at = ?`, addMonths(Date.now(), -12) - DAY));
    await alarm(shop, customerId);
    expect(await balance(shop, customerId)).toBe(0);
    expect((await history(shop, customerId)).transactions[0]).toMatchObject({ kind: "expiry", points: -700 });
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 0, ledgerSum: 0, lotsSum: 0 });
  });

  it("a new activity moves the date", async () => {
    const shop = await shopWithPolicy("active-again", "after_inactivity");
    const customerId = String(++nextCustomer);
    await earn(shop, customerId, 300);
    await inAccount(shop, customerId, (sql) => sql.exec(`UPDATE account SET last_activity_at = ?`, addMonths(Date.now(), -11)));
    await earn(shop, customerId, 200);
    await alarm(shop, customerId);
    expect(await balance(shop, customerId)).toBe(500);
  });
});

describe("addMonths", () => {
  it("keeps the day, or the month's last day when it has fewer", () => {
    expect(new Date(addMonths(Date.UTC(2026, 0, 31, 12), 1)).toISOString()).toBe("2026-02-28T12:00:00.000Z");
    expect(new Date(addMonths(Date.UTC(2026, 10, 30), 12)).toISOString()).toBe("2027-11-30T00:00:00.000Z");
    expect(new Date(addMonths(Date.UTC(2027, 2, 15), -12)).toISOString()).toBe("2026-03-15T00:00:00.000Z");
  });
});
