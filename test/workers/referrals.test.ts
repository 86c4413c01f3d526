// Referrals through the real routes and webhooks: a friend bound by the widget's complete call,
// their signup's note or their order's cart attribute ends in one referral, each side rewarded
// once; fraud checks hold or reject with reasons; pending referrals expire and pay nothing
// later; a cancelled qualifying order takes both sides' points back.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ReferralConfig } from "../../core/referral-config";
import type { ReferralRecord } from "../../core/ledger-events";
import { saveProgramChange } from "../../d1/program";
import { getProgram } from "../../d1/shops";
import { referralCodeFor } from "../../d1/referral-codes";
import { customerAccount } from "../../durable-objects/stubs";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { history, inAccount, invariants } from "../helpers/redemption";
import { clearFaults, injectFault, installedShop, listDiscounts } from "../helpers/shopify-emulator";
import { proxyUrl, refundBody, uniqueShop, webhookRequest } from "../helpers/shopify";

let nextId = 9_100_000;
const newCustomer = () => String(++nextId);
const newOrder = () => String(7_700_000_000 + ++nextId);
const DAY = 86_400_000;

async function referralShop(label: string, referral: Partial<ReferralConfig> = {}): Promise<string> {
  const shop = uniqueShop(label);
  await install(shop);
  await saveProgramChange(env, shop, (p) => ({ ...p, referral: { ...p.referral, ...referral } }), { actor: "test" });
  return shop;
}

/** A paid order as Shopify sends it, with the buyer's contact, IP and the widget's cart attribute. */
function paidOrder(o: { id: string; customerId: string; subtotal: string; email: string; code?: string; ip?: string; address?: string; createdAt?: string }): string {
  return JSON.stringify({
    admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
    name: `#${o.id.slice(-4)}`,
    currency: "USD",
    subtotal_price: o.subtotal,
    total_price: o.subtotal,
    financial_status: "paid",
    cancelled_at: null,
    email: o.email,
    browser_ip: o.ip ?? null,
    shipping_address: o.address ? { address1: o.address, zip: "10001", country_code: "US" } : null,
    note_attributes: o.code ? [{ name: "gift_note", value: "hi" }, { name: "_loyalnest_referral", value: o.code }] : [],
    customer: { admin_graphql_api_id: `gid://shopify/Customer/${o.customerId}`, email: o.email, created_at: o.createdAt ?? new Date().toISOString() },
    line_items: [],
  }).replace(/^\{/, `{"id":${o.id},`);
}

function signup(c: { id: string; email: string; code?: string }): string {
  return JSON.stringify({
    admin_graphql_api_id: `gid://shopify/Customer/${c.id}`,
    email: c.email,
    first_name: "Fran",
    created_at: new Date().toISOString(),
    note: c.code ? `loyalnest_referral: ${c.code}` : null,
  }).replace(/^\{/, `{"id":${c.id},`);
}

async function deliver(topic: string, shop: string, body: string): Promise<number> {
  return (await call(await webhookRequest(topic, shop, body))).status;
}

async function complete(shop: string, customerId: string, body: unknown, ip = "203.0.113.7"): Promise<{ status: number; body: Record<string, any> }> {
  const response = await call(
    new Request(await proxyUrl("/referrals/complete", { shop, customerId }), {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": `${ip}, 23.227.38.1` },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: await json(response) };
}

const ledgerOf = (shop: string, customerId: string) =>
  inAccount(shop, customerId, (s) => s.exec<{ kind: string; points: number; idempotency_key: string }>(`SELECT kind, points, idempotency_key FROM ledger ORDER BY seq`).toArray());
const referralEntries = async (shop: string, customerId: string) => (await ledgerOf(shop, customerId)).filter((e) => e.idempotency_key.startsWith("referral:"));
const referralOf = (shop: string, friendId: string) => customerAccount(env, shop, friendId).referral();
const friendsOf = (shop: string, advocateId: string) => customerAccount(env, shop, advocateId).referredFriends();

/** An advocate with a code and an order of their own (their identity known to the fraud checks). */
async function advocate(shop: string, email = `adv${nextId + 1}@example.com`, address = "1 Main St"): Promise<{ id: string; code: string; email: string }> {
  const id = newCustomer();
  expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: id, subtotal: "10.00", email, address, ip: "198.51.100.1" }))).toBe(200);
  const { code } = await referralCodeFor(env, shop, id);
  return { id, code, email };
}

describe("one referral, each side rewarded once", () => {
  it("the friend's order (cart attribute) and the widget's complete call racing, then redelivered: one referral, one award per side", async () => {
    const shop = await referralShop("ref-race-order");
    const adv = await advocate(shop);
    const friend = newCustomer();
    const order = paidOrder({ id: newOrder(), customerId: friend, subtotal: "40.00", email: `friend${friend}@example.com`, code: adv.code, ip: "203.0.113.9" });
    const [webhook, endpoint] = await Promise.all([deliver("orders/paid", shop, order), complete(shop, friend, { code: adv.code.toLowerCase(), device_id: "device-race-1" })]);
    expect(webhook).toBe(200);
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
    expect(endpoint.body.referral.id).toBe(friend);
    // Redelivered, and asked again: nothing more.
    expect(await Promise.all([deliver("orders/paid", shop, order), deliver("orders/paid", shop, order)])).toEqual([200, 200]);
    expect((await complete(shop, friend, { code: adv.code })).status).toBe(200);

    const referral = (await referralOf(shop, friend))!;
    expect(referral).toMatchObject({ status: "completed", advocate_id: adv.id, friend_id: friend, code: adv.code, order_subtotal: "40.00", score: 0, reasons: [] });
    expect(await referralEntries(shop, friend)).toEqual([{ kind: "referral", points: 50, idempotency_key: `referral:${friend}:friend` }]);
    await eventually(() => referralEntries(shop, adv.id), (e) => e.length > 0);
    expect(await referralEntries(shop, adv.id)).toEqual([{ kind: "referral", points: 50, idempotency_key: `referral:${friend}:advocate` }]);
    expect(await friendsOf(shop, adv.id)).toEqual([
      { id: friend, status: "completed", bound_at: referral.bound_at, completed_at: referral.completed_at, points: 50, discount: false },
    ]);
    // The friend's order earned as usual (10 points per $1) beside the referral reward.
    expect(await invariants(shop, friend)).toMatchObject({ balance: 450, ledgerSum: 450 });
    expect(await invariants(shop, adv.id)).toMatchObject({ balance: 150, ledgerSum: 150 });
  });

  it("completion on signup: the register form's note and the complete call racing give one completed referral", async () => {
    const shop = await referralShop("ref-race-signup", { completion: "signup" });
    const adv = await advocate(shop);
    const friend = newCustomer();
    const body = signup({ id: friend, email: `new${friend}@example.com`, code: adv.code });
    const [a, b, c] = await Promise.all([deliver("customers/create", shop, body), complete(shop, friend, { code: adv.code }), deliver("customers/create", shop, body)]);
    expect([a, b.status, c]).toEqual([200, 200, 200]);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "completed", order_gid: null });
    expect(await referralEntries(shop, friend)).toEqual([{ kind: "referral", points: 50, idempotency_key: `referral:${friend}:friend` }]);
    await eventually(() => referralEntries(shop, adv.id), (e) => e.length > 0);
    expect(await referralEntries(shop, adv.id)).toHaveLength(1);
    // The signup bonus and the referral reward.
    expect(await invariants(shop, friend)).toMatchObject({ balance: 250, ledgerSum: 250 });
  });

  it("the advocate's side keeps the newest record: a repeated or older revision changes nothing", async () => {
    const shop = await referralShop("ref-revisions");
    const adv = await advocate(shop);
    const friend = newCustomer();
    expect((await complete(shop, friend, { code: adv.code })).status).toBe(200);
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "25.00", email: `f${friend}@example.com` }))).toBe(200);
    const completed = (await referralOf(shop, friend))!;
    await eventually(() => referralEntries(shop, adv.id), (e) => e.length > 0);
    const account = customerAccount(env, shop, adv.id);
    // Redelivered as is, then an older revision (pending) arriving late, then a repeat of the new one.
    const pendingEarlier: ReferralRecord = { ...completed, status: "pending", completed_at: null, revision: 1 };
    expect(await account.referralChanged({ shop, customerId: adv.id, referral: completed })).toEqual({ points: 0 });
    expect(await account.referralChanged({ shop, customerId: adv.id, referral: pendingEarlier })).toEqual({ points: 0 });
    expect((await friendsOf(shop, adv.id))[0]).toMatchObject({ status: "completed", points: 50 });
    expect(await referralEntries(shop, adv.id)).toHaveLength(1);
  });
});

describe("bad input to the complete call", () => {
  it("answers each with its code and binds nothing", async () => {
    const shop = await referralShop("ref-bad");
    const adv = await advocate(shop);
    const friend = newCustomer();
    expect(await complete(shop, friend, { code: "not a code" })).toMatchObject({ status: 400, body: { status: "error", error: { code: "invalid_code" } } });
    expect(await complete(shop, friend, { code: "ZZZZZZZZ" })).toMatchObject({ status: 400, body: { error: { code: "unknown_code" } } });
    expect(await complete(shop, adv.id, { code: adv.code })).toMatchObject({ status: 400, body: { error: { code: "own_code" } } });
    expect(await complete(shop, friend, { code: adv.code, extra: 1 })).toMatchObject({ status: 400 });
    expect(await complete(shop, friend, {})).toMatchObject({ status: 400 });
    expect(await referralOf(shop, friend)).toBeNull();
    // A signed-out shopper has no one to bind.
    const signedOut = await call(new Request(await proxyUrl("/referrals/complete", { shop, customerId: null }), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: adv.code }) }));
    expect(signedOut.status).toBe(401);

    // Bound once; another advocate's code is refused.
    const other = await advocate(shop);
    expect((await complete(shop, friend, { code: adv.code })).status).toBe(200);
    expect(await complete(shop, friend, { code: other.code })).toMatchObject({ status: 409, body: { error: { code: "already_referred" } } });
    expect(await referralOf(shop, friend)).toMatchObject({ advocate_id: adv.id, status: "pending" });
  });

  it("a shop with referrals off answers 403 and binds nothing, also from webhooks", async () => {
    const shop = await referralShop("ref-off", { enabled: false });
    const adv = await advocate(shop);
    const friend = newCustomer();
    expect(await complete(shop, friend, { code: adv.code })).toMatchObject({ status: 403, body: { error: { code: "referrals_disabled" } } });
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "30.00", email: `f${friend}@example.com`, code: adv.code }))).toBe(200);
    expect(await referralOf(shop, friend)).toBeNull();
  });
});

describe("fraud checks", () => {
  it("a shopper referring themselves under a +tag email is held with the reason; the merchant approves it and both sides are paid", async () => {
    const shop = await referralShop("ref-self");
    const adv = await advocate(shop, "jane.doe@gmail.com", "9 Elm Road");
    const friend = newCustomer();
    expect((await complete(shop, friend, { code: adv.code })).status).toBe(200);
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "30.00", email: "JaneDoe+promo@googlemail.com" }))).toBe(200);
    const held = (await referralOf(shop, friend))!;
    expect(held.status).toBe("held");
    expect(held.reasons.map((r) => r.code)).toEqual(["same_email"]);
    expect(held.reasons[0]!.detail).not.toMatch(/jane/i);
    expect(await referralEntries(shop, friend)).toEqual([]);

    // Another shop's merchant cannot decide it; this shop's can, once.
    expect((await merchantApi(uniqueShop("ref-other"), "POST", `/referrals/${friend}/approve`)).status).toBeGreaterThanOrEqual(401);
    const approved = await merchantApi(shop, "POST", `/referrals/${friend}/approve`);
    expect(approved.status).toBe(200);
    expect(await json(approved)).toMatchObject({ status: "ok", referral: { id: friend, status: "completed", decided_by: "merchant:42" } });
    expect((await merchantApi(shop, "POST", `/referrals/${friend}/approve`)).status).toBe(409);
    expect(await referralEntries(shop, friend)).toEqual([{ kind: "referral", points: 50, idempotency_key: `referral:${friend}:friend` }]);
    await eventually(() => referralEntries(shop, adv.id), (e) => e.length > 0);
    expect(await referralEntries(shop, adv.id)).toHaveLength(1);
  });

  it("a held referral the merchant rejects pays nothing; an unknown one is 404", async () => {
    const shop = await referralShop("ref-reject");
    const adv = await advocate(shop, "sam@example.com", "5 Oak Ave");
    const friend = newCustomer();
    expect((await complete(shop, friend, { code: adv.code })).status).toBe(200);
    // Same shipping address: held.
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "30.00", email: `f${friend}@example.com`, address: "5 Oak Ave." }))).toBe(200);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "held", reasons: [expect.objectContaining({ code: "same_address" })] });
    expect(await json(await merchantApi(shop, "POST", `/referrals/${friend}/reject`))).toMatchObject({ referral: { status: "rejected" } });
    expect(await referralEntries(shop, friend)).toEqual([]);
    expect((await merchantApi(shop, "POST", `/referrals/${newCustomer()}/reject`)).status).toBe(404);
    expect((await merchantApi(shop, "POST", `/referrals/not-a-number/reject`)).status).toBe(400);
  });

  it("a friend who was already a customer is rejected at once", async () => {
    const shop = await referralShop("ref-existing");
    const adv = await advocate(shop);
    const friend = newCustomer();
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "12.00", email: `f${friend}@example.com` }))).toBe(200);
    const answer = await complete(shop, friend, { code: adv.code });
    expect(answer).toMatchObject({ status: 200, body: { referral: { status: "rejected" } } });
    expect(await referralOf(shop, friend)).toMatchObject({ decided_by: "score", reasons: [expect.objectContaining({ code: "existing_customer" })] });
  });

  it("many referrals from one device: the one that reaches the limit is held", async () => {
    const shop = await referralShop("ref-device", { fraud: { hold_at: 50, reject_at: 100, velocity_limit: 2, velocity_days: 7 } });
    const adv = await advocate(shop);
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const friend = newCustomer();
      expect((await complete(shop, friend, { code: adv.code, device_id: "same-device-123" }, `192.0.2.${i + 1}`)).status).toBe(200);
      expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "20.00", email: `f${friend}@example.com` }))).toBe(200);
      statuses.push((await referralOf(shop, friend))!.status);
    }
    expect(statuses).toEqual(["completed", "completed", "held"]);
  });
});

describe("expiry", () => {
  it("an expired referral pays nothing when the friend finally orders", async () => {
    const shop = await referralShop("ref-expired", { expiry_days: 30 });
    const adv = await advocate(shop);
    const friend = newCustomer();
    const program = await getProgram(env, shop);
    const bound = await customerAccount(env, shop, friend).bindReferral({ shop, customerId: friend, code: adv.code, via: "endpoint", program, source: { ip: null, device: null }, at: Date.now() - 31 * DAY });
    expect(bound).toMatchObject({ outcome: "bound", referral: { status: "pending" } });
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "50.00", email: `f${friend}@example.com` }))).toBe(200);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "expired" });
    expect(await referralEntries(shop, friend)).toEqual([]);
    await eventually(() => friendsOf(shop, adv.id), (f) => f[0]?.status === "expired");
    expect(await referralEntries(shop, adv.id)).toEqual([]);
  });

  it("the friend's alarm expires a pending referral at its deadline", async () => {
    const shop = await referralShop("ref-alarm", { expiry_days: 1 });
    const adv = await advocate(shop);
    const friend = newCustomer();
    const program = await getProgram(env, shop);
    const stub = customerAccount(env, shop, friend);
    await stub.bindReferral({ shop, customerId: friend, code: adv.code, via: "endpoint", program, source: { ip: null, device: null }, at: Date.now() - 2 * DAY });
    // The alarm is due at once: workerd may already be running it on its own, in which case
    // runDurableObjectAlarm finds none scheduled and returns before that run has finished.
    await runDurableObjectAlarm(stub);
    expect(await eventually(() => referralOf(shop, friend), (r) => r?.status === "expired")).toMatchObject({ status: "expired" });
  });
});

describe("reversal", () => {
  it("the qualifying order cancelled takes back both sides' points; a partial refund would not", async () => {
    const shop = await referralShop("ref-reverse");
    const adv = await advocate(shop);
    const friend = newCustomer();
    const orderId = newOrder();
    const order = paidOrder({ id: orderId, customerId: friend, subtotal: "30.00", email: `f${friend}@example.com`, code: adv.code });
    // The delivery's answer counts the referral reward it gave beside the order's points.
    expect(await json(await call(await webhookRequest("orders/paid", shop, order)))).toMatchObject({ outcome: "applied", points: 350 });
    await eventually(() => referralEntries(shop, adv.id), (e) => e.length > 0);
    // A partial refund: the friend still bought, the referral stands.
    expect(await deliver("refunds/create", shop, refundBody({ id: newOrder(), orderId, lineSubtotals: ["10.00"] }))).toBe(200);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "completed" });
    expect(await referralEntries(shop, friend)).toHaveLength(1);
    expect(await deliver("orders/cancelled", shop, order.replace('"cancelled_at":null', '"cancelled_at":"2026-12-01T10:00:00Z"'))).toBe(200);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "reversed" });
    expect(await referralEntries(shop, friend)).toEqual([
      { kind: "referral", points: 50, idempotency_key: `referral:${friend}:friend` },
      { kind: "reversal", points: -50, idempotency_key: `referral:${friend}:friend-reversal` },
    ]);
    await eventually(() => referralEntries(shop, adv.id), (e) => e.length === 2);
    expect(await referralEntries(shop, adv.id)).toEqual([
      { kind: "referral", points: 50, idempotency_key: `referral:${friend}:advocate` },
      { kind: "reversal", points: -50, idempotency_key: `referral:${friend}:advocate-reversal` },
    ]);
    expect((await friendsOf(shop, adv.id))[0]).toMatchObject({ status: "reversed", points: 0 });
    expect(await invariants(shop, friend)).toMatchObject({ balance: 0, ledgerSum: 0 });
  });
});

describe("an order cancelled before its payment arrives", () => {
  it("completes nothing: the referral stays pending for a later order", async () => {
    const shop = await referralShop("ref-cancel-first");
    const adv = await advocate(shop);
    const friend = newCustomer();
    const order = paidOrder({ id: newOrder(), customerId: friend, subtotal: "30.00", email: `f${friend}@example.com`, code: adv.code });
    expect(await deliver("orders/cancelled", shop, order.replace('"cancelled_at":null', '"cancelled_at":"2026-12-01T10:00:00Z"'))).toBe(200);
    expect(await deliver("orders/paid", shop, order)).toBe(200);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "pending", order_gid: null });
    expect(await referralEntries(shop, friend)).toEqual([]);
    expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "15.00", email: `f${friend}@example.com` }))).toBe(200);
    expect(await referralOf(shop, friend)).toMatchObject({ status: "completed", order_subtotal: "15.00" });
  });
});

describe("reward codes", () => {
  it("a discount for each side is issued once through the redemption saga at 0 points; one Shopify refused is tried again by the alarm", async () => {
    const shop = await installedShop("ref-codes");
    await saveProgramChange(
      env,
      shop,
      (p) => ({
        ...p,
        referral: {
          ...p.referral,
          friend_reward: { type: "discount", discount: "percentage", value: "10", min_order_subtotal: null, code_expiry_days: 30 },
          advocate_reward: { type: "discount", discount: "fixed_amount", value: "5.00", min_order_subtotal: "20.00", code_expiry_days: 60 },
        },
      }),
      { actor: "test" },
    );
    const adv = await advocate(shop);
    const friend = newCustomer();
    // The friend's code fails once at Shopify; the advocate's (created after) goes through.
    await injectFault(shop, { mode: "user_error", times: 1 });
    try {
      expect(await deliver("orders/paid", shop, paidOrder({ id: newOrder(), customerId: friend, subtotal: "30.00", email: `f${friend}@example.com`, code: adv.code }))).toBe(200);
      const advocateCode = await eventually(() => history(shop, adv.id), (h) => h.redemptions.some((r) => r.status === "issued"));
      expect(advocateCode.redemptions).toEqual([expect.objectContaining({ status: "issued", points: 0, title: "Referral thank-you reward" })]);
      await eventually(() => friendsOf(shop, adv.id), (f) => f[0]?.discount === true);
      const failed = await eventually(() => inAccount(shop, friend, (s) => s.exec<{ discount_attempts: number }>(`SELECT discount_attempts FROM referral`).one()), (r) => r.discount_attempts === 1);
      expect(failed.discount_attempts).toBe(1);
      await inAccount(shop, friend, (s) => s.exec(`UPDATE referral SET discount_due_at = ?`, Date.now() - 1));
      await runDurableObjectAlarm(customerAccount(env, shop, friend));
    } finally {
      await clearFaults(shop);
    }
    const { redemptions } = await history(shop, friend);
    expect(redemptions.map((r) => [r.status, r.points])).toEqual([["issued", 0], ["failed", 0]]);
    const referral = (await referralOf(shop, friend))!;
    expect(referral.friend).toMatchObject({ reward: { type: "discount" }, points: 0, redemption_id: redemptions[0]!.redemption_id });
    expect(await referralEntries(shop, friend)).toEqual([]);
    // Two codes at Shopify: 10% for the friend, $5 off $20 for the advocate; no points either side.
    const discounts = await listDiscounts(shop);
    expect(discounts).toHaveLength(2);
    expect(JSON.stringify(discounts.map((d) => d.input))).toMatch(/0\.1/);
    await runDurableObjectAlarm(customerAccount(env, shop, adv.id));
    expect(await listDiscounts(shop)).toHaveLength(2);
    expect(await invariants(shop, adv.id)).toMatchObject({ balance: 100, ledgerSum: 100 });
  });
});
