// GDPR requests end to end inside the runtime: the compliance webhooks and the merchant's own
// requests, through gdpr_requests, the jobs queue, the bundle in R2 and its signed link, the
// redaction of one customer (totals kept, nothing resurrected) and of a whole shop.
import { projectReferrals } from "../../postgres/referrals";
import { referralCodeFor, referralCodeOf } from "../../d1/referral-codes";
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportFileKey, exportShopPrefix } from "../../core/export-lifecycle";
import { customerKeyedHash, dataKeys } from "../../core/crypto";
import { signDownloadToken, verifyDownloadToken } from "../../core/gdpr";
import type { LedgerEvent } from "../../core/ledger-events";
import { minimiseBySchema } from "../../core/minimise";
import { OrderPayloadSchema, ParkedOrderSchema } from "../../core/webhook-payloads";
import { TOPICS } from "../../topics";
import type { CustomerAccount } from "../../durable-objects/customer-account";
import { customerAccount, shopCoordinator } from "../../durable-objects/stubs";
import { connectReporting } from "../../postgres/client";
import { tablesWithShopColumn } from "../../queues/gdpr";
import { sweep } from "../../queues/sweeper";
import { handleLedgerEvents } from "../../queues/ledger-events";
import { openPersonalFields, parkMessage } from "../../queues/dead-letters";
import { accountState, call, eventually, json, merchantApi } from "../helpers/app";
import { earn, redeem, rewardOfType } from "../helpers/redemption";
import { installedShop } from "../helpers/shopify-emulator";
import { customerBody, orderBody, proxyUrl, refundBody, uniqueShop, webhookRequest } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

let nextId = 8_300_000_000;
const newId = () => String(++nextId);

async function deliver(topic: string, shop: string, body: string) {
  const response = await call(await webhookRequest(topic, shop, body));
  return { status: response.status, body: await json(response) };
}

type Listed = { id: string; type: string; status: string; requested_by: string; reason: string | null; download_url: string | null };

async function requests(shop: string): Promise<Listed[]> {
  return (await json<{ requests: Listed[] }>(await merchantApi(shop, "GET", "/gdpr/requests?per_page=100"))).requests;
}

/** Waits for the shop's newest request of `type` to end. */
async function finished(shop: string, type: string, timeoutMs = 25_000): Promise<Listed> {
  const list = await eventually(
    () => requests(shop),
    (rows) => rows.some((r) => r.type === type && (r.status === "done" || r.status === "failed")),
    timeoutMs,
  );
  const row = list.find((r) => r.type === type)!;
  expect(row, `no finished ${type} request for ${shop}: ${JSON.stringify(list)}`).toBeDefined();
  return row;
}

async function createCustomer(shop: string, id: string, first: string, last: string, email: string) {
  expect((await deliver("customers/create", shop, customerBody({ id, email, firstName: first, lastName: last }))).status).toBe(200);
}

async function projected(shop: string, customerId: string, entries: number) {
  await eventually(
    async () => Number((await sql`SELECT count(*) AS n FROM points_transactions WHERE shop = ${shop} AND customer_id = ${customerId}`)[0]!.n),
    (n) => n >= entries,
  );
  await eventually(
    async () => (await sql`SELECT first_name FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`)[0]?.first_name ?? null,
    (name) => name !== null,
  );
}

async function shopTotals(shop: string) {
  const [row] = await sql`
    SELECT coalesce(sum(total_points_earned), 0)::bigint AS earned, coalesce(sum(total_points_redeemed), 0)::bigint AS redeemed,
           coalesce(sum(points_balance), 0)::bigint AS liability FROM customers WHERE shop = ${shop}`;
  const [ledger] = await sql`SELECT coalesce(sum(points), 0)::bigint AS points, count(*)::int AS n FROM points_transactions WHERE shop = ${shop}`;
  return { earned: Number(row!.earned), redeemed: Number(row!.redeemed), liability: Number(row!.liability), ledgerSum: Number(ledger!.points), entries: ledger!.n as number };
}

describe("customers/data_request", () => {
  let shop: string;
  const customerId = newId();
  let code: string;

  beforeAll(async () => {
    shop = await installedShop("gdpr-bundle");
    await createCustomer(shop, customerId, "Ada", "Lovelace", "ada.bundle@example.com");
    await earn(shop, customerId, 800);
    const reward = await rewardOfType(shop, "fixed_amount");
    const redeemed = await json(await redeem(shop, customerId, { reward_id: reward.reward_id }));
    expect(redeemed.status).toBe("ok");
    code = redeemed.discount_code;
  });

  it("holds every ledger line, the redemption's code and the decrypted email, and the merchant is told", async () => {
    const ledger = (await accountState(shop, customerId)).ledger;
    expect(ledger.length).toBeGreaterThanOrEqual(3);
    await projected(shop, customerId, ledger.length);
    const { code: referralCode } = await referralCodeFor(env, shop, customerId);
    const sent = await deliver("customers/data_request", shop, JSON.stringify({
      shop_id: 954889, shop_domain: shop, orders_requested: [], customer: { id: Number(customerId), email: "ada.bundle@example.com", phone: "555-625-1199" }, data_request: { id: 9999 },
    }));
    expect(sent).toMatchObject({ status: 200, body: { status: "ok", outcome: "recorded" } });
    const request = await finished(shop, "data_request");
    expect(request).toMatchObject({ status: "done", requested_by: "shopify" });
    expect(request.download_url).toMatch(/\/v1\/gdpr\/requests\/[0-9a-f-]{36}\/download\?token=/);

    const response = await call(request.download_url!);
    expect(response.status).toBe(200);
    const bundle = await json(response);
    expect(bundle.sections.profile).toMatchObject({ customer_id: customerId, email: "ada.bundle@example.com", first_name: "Ada", last_name: "Lovelace" });
    expect(bundle.sections.ledger.map((e: { idempotency_key?: string; kind: string; points: number }) => [e.kind, e.points])).toEqual(ledger.map((e) => [e.kind, e.points]));
    expect(bundle.sections.redemptions).toHaveLength(1);
    expect(bundle.sections.redemptions[0]).toMatchObject({ code, points: 500 });
    // The contact notifications go to, as the customer's object keeps it: the name from
    // customers/create, the address from the newest webhook naming one (their order).
    expect(bundle.sections.notifications.contact).toMatchObject({ email: `c${customerId}@example.com`, first_name: "Ada" });
    expect(bundle.notes.notifications).toBeUndefined();
    // Their referral code; brought by no one, and no friend of theirs has used it yet.
    expect(bundle.sections.referrals).toEqual({ code: referralCode, as_friend: null, as_advocate: [] });
    expect(bundle.sections.events).toEqual([]);
    expect(bundle.notes.events).toMatch(/no activity events/);
    const notices = await json(await merchantApi(shop, "GET", "/notices"));
    expect(notices.notices).toContainEqual(expect.objectContaining({ kind: "gdpr_bundle_ready", details: expect.objectContaining({ request_id: request.id }) }));
    // The stored object is ciphertext: R2 never holds the bundle in the clear.
    const stored = await env.FILES.list({ prefix: `gdpr/${shop}/` });
    expect(stored.objects).toHaveLength(1);
    const raw = await (await env.FILES.get(stored.objects[0]!.key))!.text();
    expect(raw).toMatch(/^v2\./);
    expect(raw).not.toContain("ada.bundle@example.com");
    expect(raw).not.toContain("Lovelace");
  });

  it("stores none of the webhook's email or phone in gdpr_requests", async () => {
    const rows = await env.DB.prepare(`SELECT * FROM gdpr_requests WHERE shop = ?`).bind(shop).all();
    const text = JSON.stringify(rows.results);
    expect(rows.results.length).toBeGreaterThan(0);
    expect(text).not.toContain("ada.bundle@example.com");
    expect(text).not.toContain("555-625-1199");
    // Done: only the keyed hash names the customer.
    expect(rows.results[0]).toMatchObject({ customer_id: null, customer_hash: await customerKeyedHash(await dataKeys(env.ENCRYPTION_KEY), shop, customerId) });
  });

  describe("the signed link", () => {
    let url: URL;
    beforeAll(async () => {
      url = new URL((await finished(shop, "data_request")).download_url!);
    });

    it("answers 403 when the token is altered", async () => {
      const token = url.searchParams.get("token")!;
      const altered = new URL(url);
      altered.searchParams.set("token", token.slice(0, -2) + (token.endsWith("A") ? "BB" : "AA"));
      const response = await call(altered.toString());
      expect(response.status).toBe(403);
      expect(await json(response)).toMatchObject({ status: "error", error: { code: expect.stringMatching(/invalid_link/) } });
    });

    it("answers 403 link_expired once expired", async () => {
      const id = url.pathname.split("/")[4]!;
      const expired = await signDownloadToken(env.SHOPIFY_API_SECRET, shop, id, Date.now() - 1000);
      const response = await call(`${url.origin}${url.pathname}?token=${expired}`);
      expect(response.status).toBe(403);
      expect(await json(response)).toMatchObject({ error: { code: "link_expired" } });
    });

    it("answers 403 for a token signed for another shop or another request", async () => {
      const id = url.pathname.split("/")[4]!;
      const otherShop = await signDownloadToken(env.SHOPIFY_API_SECRET, uniqueShop("other"), id, Date.now() + 60_000);
      expect((await call(`${url.origin}${url.pathname}?token=${otherShop}`)).status).toBe(403);
      const otherRequest = await signDownloadToken(env.SHOPIFY_API_SECRET, shop, crypto.randomUUID(), Date.now() + 60_000);
      expect((await call(`${url.origin}${url.pathname}?token=${otherRequest}`)).status).toBe(403);
      expect((await call(`${url.origin}${url.pathname}?token=`)).status).toBe(400);
    });

    it("verifies a fresh token and refuses garbage without throwing", async () => {
      const token = await signDownloadToken("s", "a.myshopify.com", "r", Date.now() + 1000);
      expect(await verifyDownloadToken("s", "a.myshopify.com", "r", token)).toEqual({ valid: true });
      expect(await verifyDownloadToken("s", "a.myshopify.com", "r", "%%%")).toEqual({ valid: false, reason: "malformed" });
      expect(await verifyDownloadToken("t", "a.myshopify.com", "r", token)).toEqual({ valid: false, reason: "bad_signature" });
    });
  });
});

describe("customers/redact", () => {
  let shop: string;
  const customerId = newId();
  const bystander = newId();
  const parkedOrder = newId();
  let before: Awaited<ReturnType<typeof shopTotals>>;
  let balance: number;

  beforeAll(async () => {
    shop = await installedShop("gdpr-redact");
    await createCustomer(shop, customerId, "Grace", "Hopper", "grace.redact@example.com");
    await createCustomer(shop, bystander, "Alan", "Turing", "alan.keep@example.com");
    await earn(shop, customerId, 700);
    await earn(shop, bystander, 300);
    await referralCodeFor(env, shop, customerId);
    await referralCodeFor(env, shop, bystander);
    // In the referral reports: the customer as one referral's friend and another's advocate.
    const referral = (friend: string, advocate: string) => ({
      type: "referral" as const, shop, customer_id: friend, outbox_seq: 1,
      referral: {
        id: friend, code: "K7QM4TZP", advocate_id: advocate, friend_id: friend, status: "completed" as const, score: 0, reasons: [], bound_via: "order" as const,
        program_version: 1, advocate: { reward: { type: "points" as const, points: 50 }, points: 50, redemption_id: null },
        friend: { reward: { type: "points" as const, points: 50 }, points: 50, redemption_id: null }, order_gid: "gid://shopify/Order/1", order_subtotal: "10.00",
        decided_by: null, bound_at: "2026-11-01T00:00:00.000Z", expires_at: "2026-12-01T00:00:00.000Z", completed_at: "2026-11-02T00:00:00.000Z",
        updated_at: "2026-11-02T00:00:00.000Z", revision: 3,
      },
    });
    await projectReferrals(sql, [referral(customerId, bystander), referral(newId(), customerId)]);
    const reward = await rewardOfType(shop, "fixed_amount");
    expect((await json(await redeem(shop, customerId, { reward_id: reward.reward_id }))).status).toBe("ok");
    // A staff adjustment whose reason names them: its audit row must not keep it.
    // (404 until the customer is in the projection; a 404 adjusts nothing.)
    const adjusted = await eventually(
      () => merchantApi(shop, "POST", `/customers/${customerId}/adjust`, { points: 50, reason: "goodwill for Grace Hopper" }, "staff-9"),
      (r) => r.status !== 404,
    );
    expect(adjusted.status, await adjusted.clone().text()).toBe(200);
    await eventually(
      () => sql`SELECT count(*)::int AS n FROM audit_logs WHERE shop = ${shop} AND subject_id = ${customerId}`.then((r) => r[0]!.n as number),
      (n) => n === 1,
    );
    // A refund for an order this app has not seen: parked in the inbox, named in orders_to_redact.
    expect((await deliver("refunds/create", shop, refundBody({ id: newId(), orderId: parkedOrder, lineSubtotals: ["5.00"] }))).body.outcome).toBe("queued");
    const state = await accountState(shop, customerId);
    balance = state.balance;
    await projected(shop, customerId, state.ledger.length);
    await projected(shop, bystander, 2);
    before = await eventually(() => shopTotals(shop), (t) => t.liability === balance + 500);
    // Dead letters naming them (a profile event Postgres refused, parked) and one naming the bystander.
    const profileEvent = (id: string, first: string) => ({ type: "customer_profile", shop, customer_id: id, outbox_seq: 1, profile: { email_encrypted: null, email_blind_index: null, first_name: first, last_name: "Dead-Lettered", shopify_created_at: null } });
    await parkMessage(env, "ledger-events", profileEvent(customerId, "Grace"), 3, "test: refused");
    await parkMessage(env, "ledger-events", profileEvent(bystander, "Alan"), 3, "test: refused");
    // A data bundle exists before the redaction: it goes with it.
    await call(await webhookRequest("customers/data_request", shop, JSON.stringify({ shop_domain: shop, customer: { id: customerId }, orders_requested: [] })));
    await finished(shop, "data_request");
    const sent = await deliver("customers/redact", shop, JSON.stringify({ shop_id: 1, shop_domain: shop, customer: { id: Number(customerId), email: "grace.redact@example.com", phone: "555-0100" }, orders_to_redact: [Number(parkedOrder)] }));
    expect(sent).toMatchObject({ status: 200, body: { outcome: "recorded" } });
    await finished(shop, "redact");
  });

  it("is done, with the forfeited balance as its note", async () => {
    const request = (await requests(shop)).find((r) => r.type === "redact")!;
    expect(request.status).toBe("done");
    expect(request.reason).toBe(`balance of ${balance} points forfeited`);
  });

  it("leaves points issued and redeemed unchanged; the liability drops by the forfeited balance, and ledger and balances still agree", async () => {
    const after = await shopTotals(shop);
    expect(after.earned).toBe(before.earned);
    expect(after.redeemed).toBe(before.redeemed);
    expect(after.liability).toBe(before.liability - balance);
    expect(after.ledgerSum).toBe(after.liability);
    expect(after.entries).toBe(before.entries + 1);
    const [forfeit] = await sql`SELECT points, customer_id FROM points_transactions WHERE shop = ${shop} AND kind = 'forfeiture'`;
    expect(Number(forfeit!.points)).toBe(-balance);
    expect(forfeit!.customer_id).toMatch(/^redacted-[0-9a-f-]{36}$/);
  });

  it("removes the customer from every Postgres table, keeping the bystander", async () => {
    for (const table of ["customers", "points_transactions", "redemptions", "tier_changes", "audit_logs"]) {
      expect((await sql`SELECT count(*)::int AS n FROM ${sql(table)} WHERE shop = ${shop} AND customer_id = ${customerId}`)[0]!.n, table).toBe(0);
    }
    expect((await sql`SELECT count(*)::int AS n FROM audit_logs WHERE shop = ${shop} AND subject_id = ${customerId}`)[0]!.n).toBe(0);
    const audits = JSON.stringify(await sql`SELECT * FROM audit_logs WHERE shop = ${shop}`);
    expect(audits).toContain("staff-9");
    expect(audits).not.toContain("Grace");
    const dump = JSON.stringify(await sql`SELECT * FROM customers WHERE shop = ${shop}`);
    expect(dump).not.toContain("Grace");
    expect(dump).not.toContain("Hopper");
    expect(dump).toContain("Alan");
  });

  it("empties the customer's object but for the tombstone, and deletes its alarm", async () => {
    await runInDurableObject(customerAccount(env, shop, customerId), async (_instance: CustomerAccount, state) => {
      const sqlStore = state.storage.sql;
      expect(sqlStore.exec(`SELECT count(*) AS n FROM ledger`).one().n).toBe(0);
      expect(sqlStore.exec(`SELECT count(*) AS n FROM identity`).one().n).toBe(0);
      expect(sqlStore.exec(`SELECT count(*) AS n FROM redemptions`).one().n).toBe(0);
      expect(sqlStore.exec(`SELECT count(*) AS n FROM outbox`).one().n).toBe(0);
      expect(sqlStore.exec(`SELECT count(*) AS n FROM redaction`).one().n).toBe(1);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("keeps their referrals counted in the reports without their id, code or order", async () => {
    const rows = await sql`SELECT referral_id, friend_id, advocate_id, code, order_gid FROM referrals WHERE shop = ${shop}`;
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(customerId);
    const asFriend = rows.find((r) => r.advocate_id === bystander)!;
    expect(asFriend).toMatchObject({ referral_id: expect.stringMatching(/^redacted-/), friend_id: asFriend.referral_id, order_gid: null });
    const asAdvocate = rows.find((r) => r.advocate_id !== bystander)!;
    expect(asAdvocate).toMatchObject({ advocate_id: expect.stringMatching(/^redacted-/), code: "redacted" });
  });

  it("deletes their referral code, keeping the bystander's", async () => {
    expect(await referralCodeOf(env, shop, customerId)).toBeNull();
    expect(await referralCodeOf(env, shop, bystander)).toMatch(/^[A-Z2-9]{8}$/);
  });

  it("deletes the inbox rows of their orders, their order index rows and their bundles", async () => {
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM webhook_inbox WHERE shop = ? AND order_gid = ?`).bind(shop, `gid://shopify/Order/${parkedOrder}`).first("n")).toBe(0);
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM order_index WHERE shop = ? AND customer_id = ?`).bind(shop, customerId).first("n")).toBe(0);
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM order_index WHERE shop = ? AND customer_id = ?`).bind(shop, bystander).first("n")).toBe(1);
    expect((await env.FILES.list({ prefix: `gdpr/${shop}/` })).objects).toEqual([]);
    const link = (await requests(shop)).find((r) => r.type === "data_request")!;
    expect(link.download_url).toBeNull();
  });

  it("deletes the dead letters naming them; a dead-lettered profile is sealed in D1, and re-driven whole", async () => {
    const rows = (await env.DB.prepare(`SELECT body FROM dead_letters WHERE body LIKE ?`).bind(`%${shop}%`).all<{ body: string }>()).results;
    expect(rows.map((r) => JSON.parse(r.body).customer_id)).toEqual([bystander]);
    expect(rows[0]!.body).not.toContain("Alan");
    expect(rows[0]!.body).not.toContain("Dead-Lettered");
    const opened = (await openPersonalFields(env, "ledger-events", JSON.parse(rows[0]!.body))) as { profile: { first_name: string } };
    expect(opened.profile.first_name).toBe("Alan");
  });

  it("does not let a webhook sent before the redaction bring the customer back", async () => {
    const late = await deliver("orders/paid", shop, orderBody({ id: newId(), customerId, subtotal: "50.00" }));
    expect(late).toMatchObject({ status: 200, body: { outcome: "ignored", reason: "customer_redacted" } });
    const again = await deliver("customers/create", shop, customerBody({ id: customerId, email: "grace.redact@example.com", firstName: "Grace" }));
    expect(again.body).toMatchObject({ outcome: "ignored", reason: "customer_redacted" });
    expect((await accountState(shop, customerId)).ledger).toEqual([]);
    expect((await sql`SELECT count(*)::int AS n FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`)[0]!.n).toBe(0);
  });

  it("answers the storefront with an empty account, and the merchant's list without the anonymous row", async () => {
    const response = await call(await proxyUrl("/customer", { shop, customerId }));
    expect(response.status).toBe(200);
    expect((await json(response)).customer).toMatchObject({ points_balance: 0 });
    const reward = await rewardOfType(shop, "fixed_amount");
    const redeemed = await redeem(shop, customerId, { reward_id: reward.reward_id });
    expect(redeemed.status).toBeLessThan(500);
    expect(await json(redeemed)).toMatchObject({ status: "error" });
    const listed = await json(await merchantApi(shop, "GET", "/customers?per_page=100"));
    expect(listed.customers.map((c: { id: string }) => c.id)).toEqual([bystander]);
  });

  it("files an in-flight event of the customer under the anonymous id and drops their profile", async () => {
    const entryId = crypto.randomUUID();
    const lateOrder = newId();
    const bystanderOrder = newId();
    const events: LedgerEvent[] = [
      { type: "customer_profile", shop, customer_id: customerId, outbox_seq: 1, profile: { email_encrypted: null, email_blind_index: null, first_name: "Grace", last_name: "Hopper", shopify_created_at: null } },
      {
        type: "ledger_entry", shop, customer_id: customerId, outbox_seq: 2,
        entry: { id: entryId, seq: 99, kind: "earn", points: 0, balance_after: 0, source_type: "order", source_id: "gid://shopify/Order/1", snapshot: null, note: "Grace's order", created_at: new Date().toISOString() },
        account: { points_balance: 4242, total_points_earned: 0, total_points_redeemed: 0, total_points_reversed: 0 },
      },
      { type: "order_seen", shop, customer_id: customerId, outbox_seq: 3, order_gid: `gid://shopify/Order/${lateOrder}` },
      { type: "order_seen", shop, customer_id: bystander, outbox_seq: 4, order_gid: `gid://shopify/Order/${bystanderOrder}` },
    ] as LedgerEvent[];
    const batch = createMessageBatch("ledger-events", events.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
    await handleLedgerEvents(batch as MessageBatch<LedgerEvent>, env);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toHaveLength(4);
    // Their order is not indexed again; the bystander's is.
    expect(await env.DB.prepare(`SELECT customer_id FROM order_index WHERE shop = ? AND order_gid = ?`).bind(shop, `gid://shopify/Order/${lateOrder}`).first()).toBeNull();
    expect(await env.DB.prepare(`SELECT customer_id FROM order_index WHERE shop = ? AND order_gid = ?`).bind(shop, `gid://shopify/Order/${bystanderOrder}`).first("customer_id")).toBe(bystander);
    const [entry] = await sql`SELECT customer_id, note, source_id FROM points_transactions WHERE shop = ${shop} AND entry_id = ${entryId}`;
    expect(entry).toMatchObject({ note: null, source_id: "redacted" });
    expect(entry!.customer_id).toMatch(/^redacted-/);
    expect((await sql`SELECT count(*)::int AS n FROM customers WHERE shop = ${shop} AND (customer_id = ${customerId} OR first_name = 'Grace')`)[0]!.n).toBe(0);
    // The forfeited balance is not put back by a late entry.
    expect((await shopTotals(shop)).liability).toBe(before.liability - balance);
  });
});

describe("merchant requests", () => {
  let shop: string;
  let other: string;
  const customerId = newId();

  beforeAll(async () => {
    shop = await installedShop("gdpr-merchant");
    other = await installedShop("gdpr-other");
    await createCustomer(shop, customerId, "Mary", "Somerville", "mary@example.com");
    await earn(shop, customerId, 100);
  });

  it("records a staff member's data request with their sub, and it finishes", async () => {
    const response = await merchantApi(shop, "POST", "/gdpr/request", { type: "data_request", customer_id: customerId }, "staff-7");
    expect(response.status).toBe(202);
    expect((await json(response)).request).toMatchObject({ type: "data_request", status: "received", requested_by: "staff-7" });
    expect(await finished(shop, "data_request")).toMatchObject({ status: "done", requested_by: "staff-7" });
  });

  it("refuses bad input with a 400 naming the problem", async () => {
    for (const [body, pattern] of [
      [{ type: "delete_everything", customer_id: customerId }, /type/],
      [{ type: "redact", customer_id: "gid://shopify/Customer/1" }, /customer_id/],
      [{ type: "redact" }, /customer_id/],
    ] as const) {
      const response = await merchantApi(shop, "POST", "/gdpr/request", body);
      expect(response.status).toBe(400);
      expect((await json(response)).error.message).toMatch(pattern);
    }
    expect((await merchantApi(shop, "GET", "/gdpr/requests?per_page=500")).status).toBe(400);
  });

  it("lists only the shop's own requests, paged", async () => {
    await merchantApi(other, "POST", "/gdpr/request", { type: "data_request", customer_id: customerId });
    const mine = await requests(shop);
    const theirs = await requests(other);
    expect(theirs).toHaveLength(1);
    expect(mine.map((r) => r.id)).not.toContain(theirs[0]!.id);
    const page = await json(await merchantApi(shop, "GET", "/gdpr/requests?page=2&per_page=1"));
    expect(page).toMatchObject({ page: 2, per_page: 1, total: mine.length });
  });

  it("does not open another shop's bundle with a link signed for this shop", async () => {
    const theirs = (await eventually(() => requests(other), (rows) => rows[0]?.status === "done"))[0]!;
    const token = await signDownloadToken(env.SHOPIFY_API_SECRET, shop, theirs.id, Date.now() + 60_000);
    expect((await call(`https://loyalnest.test/v1/gdpr/requests/${theirs.id}/download?token=${token}`)).status).toBe(403);
  });
});

describe("bundle retention", () => {
  it("deletes a bundle from R2 30 days after it was ready; the request stays, without its link", async () => {
    const shop = await installedShop("gdpr-retention");
    const customerId = newId();
    await createCustomer(shop, customerId, "Emmy", "Noether", "emmy@example.com");
    await merchantApi(shop, "POST", "/gdpr/request", { type: "data_request", customer_id: customerId });
    const request = await finished(shop, "data_request");
    expect((await env.FILES.list({ prefix: `gdpr/${shop}/` })).objects).toHaveLength(1);
    await env.DB.prepare(`UPDATE gdpr_requests SET finished_at = ? WHERE id = ?`).bind(Date.now() - 31 * 86_400_000, request.id).run();
    await sweep(env);
    expect((await env.FILES.list({ prefix: `gdpr/${shop}/` })).objects).toEqual([]);
    expect((await requests(shop))[0]).toMatchObject({ id: request.id, status: "done", download_url: null });
  });
});

describe("shop/redact", () => {
  it("is ignored, and recorded so, while the shop is installed again", async () => {
    const shop = await installedShop("gdpr-installed");
    expect((await deliver("shop/redact", shop, JSON.stringify({ shop_id: 1, shop_domain: shop }))).status).toBe(200);
    const request = await finished(shop, "shop_redact");
    expect(request).toMatchObject({ status: "done", reason: "ignored: the shop is installed again" });
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM program_settings WHERE shop = ?`).bind(shop).first("n")).toBeGreaterThan(0);
  });

  it("erases the whole shop after uninstall, keeping the shop row without tokens", async () => {
    const shop = await installedShop("gdpr-shop");
    const a = newId();
    const b = newId();
    await createCustomer(shop, a, "Katherine", "Johnson", "kj@example.com");
    await earn(shop, b, 300);
    await shopCoordinator(env, shop).reserve(10);
    await runInDurableObject(shopCoordinator(env, shop), async (_instance, state) => {
      await state.storage.put("bucket", { maximumAvailable: 1000, currentlyAvailable: 990, restoreRate: 100, observedAt: Date.now() });
    });
    await projected(shop, a, 1);
    // A CSV export's file, under the exports prefix (the lifecycle rule's), not the shop's own.
    const exportId = crypto.randomUUID();
    await env.FILES.put(exportFileKey(shop, exportId), "sealed export");
    await sql`INSERT INTO exports (id, shop, kind, status, requested_by, r2_key) VALUES (${exportId}, ${shop}, 'customers', 'done', 'staff-1', ${exportFileKey(shop, exportId)})`;
    await eventually(async () => env.DB.prepare(`SELECT count(*) AS n FROM order_index WHERE shop = ?`).bind(shop).first<number>("n"), (n) => n === 1);
    expect((await deliver("app/uninstalled", shop, JSON.stringify({ myshopify_domain: shop }))).status).toBe(200);
    await eventually(async () => env.DB.prepare(`SELECT status FROM shops WHERE domain = ?`).bind(shop).first<string>("status"), (s) => s === "uninstalled");
    expect((await deliver("shop/redact", shop, JSON.stringify({ shop_id: 1, shop_domain: shop }))).status).toBe(200);
    // The request is listed once the shop row is gone from the merchant's view: read it in D1.
    const done = await eventually(
      async () => env.DB.prepare(`SELECT status, reason FROM gdpr_requests WHERE shop = ? AND type = 'shop_redact'`).bind(shop).first<{ status: string; reason: string | null }>(),
      (row) => row?.status === "done" || row?.status === "failed",
      25_000,
    );
    expect(done).toMatchObject({ status: "done", reason: null });
    const tables = (await tablesWithShopColumn(env)).filter((name) => name !== "gdpr_requests");
    expect(tables).toEqual(expect.arrayContaining(["program_settings", "rewards", "webhook_inbox", "order_index", "merchant_notices", "vip_tiers", "campaigns"]));
    for (const name of tables) expect(await env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE shop = ?`).bind(shop).first("n"), name).toBe(0);
    expect(await env.DB.prepare(`SELECT status, access_token_encrypted, refresh_token_encrypted FROM shops WHERE domain = ?`).bind(shop).first()).toEqual({ status: "uninstalled", access_token_encrypted: null, refresh_token_encrypted: null });
    // Every projection table that has a shop column (a partition counts through its parent).
    const reporting = await sql<{ table_name: string }[]>`
      SELECT c.table_name FROM information_schema.columns c JOIN pg_class k ON k.relname = c.table_name AND NOT k.relispartition
      WHERE c.table_schema = 'public' AND c.column_name = 'shop' AND k.relkind IN ('r', 'p')`;
    expect(reporting.map((r) => r.table_name)).toEqual(expect.arrayContaining(["customers", "points_transactions", "exports", "points_daily", "customer_orders"]));
    for (const { table_name: table } of reporting) {
      expect((await sql`SELECT count(*)::int AS n FROM ${sql(table)} WHERE shop = ${shop}`)[0]!.n, table).toBe(0);
    }
    for (const id of [a, b]) expect((await accountState(shop, id)).ledger).toEqual([]);
    expect((await env.FILES.list({ prefix: exportShopPrefix(shop) })).objects).toEqual([]);
    await runInDurableObject(shopCoordinator(env, shop), async (_instance, state) => {
      expect([...(await state.storage.list()).keys()]).toEqual([]);
    });
  });
});

describe("inbox minimisation", () => {
  it("keeps only the fields the topic reads: no addresses, no customer email or phone", () => {
    const raw = {
      admin_graphql_api_id: "gid://shopify/Order/1",
      subtotal_price: "10.00",
      email: "x@example.com",
      phone: "555",
      billing_address: { name: "Secret Name", address1: "1 Road" },
      customer: { admin_graphql_api_id: "gid://shopify/Customer/2", email: "x@example.com", first_name: "Secret", default_address: { phone: "555" } },
      discount_codes: [{ code: "ABC", amount: "1.00" }],
    };
    expect(minimiseBySchema(ParkedOrderSchema, raw)).toEqual({
      admin_graphql_api_id: "gid://shopify/Order/1",
      subtotal_price: "10.00",
      customer: { admin_graphql_api_id: "gid://shopify/Customer/2" },
      discount_codes: [{ code: "ABC" }],
    });
    expect(OrderPayloadSchema.safeParse(minimiseBySchema(ParkedOrderSchema, raw)).success).toBe(true);
    // The topics park orders by it.
    expect(TOPICS["orders/paid"].parkedSchema).toBe(ParkedOrderSchema);
    expect(TOPICS["orders/cancelled"].parkedSchema).toBe(ParkedOrderSchema);
  });

  it("stores a parked delivery sealed", async () => {
    const shop = uniqueShop("gdpr-inbox");
    // Not installed: the order is parked in the inbox.
    const body = orderBody({ id: newId(), customerId: newId(), subtotal: "10.00" }).replace('"line_items":[]', '"line_items":[],"shipping_address":{"name":"Parked Person","phone":"555-777-0000"}');
    expect((await deliver("orders/paid", shop, body)).body.outcome).toBe("queued");
    const row = await env.DB.prepare(`SELECT body FROM webhook_inbox WHERE shop = ?`).bind(shop).first<{ body: string }>();
    expect(row!.body).toMatch(/^v2\./);
    expect(row!.body).not.toContain("Parked Person");
  });
});
