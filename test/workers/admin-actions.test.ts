// What admins do, and the trail it leaves: every user change, points adjustment, plan change
// and integration re-check lands one audit_logs row with the admin, before and after; the
// merchant is told of a plan change; reads across shops show each shop's own data.
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLATFORM_SCOPE } from "../../core/admin-roles";
import { merchantNoticesFor } from "../../d1/merchant-notices";
import { forgetPlans, listPlans, planChangesFor } from "../../d1/plans";
import type { AdminUser } from "../../d1/admin-users";
import { connectReporting } from "../../postgres/client";
import { accountState, call, eventually, install, json, merchantApi } from "../helpers/app";
import { adminApi, makeAdmin } from "../helpers/access";
import { freshConfig, injectProviderFault, keyOf, standinRequests } from "../helpers/provider-standins";
import { saveIntegration } from "../../d1/integrations";
import { customerBody, uniqueShop, webhookRequest } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

const shopA = uniqueShop("admin-act-a");
const shopB = uniqueShop("admin-act-b");
const customerA = "9500001";
const customerB = "9500002";
let root: AdminUser;
let support: AdminUser;

interface AuditRow {
  shop: string;
  actor_type: string;
  actor_id: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: any;
  after: any;
}

async function auditRows(where: { shop: string; action: string; subjectId?: string }, count = 1): Promise<AuditRow[]> {
  const read = () => sql<AuditRow[]>`
    SELECT shop, actor_type, actor_id, action, subject_type, subject_id, before, after FROM audit_logs
    WHERE shop = ${where.shop} AND action = ${where.action} ${where.subjectId ? sql`AND subject_id = ${where.subjectId}` : sql``}
    ORDER BY created_at`;
  const rows = await eventually(read, (r) => r.length >= count);
  expect(rows).toHaveLength(count);
  return rows;
}

async function customerIn(shop: string, id: string, email: string): Promise<void> {
  await call(await webhookRequest("customers/create", shop, customerBody({ id, email })));
  await eventually(() => merchantApi(shop, "GET", `/customers/${id}`).then((r) => r.status), (s) => s === 200);
}

beforeAll(async () => {
  await install(shopA);
  await install(shopB);
  root = await makeAdmin("superadmin", "root");
  support = await makeAdmin("support", "helpdesk");
  await customerIn(shopA, customerA, "a@example.com");
  await customerIn(shopB, customerB, "b@example.com");
});

describe("admin users", () => {
  it("create, change and remove each leave an audit row with who, before and after; emails are sealed at rest", async () => {
    const created = await adminApi(root, "POST", "/users", { username: "casey.ops", email: "Casey@Staff.Example", role: "analytics" });
    expect(created.status).toBe(201);
    const { user } = await json(created);
    expect(user).toMatchObject({ username: "casey.ops", email: "casey@staff.example", role: "analytics", active: true, created_by: root.id });
    const row = await env.DB.prepare(`SELECT email_encrypted, email_blind_index FROM admin_users WHERE id = ?`).bind(user.id).first<{ email_encrypted: string; email_blind_index: string }>();
    expect(row!.email_encrypted).not.toContain("casey");
    expect(row!.email_blind_index).toMatch(/^[0-9a-f]{64}$/);

    expect((await adminApi(root, "PUT", `/users/${user.id}`, { role: "support" })).status).toBe(200);
    expect((await adminApi(root, "DELETE", `/users/${user.id}`)).status).toBe(200);
    expect((await adminApi(root, "DELETE", `/users/${user.id}`)).status).toBe(404);

    const [create] = await auditRows({ shop: PLATFORM_SCOPE, action: "admin_user.create", subjectId: user.id });
    expect(create).toMatchObject({ actor_type: "admin", actor_id: root.id, subject_type: "admin_user", before: null, after: { role: "analytics", username: "casey.ops" } });
    const [update] = await auditRows({ shop: PLATFORM_SCOPE, action: "admin_user.update", subjectId: user.id });
    expect(update).toMatchObject({ actor_id: root.id, before: { role: "analytics" }, after: { role: "support" } });
    const [remove] = await auditRows({ shop: PLATFORM_SCOPE, action: "admin_user.delete", subjectId: user.id });
    expect(remove).toMatchObject({ actor_id: root.id, before: { role: "support", username: "casey.ops" }, after: null });
  });

  it("refuses a taken username or email (409), and bad input (400 naming the field), writing nothing", async () => {
    const taken = await adminApi(root, "POST", "/users", { username: support.username, email: "fresh@staff.example", role: "support" });
    expect(await json(taken)).toMatchObject({ error: { code: "username_taken" } });
    expect(taken.status).toBe(409);
    const email = await adminApi(root, "POST", "/users", { username: "fresh-name", email: support.email.toUpperCase(), role: "support" });
    expect(email.status).toBe(409);
    expect(await json(email)).toMatchObject({ error: { code: "email_taken" } });
    for (const [body, field] of [
      [{ username: "x", email: "ok@staff.example", role: "support" }, "username"],
      [{ username: "good-name", email: "not-an-email", role: "support" }, "email"],
      [{ username: "good-name", email: "ok@staff.example", role: "owner" }, "role"],
      [{ username: "good-name", email: "ok@staff.example", role: "support", password: "hunter2" }, undefined],
    ] as const) {
      const response = await adminApi(root, "POST", "/users", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const answer = await json(response);
      expect(answer.error.code).toBe("invalid_request");
      if (field) expect(answer.error.field).toBe(field);
    }
    const users = await json(await adminApi(root, "GET", "/users"));
    expect(users.users.some((u: { username: string }) => u.username === "good-name" || u.username === "fresh-name")).toBe(false);
    expect((await adminApi(root, "PUT", `/users/${support.id}`, {})).status).toBe(400);
    expect((await adminApi(root, "PUT", "/users/not-a-uuid", { role: "support" })).status).toBe(400);
  });
});

describe("POST /admin/points/adjust", () => {
  it("adjusts through the customer's object as the admin, once per key, with one audit row holding the balance before and after", async () => {
    const start = (await accountState(shopA, customerA)).balance;
    const key = crypto.randomUUID();
    const body = { shop: shopA, customer_id: customerA, points: 300, reason: "Courier lost the parcel" };
    const first = await adminApi(support, "POST", "/points/adjust", body, { "idempotency-key": key });
    expect(first.status).toBe(200);
    const answer = await json(first);
    expect(answer).toMatchObject({ shop: shopA, customer_id: customerA, points: 300, points_balance: start + 300, duplicate: false });
    const again = await json(await adminApi(support, "POST", "/points/adjust", body, { "idempotency-key": key }));
    expect(again).toMatchObject({ duplicate: true, entry_id: answer.entry_id, points_balance: start + 300 });
    const state = await accountState(shopA, customerA);
    expect(state.balance).toBe(start + 300);
    expect(state.ledger.filter((e) => e.kind === "adjustment")).toHaveLength(1);

    const [row] = await auditRows({ shop: shopA, action: "points.adjust", subjectId: customerA });
    expect(row).toMatchObject({
      actor_type: "admin",
      actor_id: support.id,
      subject_type: "customer",
      before: { points_balance: start },
      after: { entry_id: answer.entry_id, points: 300, reason: "Courier lost the parcel", points_balance: start + 300 },
    });
    // The merchant's history shows the entry; the other shop's customer is untouched.
    const history = await json(await merchantApi(shopA, "GET", `/customers/${customerA}`));
    expect(JSON.stringify(history)).toContain("Courier lost the parcel");
    expect((await accountState(shopB, customerB)).ledger.filter((e) => e.kind === "adjustment")).toHaveLength(0);
  });

  it("tells the customer, as any earning, when the shop sends notifications (SendGrid on)", async () => {
    const shop = uniqueShop("admin-act-notify");
    await install(shop);
    const sendgrid = await freshConfig("sendgrid");
    await saveIntegration(env, shop, "sendgrid", { ...sendgrid, event_webhook_public_key: null, enabled: true }, "test");
    const customerId = "9500077";
    const email = "notify-me@example.com";
    // A paid order gives the customer an account with their contact (and an earning email of its own).
    const order = JSON.stringify({
      admin_graphql_api_id: "gid://shopify/Order/77001", name: "#7001", currency: "USD", subtotal_price: "10.00", total_price: "10.00",
      financial_status: "paid", cancelled_at: null, customer_locale: "en", email, line_items: [],
      customer: { id: 0, admin_graphql_api_id: `gid://shopify/Customer/${customerId}`, email, first_name: "Ada", phone: null, sms_marketing_consent: null },
    }).replace(/^\{/, '{"id":77001,').replace('"id":0,', `"id":${customerId},`);
    expect((await call(await webhookRequest("orders/paid", shop, order))).status).toBe(200);
    await eventually(() => merchantApi(shop, "GET", `/customers/${customerId}`).then((r) => r.status), (s) => s === 200);

    const adjusted = await json(await adminApi(support, "POST", "/points/adjust", { shop, customer_id: customerId, points: 40, reason: "Sorry" }));
    expect(adjusted.status).toBe("ok");
    const ref = `${shop}:${customerId}:entry:${adjusted.entry_id}:email`;
    const sent = await eventually(
      async () => (await standinRequests("sendgrid", sendgrid.api_key, "send")).filter((r) => (r.body as { custom_args?: { loyalnest_reference?: string } })?.custom_args?.loyalnest_reference === ref),
      (r) => r.length > 0,
      20_000,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ accepted: true, recipients: [email] });
  }, 40_000);

  it("never below zero (422), unknown shop or customer (404), the customer of another shop (404), bad input (400)", async () => {
    const balance = (await accountState(shopB, customerB)).balance;
    const tooMuch = await adminApi(root, "POST", "/points/adjust", { shop: shopB, customer_id: customerB, points: -(balance + 1), reason: "x" });
    expect(tooMuch.status).toBe(422);
    expect(await json(tooMuch)).toMatchObject({ error: { code: "insufficient_points" } });
    expect((await adminApi(root, "POST", "/points/adjust", { shop: uniqueShop("nowhere"), customer_id: customerB, points: 5, reason: "x" })).status).toBe(404);
    const crossShop = await adminApi(root, "POST", "/points/adjust", { shop: shopA, customer_id: customerB, points: 5, reason: "x" });
    expect(crossShop.status).toBe(404);
    expect(await json(crossShop)).toMatchObject({ error: { code: "customer_not_found" } });
    for (const body of [
      { shop: shopB, customer_id: customerB, points: 0, reason: "x" },
      { shop: shopB, customer_id: customerB, points: 5, reason: " " },
      { shop: "https://evil.example", customer_id: customerB, points: 5, reason: "x" },
      { shop: shopB, customer_id: "gid://shopify/Customer/1", points: 5, reason: "x" },
      { shop: shopB, customer_id: customerB, points: 1.5, reason: "x" },
    ]) {
      const response = await adminApi(root, "POST", "/points/adjust", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await accountState(shopB, customerB)).balance).toBe(balance);
  });
});

describe("GET /admin/plans", () => {
  it("lists D1's plan catalogue in its order, so a plan added there is offered at once", async () => {
    const listed = await json(await adminApi(support, "GET", "/plans"));
    expect(listed.plans.map((p: { id: string }) => p.id)).toEqual((await listPlans(env)).map((p) => p.id));
    expect(listed.plans.find((p: { id: string }) => p.id === "free")).toMatchObject({ name: expect.any(String), price: expect.stringMatching(/^\d+\.\d{2}$/) });
    await env.DB.prepare("INSERT INTO plans (id, name, price, monthly_order_limit, sort) VALUES ('console-test', 'Console test', '999.00', NULL, 999)").run();
    forgetPlans();
    try {
      const after = await json(await adminApi(support, "GET", "/plans"));
      expect(after.plans.at(-1)).toEqual({ id: "console-test", name: "Console test", price: "999.00", monthly_order_limit: null });
      expect(after.plans).toHaveLength(listed.plans.length + 1);
    } finally {
      await env.DB.prepare("DELETE FROM plans WHERE id = 'console-test'").run();
      forgetPlans();
    }
  });
});

describe("PUT /admin/plans", () => {
  it("changes the plan through changePlan as the admin, tells the merchant, and audits before and after", async () => {
    const response = await adminApi(root, "PUT", "/plans", { shop: shopA, plan: "pro", reason: "Partner deal" });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ shop: shopA, plan: "pro", previous_plan: "free", changed: true });
    expect((await planChangesFor(env, shopA))[0]).toMatchObject({ from: "free", to: "pro", changed_by: `admin:${root.id}` });
    const notices = await merchantNoticesFor(env, shopA);
    expect(notices.find((n) => n.kind === "plan_changed")?.details).toMatchObject({ from: "free", to: "pro", changed_by_kind: "admin" });
    expect(await merchantNoticesFor(env, shopB)).toEqual([]);
    const merchantView = await json(await merchantApi(shopA, "GET", "/plan"));
    expect(merchantView.plan.id).toBe("pro");
    const [row] = await auditRows({ shop: shopA, action: "plan.change" });
    expect(row).toMatchObject({ actor_type: "admin", actor_id: root.id, before: { plan: "free" }, after: { plan: "pro", reason: "Partner deal" } });

    const same = await json(await adminApi(root, "PUT", "/plans", { shop: shopA, plan: "pro", reason: "again" }));
    expect(same).toMatchObject({ changed: false, plan: "pro" });
    const unknown = await adminApi(root, "PUT", "/plans", { shop: shopA, plan: "platinum", reason: "x" });
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toMatchObject({ error: { code: "unknown_plan", field: "plan" } });
    expect((await adminApi(root, "PUT", "/plans", { shop: uniqueShop("nowhere"), plan: "pro", reason: "x" })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 2_000));
    await auditRows({ shop: shopA, action: "plan.change" }, 1);
  });
});

describe("merchants, logs and integrations across shops", () => {
  it("lists and searches shops by domain with plan and usage; each detail is its own shop's", async () => {
    const listed = await json(await adminApi(support, "GET", `/merchants?search=${shopA.split(".")[0]}`));
    expect(listed.merchants.map((m: { shop: string }) => m.shop)).toEqual([shopA]);
    expect(listed.merchants[0]).toMatchObject({ status: "installed", usage: { orders: 0 } });
    const paged = await json(await adminApi(support, "GET", "/merchants?search=admin-act-&per_page=1&page=2"));
    expect(paged).toMatchObject({ page: 2, per_page: 1 });
    expect(paged.merchants).toHaveLength(1);
    expect(paged.total).toBeGreaterThanOrEqual(2);
    // LIKE's wildcards are literal in a search.
    expect((await json(await adminApi(support, "GET", "/merchants?search=%25_%25"))).total).toBe(0);

    const sendgrid = await freshConfig("sendgrid");
    expect((await merchantApi(shopB, "PUT", "/integrations/sendgrid", sendgrid)).status).toBe(200);
    const a = (await json(await adminApi(support, "GET", `/merchants/${shopA}`))).merchant;
    const b = (await json(await adminApi(support, "GET", `/merchants/${shopB}`))).merchant;
    expect(a).toMatchObject({ shop: shopA, status: "installed", integrations: [] });
    expect(b.integrations.map((i: { provider: string }) => i.provider)).toEqual(["sendgrid"]);
    expect(JSON.stringify(b)).not.toContain(sendgrid.api_key);
    expect(JSON.stringify(b)).not.toContain("from_email");
    const balanceA = (await accountState(shopA, customerA)).balance;
    const loyaltyA = await eventually(
      async () => (await json(await adminApi(support, "GET", `/merchants/${shopA}`))).merchant.loyalty,
      (l) => l?.liability === balanceA,
    );
    expect(loyaltyA).toMatchObject({ members: 1, liability: balanceA });
    expect(b.loyalty).toMatchObject({ members: 1 });
    expect((await adminApi(support, "GET", `/merchants/${uniqueShop("nowhere")}`)).status).toBe(404);
  });

  it("logs: one shop's audit entries only when filtered by it, by admin, and API calls of the admin surface", async () => {
    await auditRows({ shop: shopA, action: "points.adjust", subjectId: customerA });
    const a = await json(await adminApi(root, "GET", `/logs?type=audit&shop=${shopA}`));
    expect(a.total).toBeGreaterThanOrEqual(2);
    expect(new Set(a.entries.map((e: { shop: string }) => e.shop))).toEqual(new Set([shopA]));
    const bySupport = await json(await adminApi(root, "GET", `/logs?type=audit&admin=${support.id}`));
    expect(bySupport.entries.length).toBeGreaterThanOrEqual(1);
    expect(bySupport.entries.every((e: { actor_id: string; actor_type: string }) => e.actor_id === support.id && e.actor_type === "admin")).toBe(true);
    const platform = await json(await adminApi(root, "GET", `/logs?type=audit&shop=${encodeURIComponent(PLATFORM_SCOPE)}&action=admin_user.create`));
    expect(platform.entries.every((e: { shop: string }) => e.shop === PLATFORM_SCOPE)).toBe(true);

    const calls = await eventually(
      async () => json(await adminApi(root, "GET", `/logs?type=api&surface=admin&route=${encodeURIComponent("/admin/points/adjust")}`)),
      (c) => c.total >= 1,
    );
    expect(calls.entries.every((e: { route: string; surface: string }) => e.route === "/admin/points/adjust" && e.surface === "admin")).toBe(true);

    for (const query of ["type=api&admin=" + support.id, "type=audit&status=4xx", "type=audit&from=2026-02-30", "type=audit&shop=evil.example", "type=audit&from=2026-12-02&to=2026-12-01", "per_page=1000"]) {
      const response = await adminApi(root, "GET", `/logs?${query}`);
      expect(response.status, query).toBe(400);
    }
  });

  it("integration health across shops, and a re-check run now that records its outcome and an audit row", async () => {
    const shop = uniqueShop("admin-act-int");
    await install(shop);
    const config = await freshConfig("sendgrid");
    expect((await merchantApi(shop, "PUT", "/integrations/sendgrid", config)).status).toBe(200);
    await injectProviderFault({ provider: "sendgrid", key: keyOf("sendgrid", config), mode: "status", status: 401, times: 0 });
    const recheck = await adminApi(support, "POST", `/integrations/${shop}/sendgrid/check`);
    expect(recheck.status).toBe(200);
    const answer = await json(recheck);
    expect(answer).toMatchObject({ outcome: "failing", integration: { shop, provider: "sendgrid", status: "failing" } });
    expect(JSON.stringify(answer)).not.toContain(config.api_key);
    const health = await json(await adminApi(support, "GET", `/integrations/health?shop=${shop}`));
    expect(health.integrations).toEqual([expect.objectContaining({ shop, provider: "sendgrid", status: "failing" })]);
    const failing = await json(await adminApi(support, "GET", "/integrations/health?status=failing&per_page=250"));
    expect(failing.integrations.every((i: { status: string }) => i.status === "failing")).toBe(true);
    expect((await merchantNoticesFor(env, shop)).map((n) => n.kind)).toContain("integration_failing");
    const [row] = await auditRows({ shop, action: "integration.recheck" });
    expect(row).toMatchObject({ actor_id: support.id, subject_id: "sendgrid", after: { status: "failing", outcome: "failing" } });
    expect((await adminApi(support, "POST", `/integrations/${shop}/twilio/check`)).status).toBe(404);
  });

  it("overview: shops, members, points issued and liability across shops, with a daily trend", async () => {
    const overview = await json(await adminApi(support, "GET", "/overview?period=30d"));
    expect(overview.merchants.installed).toBeGreaterThanOrEqual(2);
    expect(overview.members).toBeGreaterThanOrEqual(2);
    const liability = Number((await sql`SELECT COALESCE(sum(points_balance), 0) AS n FROM customers`)[0]!.n);
    // Other test files write to the same Postgres meanwhile: the overview's figure is a snapshot near ours.
    expect(overview.points.liability).toBeGreaterThan(0);
    expect(Math.abs(overview.points.liability - liability)).toBeLessThanOrEqual(Math.max(1000, liability * 0.05));
    expect(overview.points.issued).toBeGreaterThanOrEqual(300);
    const today = new Date().toISOString().slice(0, 10);
    expect(overview.trend.at(-1)).toMatchObject({ day: today });
    expect((await adminApi(support, "GET", "/overview?period=2y")).status).toBe(400);
  });
});
