// Logs of who did what: every merchant write lands one audit_logs row with its before and
// after (secrets masked), every API call one api_logs row with its route pattern and no query
// string, both through the logs queue; the merchant reads their own shop's only, filtered and
// paged; rows older than 90 days go.
import { createExecutionContext, createMessageBatch, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiLogRecord, AuditRecord, LogMessage, LogRecord } from "../../core/logs";
import { notifyMerchant } from "../../d1/merchant-notices";
import { connectReporting } from "../../postgres/client";
import { handleLogs, handleLogsDeadLetters, sendLogs } from "../../queues/logs";
import { purgeExpiredLogs, sweep } from "../../queues/sweeper";
import { app } from "../../workers/app";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { customerBody, proxyUrl, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface AuditRow {
  actor_type: string;
  actor_id: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: any;
  after: any;
  request_id: string | null;
}

async function audits(shop: string): Promise<AuditRow[]> {
  return sql<AuditRow[]>`
    SELECT actor_type, actor_id, action, subject_type, subject_id, before, after, request_id
    FROM audit_logs WHERE shop = ${shop} ORDER BY created_at, action`;
}

/** Waits for exactly `count` audit rows of `action` (and a moment more, to catch a second). */
async function auditOf(shop: string, action: string, count = 1): Promise<AuditRow[]> {
  const rows = await eventually(
    async () => (await audits(shop)).filter((r) => r.action === action),
    (r) => r.length >= count,
  );
  expect(rows.map((r) => r.action)).toEqual(Array(count).fill(action));
  return rows;
}

async function apiRows(shop: string | null, requestId: string) {
  return sql<{ shop: string | null; surface: string; method: string; route: string; status: number; duration_ms: number; request_id: string }[]>`
    SELECT shop, surface, method, route, status, duration_ms, request_id FROM api_logs WHERE request_id = ${requestId}`;
}

async function apiRowOf(response: Response) {
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  const rows = await eventually(() => apiRows(null, requestId!), (r) => r.length > 0);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

const reward = (title: string, points_cost = 800) => ({
  type: "percentage",
  points_cost,
  value: "10",
  min_points: null,
  max_points: null,
  product_variant_gid: null,
  min_order_subtotal: null,
  code_expiry_days: 14,
  enabled: true,
  sort: 5,
  translations: { en: { title, description: "Ten percent off" } },
});
const tier = (name: string, threshold: number) => ({ translations: { en: { name, perks: [`${name} perk`] } }, threshold });
const campaign = (multiplier: number) => ({
  kind: "multiplier",
  translations: { en: { name: "Double points", description: "2x" } },
  starts_at: iso(Date.now() - HOUR),
  ends_at: null,
  multiplier,
  stackable: false,
});

describe("audit_logs: every change a merchant makes", () => {
  const shop = uniqueShop("audit");
  beforeAll(() => install(shop));

  it("program: one row with the version before and after, and who (the session's sub)", async () => {
    const response = await merchantApi(shop, "PUT", "/points-program", { config: { purchase: 20 } }, "staff-program");
    expect(response.status).toBe(200);
    const [row] = await auditOf(shop, "program.update");
    expect(row).toMatchObject({ actor_type: "merchant", actor_id: "staff-program", subject_type: "program", subject_id: null });
    expect([row!.before.config.purchase, row!.after.config.purchase]).toEqual([10, 20]);
    expect(row!.after.version).toBe(row!.before.version + 1);
    expect(row!.request_id).toBe(response.headers.get("x-request-id"));

    await merchantApi(shop, "PUT", "/points-program/expiry", { points_expiry: { mode: "after_earning", months: 6, reminder_days: 7 }, return_points_on_code_expiry: false });
    const [expiry] = await auditOf(shop, "program.expiry_update");
    expect(expiry!.before).toMatchObject({ points_expiry: { mode: "never" }, return_points_on_code_expiry: true });
    expect(expiry!.after).toMatchObject({ points_expiry: { mode: "after_earning", months: 6 }, return_points_on_code_expiry: false });
  });

  it("store settings and a merchant's own GDPR request: one row each, the request by its id, never the customer's", async () => {
    const response = await merchantApi(shop, "PUT", "/settings", { store_name: "Audited" }, "staff-settings");
    expect(response.status, await response.clone().text()).toBe(200);
    const [settings] = await auditOf(shop, "settings.update");
    expect(settings).toMatchObject({ actor_id: "staff-settings", subject_type: "store_settings", after: { store_name: "Audited" } });
    expect(settings!.before.store_name).not.toBe("Audited");

    const raised = await merchantApi(shop, "POST", "/gdpr/request", { type: "data_request", customer_id: "778899" }, "staff-gdpr");
    expect(raised.status).toBe(202);
    const [gdpr] = await auditOf(shop, "gdpr.data_request");
    expect(gdpr).toMatchObject({ actor_id: "staff-gdpr", subject_type: "gdpr_request", subject_id: (await json(raised)).request.id, after: { type: "data_request" } });
    expect(JSON.stringify(gdpr)).not.toContain("778899");
  });

  it("rewards: create, replace and disable, each one row with the reward before and after", async () => {
    const created = await json(await merchantApi(shop, "POST", "/rewards", reward("Ten off"), "staff-rewards"));
    const id = created.reward.reward_id;
    await merchantApi(shop, "PUT", `/rewards/${id}`, reward("Ten off, now cheaper", 500), "staff-rewards");
    await merchantApi(shop, "DELETE", `/rewards/${id}`, undefined, "staff-rewards");
    const [create] = await auditOf(shop, "reward.create");
    expect(create).toMatchObject({ subject_type: "reward", subject_id: id, before: null, after: { points_cost: 800, version: 1 } });
    const [update] = await auditOf(shop, "reward.update");
    expect(update).toMatchObject({ subject_id: id, before: { points_cost: 800, version: 1 }, after: { points_cost: 500, version: 2 } });
    expect(update!.after.translations.en.title).toBe("Ten off, now cheaper");
    const [disable] = await auditOf(shop, "reward.disable");
    expect(disable).toMatchObject({ actor_id: "staff-rewards", before: { enabled: true, version: 2 }, after: { enabled: false, version: 3 } });
  });

  it("VIP tiers and campaigns: create, replace, disable / end", async () => {
    const created = await json(await merchantApi(shop, "POST", "/vip-tiers", tier("Platinum", 20_000)));
    const tierId = created.tier.id;
    await merchantApi(shop, "PUT", `/vip-tiers/${tierId}`, tier("Platinum", 25_000));
    await merchantApi(shop, "DELETE", `/vip-tiers/${tierId}`);
    expect((await auditOf(shop, "vip_tier.create"))[0]).toMatchObject({ subject_id: tierId, before: null, after: { threshold: 20_000 } });
    expect((await auditOf(shop, "vip_tier.update"))[0]).toMatchObject({ before: { threshold: 20_000 }, after: { threshold: 25_000 } });
    expect((await auditOf(shop, "vip_tier.disable"))[0]).toMatchObject({ before: { enabled: true }, after: { enabled: false } });

    const started = await json(await merchantApi(shop, "POST", "/campaigns", campaign(2)));
    const campaignId = started.campaign.id;
    await merchantApi(shop, "PUT", `/campaigns/${campaignId}`, campaign(3));
    await merchantApi(shop, "POST", `/campaigns/${campaignId}/end`);
    await merchantApi(shop, "POST", `/campaigns/${campaignId}/end`); // a no-op: no second row
    expect((await auditOf(shop, "campaign.create"))[0]).toMatchObject({ subject_id: campaignId, before: null, after: { multiplier: 2 } });
    expect((await auditOf(shop, "campaign.update"))[0]).toMatchObject({ before: { multiplier: 2 }, after: { multiplier: 3 } });
    const [end] = await auditOf(shop, "campaign.end");
    expect(end!.before.ended_at).toBeNull();
    expect(end!.after.ended_at).not.toBeNull();
  });

  it("the review integration: the secret shows as [set], never its value, anywhere in the row", async () => {
    const secret = "judgeme-secret-d41d8cd98f00b204";
    expect((await merchantApi(shop, "PUT", "/integrations/reviews", { provider: "judgeme", secret })).status).toBe(200);
    expect((await merchantApi(shop, "PUT", "/integrations/reviews", { provider: "judgeme", secret: `${secret}-2` })).status).toBe(200);
    const rows = await auditOf(shop, "integration.update", 2);
    expect(rows.map((r) => [r.before, r.after])).toEqual([
      [null, { provider: "judgeme", secret: "[set]" }],
      [{ provider: "judgeme", secret: "[set]" }, { provider: "judgeme", secret: "[set]" }],
    ]);
    const [all] = await sql<{ text: string }[]>`SELECT string_agg(audit_logs::text, ' ') AS text FROM audit_logs WHERE shop = ${shop}`;
    expect(all!.text).not.toContain(secret);
  });

  it("a notice read: read_at before and after", async () => {
    await notifyMerchant(env, shop, { kind: "plan_usage_warning", dedupeKey: "audit-test", details: { percent: 80 } });
    const [notice] = (await json(await merchantApi(shop, "GET", "/notices"))).notices;
    expect((await merchantApi(shop, "POST", `/notices/${notice.id}/read`)).status).toBe(200);
    const [row] = await auditOf(shop, "notice.read");
    expect(row).toMatchObject({ subject_type: "notice", subject_id: notice.id, before: { read_at: null } });
    expect(row!.after.read_at).toMatch(/^\d{4}-/);
  });

  it("a point adjustment is recorded once (from the customer's outbox), with the customer as subject", async () => {
    const customerId = "9300001";
    await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "audit@example.com" })));
    const response = await eventually(
      () => merchantApi(shop, "POST", `/customers/${customerId}/adjust`, { points: 75, reason: "goodwill" }, "staff-adjust"),
      (r) => r.status === 200,
    );
    expect(response.status).toBe(200);
    const [row] = await auditOf(shop, "points.adjust");
    expect(row).toMatchObject({ actor_id: "staff-adjust", subject_type: "customer", subject_id: customerId, after: { points: 75, reason: "goodwill" } });
    await new Promise((r) => setTimeout(r, 2_500)); // a second row, if the route also recorded one, has arrived by now
    expect((await audits(shop)).filter((r) => r.action === "points.adjust")).toHaveLength(1);
  });

  it("reads (GET) and refused writes record nothing", async () => {
    const before = (await audits(shop)).length;
    await merchantApi(shop, "GET", "/rewards");
    expect((await merchantApi(shop, "PUT", "/rewards/nope", reward("x"))).status).toBe(404);
    expect((await merchantApi(shop, "PUT", "/points-program", { config: { purchase: -1 } })).status).toBe(400);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await audits(shop)).toHaveLength(before);
  });
});

describe("api_logs: every API call", () => {
  const shop = uniqueShop("apilog");
  beforeAll(() => install(shop));

  it("records the route pattern, never the URL: no ids, no query string", async () => {
    const created = await json(await merchantApi(shop, "POST", "/rewards", reward("Pattern")));
    const id = created.reward.reward_id;
    const response = await merchantApi(shop, "PUT", `/rewards/${id}?expected_version=1`, reward("Pattern 2"));
    expect(response.status).toBe(200);
    const row = await apiRowOf(response);
    expect(row).toMatchObject({ shop, surface: "merchant", method: "PUT", route: "/v1/api/rewards/:id", status: 200 });
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    const [all] = await sql<{ text: string }[]>`SELECT string_agg(api_logs::text, ' ') AS text FROM api_logs WHERE shop = ${shop}`;
    expect(all!.text).not.toContain(id);
    expect(all!.text).not.toContain("expected_version");
  });

  it("logs every surface, the shop only from verified credentials", async () => {
    const customerId = "9400001";
    const storefront = await call(await proxyUrl("/customer", { shop, customerId, extra: { utm: "x" } }));
    expect(await apiRowOf(storefront)).toMatchObject({ shop, surface: "storefront", method: "GET", route: "/proxy/v1/api/customer" });

    const webhook = await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "apilog@example.com" })));
    expect(await apiRowOf(webhook)).toMatchObject({ shop, surface: "webhook", route: "/v1/api/shopify/webhook", status: 200 });

    // A bad signature names no shop: the row has none.
    const forged = await webhookRequest("customers/create", shop, customerBody({ id: customerId }));
    forged.headers.set("x-shopify-hmac-sha256", "AAAA");
    const refused = await call(forged);
    expect(refused.status).toBe(401);
    expect(await apiRowOf(refused)).toMatchObject({ shop: null, surface: "webhook", status: 401 });

    const unauthenticated = await call(`https://loyalnest.test/v1/api/rewards`);
    expect(await apiRowOf(unauthenticated)).toMatchObject({ shop: null, surface: "merchant", route: "/v1/api/rewards", status: 401 });

    const unknown = await call(`https://loyalnest.test/v1/api/customers/123/nothing-here?email=a@b.co`);
    expect(await apiRowOf(unknown)).toMatchObject({ route: "(no route)", status: 404 });

    // Not API calls: no row, no header.
    const health = await call("https://loyalnest.test/health");
    expect(health.headers.get("x-request-id")).toBeNull();
  });

  it("a failed log send never fails the request", async () => {
    const brokenQueue = { send: () => Promise.reject(new Error("queue down")), sendBatch: () => Promise.reject(new Error("queue down")) };
    const ctx = createExecutionContext();
    const request = new Request(`https://loyalnest.test/v1/api/points-program`, {
      method: "PUT",
      headers: { authorization: `Bearer ${await sessionToken(shop)}`, "content-type": "application/json" },
      body: JSON.stringify({ config: { signup: 250 } }),
    });
    const response = await app.fetch(request, { ...env, LOGS: brokenQueue as unknown as Queue }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    expect((await json(response)).config.signup).toBe(250);
    await expect(sendLogs({ LOGS: brokenQueue as unknown as Queue }, [apiRecord(shop)])).resolves.toBeUndefined();
  });
});

function apiRecord(shop: string | null, overrides: Partial<ApiLogRecord> = {}): ApiLogRecord {
  return {
    kind: "api",
    id: crypto.randomUUID(),
    shop,
    surface: "merchant",
    method: "GET",
    route: "/v1/api/rewards",
    status: 200,
    duration_ms: 3,
    request_id: crypto.randomUUID(),
    at: new Date().toISOString(),
    ...overrides,
  };
}

function auditRecord(shop: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    kind: "audit",
    id: crypto.randomUUID(),
    shop,
    actor_type: "merchant",
    actor_id: "42",
    action: "reward.update",
    subject_type: "reward",
    subject_id: "rw_1",
    before: { points_cost: 1 },
    after: { points_cost: 2 },
    request_id: null,
    at: new Date().toISOString(),
    ...overrides,
  };
}

describe("GET /v1/api/logs/*: filters, pages, this shop only", () => {
  const shop = uniqueShop("logquery");
  const other = uniqueShop("logquery-other");
  const day = (n: number) => Date.parse("2026-11-01T00:00:00Z") + n * 24 * HOUR;

  beforeAll(async () => {
    await Promise.all([install(shop), install(other)]);
    // Five API calls as one isolate sends them (workers/http/api-log.ts gathers them a second), the rest one by one.
    const records: LogMessage[] = [
      { kind: "api_batch", records: Array.from({ length: 5 }, (_, i) => apiRecord(shop, { at: iso(day(i) + HOUR), status: i === 4 ? 404 : 200, route: i < 3 ? "/v1/api/rewards" : "/v1/api/vip-tiers" })) },
      apiRecord(shop, { at: iso(day(5)), status: 503, method: "POST", surface: "webhook", route: "/v1/api/shopify/webhook" }),
      apiRecord(other, { at: iso(day(1)) }),
      auditRecord(shop, { at: iso(day(1)), action: "reward.update", actor_id: "7" }),
      auditRecord(shop, { at: iso(day(2)), action: "reward.create", actor_id: "8" }),
      auditRecord(shop, { at: iso(day(3)), action: "reward.update", actor_id: "8" }),
      auditRecord(other, { at: iso(day(2)), action: "reward.update", actor_id: "7" }),
    ];
    const batch = createMessageBatch("logs", records.map((body, i) => ({ id: String(i), timestamp: new Date(), attempts: 1, body })));
    const ctx = createExecutionContext();
    await handleLogs(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(records.length);
  });

  const get = async (path: string, who = shop) => {
    const response = await merchantApi(who, "GET", path);
    return { status: response.status, body: await json(response) };
  };

  it("filters API calls by date, route, method, status and surface, and pages them with a total", async () => {
    const range = `from=2026-11-01&to=2026-11-30`;
    const all = await get(`/logs/api?${range}`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(6);
    expect(all.body.calls.map((c: any) => c.created_at)).toEqual([...all.body.calls.map((c: any) => c.created_at)].sort().reverse());
    expect((await get(`/logs/api?${range}&route=/v1/api/rewards`)).body.total).toBe(3);
    expect((await get(`/logs/api?${range}&status=4xx`)).body.calls.map((c: any) => c.status)).toEqual([404]);
    expect((await get(`/logs/api?${range}&status=503`)).body.calls.map((c: any) => [c.method, c.surface])).toEqual([["POST", "webhook"]]);
    expect((await get(`/logs/api?${range}&surface=webhook&method=POST`)).body.total).toBe(1);
    expect((await get(`/logs/api?from=2026-11-02&to=2026-11-04`)).body.total).toBe(2);
    expect((await get(`/logs/api?from=2026-11-02T00:00:00Z&to=2026-11-04T00:00:00Z`)).body.total).toBe(2);
    const page2 = await get(`/logs/api?${range}&per_page=4&page=2`);
    expect(page2.body).toMatchObject({ total: 6, page: 2, per_page: 4 });
    expect(page2.body.calls).toHaveLength(2);
    const page1 = await get(`/logs/api?${range}&per_page=4&page=1`);
    const ids = [...page1.body.calls, ...page2.body.calls].map((c: any) => c.id);
    expect(new Set(ids).size).toBe(6);
  });

  it("filters audit entries by date, action and actor", async () => {
    const range = `from=2026-11-01&to=2026-11-30`;
    const all = await get(`/logs/audit?${range}`);
    expect(all.body.total).toBe(3);
    expect(all.body.entries[0]).toMatchObject({ action: "reward.update", actor_id: "8", before: { points_cost: 1 }, after: { points_cost: 2 } });
    expect((await get(`/logs/audit?${range}&action=reward.update`)).body.total).toBe(2);
    expect((await get(`/logs/audit?${range}&actor_id=8`)).body.total).toBe(2);
    expect((await get(`/logs/audit?${range}&actor_id=8&action=reward.update&actor_type=merchant`)).body.total).toBe(1);
    expect((await get(`/logs/audit?from=2026-11-03&to=2026-11-04`)).body.entries.map((e: any) => e.actor_id)).toEqual(["8"]);
  });

  it("never shows another shop's logs", async () => {
    const range = `from=2026-11-01&to=2026-11-30`;
    const mine = await get(`/logs/api?${range}&per_page=250`);
    const theirs = await get(`/logs/api?${range}&per_page=250`, other);
    expect(theirs.body.total).toBe(1);
    expect(mine.body.calls.map((c: any) => c.id)).not.toContain(theirs.body.calls[0].id);
    expect((await get(`/logs/audit?${range}`, other)).body.entries.map((e: any) => e.actor_id)).toEqual(["7"]);
    // No field names the shop: the session token's shop is the only one there is.
    expect(JSON.stringify(mine.body)).not.toContain(other);
  });

  it("answers 400 naming the problem for bad filters", async () => {
    for (const [query, code] of [
      ["per_page=251", "invalid_request"],
      ["page=0", "invalid_request"],
      ["from=yesterday", "invalid_request"],
      ["from=2026-02-30", "invalid_request"],
      ["status=6xx", "invalid_request"],
      ["from=2026-11-05&to=2026-11-01", "invalid_range"],
      // Date.parse reads this as a date; its first ten characters are none (the fuzz test's find).
      [`from=${encodeURIComponent("a\r\nX-Injected: 1")}&to=a`, "invalid_request"],
      ["to=2026-11-01T25:00Z", "invalid_request"],
    ]) {
      const { status, body } = await get(`/logs/api?${query}`);
      expect([query, status, body.error?.code]).toEqual([query, 400, code]);
    }
    expect((await get(`/logs/audit?action=DROP TABLE`)).status).toBe(400);
  });
});

describe("the logs consumer", () => {
  const shop = uniqueShop("logconsumer");
  const unreachable = () => ({ ...env, HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: env.UNREACHABLE_PG_URL } }) as Env;

  it("writes a redelivered record once", async () => {
    const record = apiRecord(shop);
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch("logs", [{ id: "1", timestamp: new Date(), attempts: i + 1, body: record }]);
      await handleLogs(batch, env);
    }
    expect(await sql`SELECT 1 FROM api_logs WHERE id = ${record.id}`).toHaveLength(1);
  });

  it("retries every record with backoff, at least 30 s apart, while Postgres is down", async () => {
    // A batch of our own, to see the delay each retry asks for (getQueueResult omits it).
    const calls: string[] = [];
    const message = (id: string, attempts: number, body: unknown) => ({
      id,
      timestamp: new Date(),
      attempts,
      body,
      ack: () => calls.push(`${id} ack`),
      retry: (options?: { delaySeconds?: number }) => calls.push(`${id} retry ${options?.delaySeconds}`),
    });
    const messages = [message("1", 1, apiRecord(shop)), message("2", 4, auditRecord(shop)), message("3", 7, auditRecord(shop))];
    await handleLogs({ queue: "logs", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<unknown>, unreachable());
    expect(calls).toEqual(["1 retry 30", "2 retry 30", "3 retry 128"]);
  });

  it("past the queue's retries: audit records kept in D1 dead_letters, API-call records dropped", async () => {
    const audit = auditRecord(shop, { action: "reward.create" });
    const batch = createMessageBatch<LogRecord>("logs-dlq", [
      { id: "1", timestamp: new Date(), attempts: 21, body: apiRecord(shop) },
      { id: "2", timestamp: new Date(), attempts: 21, body: audit },
    ]);
    const ctx = createExecutionContext();
    await handleLogsDeadLetters(batch, unreachable());
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    const kept = await env.DB.prepare(`SELECT queue, body FROM dead_letters WHERE queue = 'logs-dlq'`).all<{ queue: string; body: string }>();
    const bodies = kept.results.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.id)).toContain(audit.id);
    expect(bodies.every((b) => b.kind === "audit")).toBe(true);
  });
});

describe("retention", () => {
  it("deletes rows older than 90 days, and only those, a bounded batch at a time", async () => {
    const shop = uniqueShop("retention");
    const now = Date.now();
    const old = iso(now - 91 * 24 * HOUR);
    const recent = iso(now - 89 * 24 * HOUR);
    const records: LogRecord[] = [apiRecord(shop, { at: old }), apiRecord(shop, { at: old }), apiRecord(shop, { at: recent }), auditRecord(shop, { at: old }), auditRecord(shop, { at: recent })];
    await handleLogs(createMessageBatch("logs", records.map((body, i) => ({ id: String(i), timestamp: new Date(), attempts: 1, body }))), env);
    const left = async () => ({
      api: (await sql<{ created_at: Date }[]>`SELECT created_at FROM api_logs WHERE shop = ${shop}`).map((r) => r.created_at.toISOString()),
      audit: (await sql<{ created_at: Date }[]>`SELECT created_at FROM audit_logs WHERE shop = ${shop}`).map((r) => r.created_at.toISOString()),
    });
    expect((await left()).api).toHaveLength(3);

    expect(await purgeExpiredLogs(env, now, 1)).toMatchObject({ api: 1, audit: 1 });
    expect((await left()).api.sort()).toEqual([old, recent]);
    await purgeExpiredLogs(env, now, 1000);
    expect(await left()).toEqual({ api: [recent], audit: [recent] });
  });

  it("the sweep reports what it purged", async () => {
    const result = await sweep(env);
    expect(result.logsPurged).toEqual({ audit: expect.any(Number), api: expect.any(Number) });
  });
});
