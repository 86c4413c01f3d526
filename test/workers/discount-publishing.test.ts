// When the app publishes the discount Function's metafields (queues/jobs.ts), end to end through
// the real routes, queues, consumers, cron handler and customer objects against the Shopify
// emulator: a tier edit publishes the configuration, the cron publishes a campaign's discount at
// its start and withdraws it at its end, a write whose job was lost is repaired by the next tick,
// a customer reaching Silver gets tier_silver in their metafield and an old event cannot take it
// back, and a Shopify outage is retried until published. Every test installs its own shop.
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../core/ledger-events";
import { DEFAULT_RETRY } from "../../core/retry";
import { createCampaign } from "../../d1/campaigns";
import { getTier, tierInput, updateTier } from "../../d1/vip-tiers";
import { customerAccount } from "../../durable-objects/stubs";
import { handleJobs, requestDiscountConfigPublish, type JobMessage } from "../../queues/jobs";
import { shopsToRepublish } from "../../queues/sweeper";
import worker from "../../workers/index";
import { connectReporting } from "../../postgres/client";
import { call, eventually, install, merchantApi } from "../helpers/app";
import { emulatorRequests, grantScopes, graphqlCalls, injectFault, installedShop, listAutomaticDiscounts, listMetafields } from "../helpers/shopify-emulator";
import { orderBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const MINUTE = 60_000;
const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));
const iso = (ms: number) => new Date(ms).toISOString();
let nextId = 9_300_000_000;

const api = merchantApi;

const gold = (percentage: string) => ({ translations: { en: { name: "Gold", perks: [] } }, threshold: 5_000, discount: { percentage }, free_shipping: true, sort: 2 });

/** The configuration the shop's one function discount holds now (null: no discount yet). */
async function publishedConfig(shop: string): Promise<{ tiers: { id: string; percentage: string | null }[]; campaigns: { id: string }[] } | null> {
  const discounts = await listAutomaticDiscounts(shop);
  if (discounts.length === 0) return null;
  expect(discounts).toHaveLength(1);
  const [metafield] = (await listMetafields(shop, discounts[0]!.discountId)).filter((m) => m.key === "function-configuration");
  return metafield ? JSON.parse(metafield.value) : null;
}

async function customerTierMetafield(shop: string, customerId: string): Promise<string | null> {
  const [metafield] = (await listMetafields(shop, `gid://shopify/Customer/${customerId}`)).filter((m) => m.key === "vip-tier");
  return metafield?.value ?? null;
}

/** The Worker's cron handler, fired as Cloudflare fires it at `scheduledTime`. */
async function tick(scheduledTime: number): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "* * * * *" }), env);
}

async function until(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

async function pay(shop: string, customerId: string, subtotal: string): Promise<void> {
  const response = await call(await webhookRequest("orders/paid", shop, orderBody({ id: String(++nextId), customerId, subtotal })));
  expect(response.status).toBe(200);
}

/** A publish with nothing to give ran (it looked for our discount) and made no discount. */
async function publishedNothing(shop: string): Promise<void> {
  await eventually(async () => graphqlCalls(await emulatorRequests(shop)).filter((r) => r.operation === "discountNodes").length, (n) => n > 0);
  expect(await listAutomaticDiscounts(shop)).toEqual([]);
}

describe("publishing the discount configuration", () => {
  it("a tier's discount, set and then changed through the API, is what the discount's configuration metafield holds", async () => {
    const shop = await installedShop("pub-tier");
    expect((await api(shop, "PUT", "/vip-tiers/tier_gold", gold("10"))).status).toBe(200);
    const first = await eventually(() => publishedConfig(shop), (c) => c?.tiers.length === 1);
    expect(first?.tiers).toEqual([{ id: "tier_gold", name: "Gold", percentage: "10", free_shipping: true }]);

    expect((await api(shop, "PUT", "/vip-tiers/tier_gold", gold("12.5"))).status).toBe(200);
    const second = await eventually(() => publishedConfig(shop), (c) => c?.tiers[0]?.percentage === "12.5");
    expect(second?.tiers).toEqual([{ id: "tier_gold", name: "Gold", percentage: "12.5", free_shipping: true }]);

    // Disabling the tier withdraws its perk.
    expect((await api(shop, "DELETE", "/vip-tiers/tier_gold")).status).toBe(200);
    expect((await eventually(() => publishedConfig(shop), (c) => c?.tiers.length === 0))?.tiers).toEqual([]);
  });

  it("a campaign's discount is published by the cron tick that crosses its start, and withdrawn by the one that crosses its end", async () => {
    const shop = await installedShop("pub-campaign");
    // Far enough ahead for the first publish (a queue batch, then Shopify) to come before it.
    const start = Date.now() + 10_000;
    const end = start + 8_000; // ample for the start's publish (the jobs queue waits up to 2 s for a batch)
    // The default tiers (written at install) and the campaign dated five minutes back: no tick
    // near the campaign's start or end sees a recent write of the shop.
    const past = Date.now() - 5 * MINUTE;
    await env.DB.prepare(`UPDATE vip_tiers SET updated_at = ? WHERE shop = ?`).bind(past, shop).run();
    const campaign = await createCampaign(
      env,
      shop,
      {
        kind: "multiplier",
        translations: { en: { name: "Flash sale", description: "15% off" } },
        starts_at: iso(start),
        ends_at: iso(end),
        eligible_tier_ids: null,
        eligible_segments: null,
        discount: { percentage: "15" },
        free_shipping: false,
        multiplier: 1,
        stackable: true,
      } as Parameters<typeof createCampaign>[2],
      "test",
      past,
    );
    await requestDiscountConfigPublish(env, shop);
    await publishedNothing(shop);

    // Only a tick whose minute holds the start asks for a publish.
    expect(await shopsToRepublish(env, start - MINUTE - 1_000, start - 1_000)).not.toContain(shop);
    expect(await shopsToRepublish(env, start + 1_000 - MINUTE, start + 1_000)).toContain(shop);

    await until(start + 1);
    expect(await publishedConfig(shop)).toBeNull(); // nothing publishes by itself
    await tick(start + 1_000);
    const running = await eventually(() => publishedConfig(shop), (c) => c?.campaigns.length === 1);
    expect(running?.campaigns).toEqual([
      { id: campaign.id, name: "Flash sale", percentage: "15", free_shipping: false, eligible_tier_ids: null, starts_at: iso(start), ends_at: iso(end) },
    ]);

    await until(end + 1);
    await tick(end + 1_000);
    expect((await eventually(() => publishedConfig(shop), (c) => c?.campaigns.length === 0))?.campaigns).toEqual([]);
  });

  it("a tier write whose job was never sent is published by the next cron tick", async () => {
    const shop = await installedShop("pub-repair");
    await requestDiscountConfigPublish(env, shop);
    await publishedNothing(shop);

    // Written straight to D1, as if the route's send had failed after the write committed.
    const current = (await getTier(env, shop, "tier_silver"))!;
    const at = Date.now();
    await updateTier(env, shop, "tier_silver", { ...tierInput(current), discount: { percentage: "5" } }, "test", {}, at);
    await tick(at + 1_000);
    const repaired = await eventually(() => publishedConfig(shop), (c) => c?.tiers.length === 1);
    expect(repaired?.tiers).toEqual([{ id: "tier_silver", name: "Silver", percentage: "5", free_shipping: false }]);
  });

  it("Shopify failing every try of a publish (HTTP 500) is retried by the queue until it is published", async () => {
    const shop = await installedShop("pub-fault");
    // As many 500s as one Admin API call tries: the job's first run is unavailable.
    await injectFault(shop, { mode: "http_500", operation: "discountNodes", times: DEFAULT_RETRY.attempts });
    expect((await api(shop, "PUT", "/vip-tiers/tier_gold", gold("10"))).status).toBe(200);

    const published = await eventually(() => publishedConfig(shop), (c) => c?.tiers.length === 1, 30_000);
    expect(published?.tiers).toEqual([{ id: "tier_gold", name: "Gold", percentage: "10", free_shipping: true }]);
    const listings = graphqlCalls(await emulatorRequests(shop)).filter((r) => r.operation === "discountNodes");
    expect(listings.slice(0, DEFAULT_RETRY.attempts).map((r) => r.status)).toEqual(Array(DEFAULT_RETRY.attempts).fill(500));
    expect(listings.length).toBeGreaterThan(DEFAULT_RETRY.attempts);
  }, 45_000);
});

describe("publishing the customer's tier", () => {
  it("a customer reaching Silver gets tier_silver in their vip-tier metafield, and a redelivered old event does not take Gold back", async () => {
    const shop = await installedShop("pub-customer");
    expect((await api(shop, "PUT", "/vip-tiers/tier_gold", gold("10"))).status).toBe(200); // tiers now matter to the Function
    const customerId = "930000001";
    await pay(shop, customerId, "100.00"); // 1,000 points: Silver
    expect(await eventually(() => customerTierMetafield(shop, customerId), (v) => v === "tier_silver")).toBe("tier_silver");

    await pay(shop, customerId, "400.00"); // 5,000 points: Gold
    expect(await eventually(() => customerTierMetafield(shop, customerId), (v) => v === "tier_gold")).toBe("tier_gold");

    // The event of the move to Silver, delivered again: its job publishes the tier held now.
    const toSilver = (await customerAccount(env, shop, customerId).tierChanges()).find((c) => c.to === "tier_silver")!;
    const sets = async () => graphqlCalls(await emulatorRequests(shop)).filter((r) => r.operation === "metafieldsSet").length;
    const before = await sets();
    const event: LedgerEvent = { type: "tier_changed", shop, customer_id: customerId, outbox_seq: toSilver.seq, change: toSilver };
    await env.LEDGER_EVENTS.send(event, { contentType: "json" });
    await eventually(sets, (n) => n > before);
    expect(await customerTierMetafield(shop, customerId)).toBe("tier_gold");
  });

  it("writes no customer's tier while the Function reads none, and every member's once it starts to", async () => {
    const shop = await installedShop("pub-backfill");
    await pay(shop, "930000011", "100.00"); // Silver
    await pay(shop, "930000012", "500.00"); // Gold
    await pay(shop, "930000013", "10.00"); // Bronze
    // Their tier changes reach the projection (the backfill's source), and no tier was written.
    await eventually(async () => (await sql`SELECT count(DISTINCT customer_id)::int AS n FROM tier_changes WHERE shop = ${shop}`)[0]!.n, (n) => n === 3);
    expect(graphqlCalls(await emulatorRequests(shop)).filter((r) => r.operation === "metafieldsSet")).toEqual([]);

    expect((await api(shop, "PUT", "/vip-tiers/tier_gold", gold("10"))).status).toBe(200);
    for (const [customerId, tier] of [["930000011", "tier_silver"], ["930000012", "tier_gold"], ["930000013", "tier_bronze"]] as const) {
      expect(await eventually(() => customerTierMetafield(shop, customerId), (v) => v === tier)).toBe(tier);
    }
  });

  it("the consumer acks a shop it cannot publish to, parks a publish Shopify refuses, and retries one Shopify cannot take", async () => {
    const refusing = await installedShop("pub-refused");
    await grantScopes(refusing, "read_customers,read_orders,write_discounts"); // no write_customers
    const down = await installedShop("pub-down");
    await injectFault(down, { mode: "http_500", operation: "metafieldsSet", times: 0 });
    const uninstalled = uniqueShop("pub-uninstalled");
    await install(uninstalled); // a shop row without an offline token
    const jobs: JobMessage[] = [
      { type: "publish_customer_tier", shop: uninstalled, customerId: "930000002" },
      { type: "publish_customer_tier", shop: refusing, customerId: "930000003" },
      { type: "publish_customer_tier", shop: down, customerId: "930000004" },
    ];
    const batch = createMessageBatch<JobMessage>("jobs", jobs.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
    const ctx = createExecutionContext();
    await handleJobs(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m2"]);
    const parked = await env.DB.prepare(`SELECT status, reason FROM dead_letters WHERE queue = 'jobs' AND body LIKE ?`).bind(`%${refusing}%`).all();
    expect(parked.results).toEqual([{ status: "parked", reason: expect.stringContaining("write_customers") }]);
  });
});
