// Server-side PostHog events: from ledger events, only for shops that turned PostHog on, in one
// capture batch per shop through the notifications queue, the customer known by the same
// distinct_id as in the widget, each event's uuid fixed by its idempotency key.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { posthogDistinctId } from "../../core/analytics";
import { dataKeys } from "../../core/crypto";
import type { LedgerEvent } from "../../core/ledger-events";
import { withNotificationsQueued } from "../../queues/notification-producer";
import { install, merchantApi } from "../helpers/app";
import { freshConfig, standinRequests } from "../helpers/provider-standins";
import { uniqueShop } from "../helpers/shopify";

function earned(shop: string, customerId: string, points: number): LedgerEvent {
  return {
    type: "ledger_entry",
    shop,
    customer_id: customerId,
    outbox_seq: 1,
    entry: { id: crypto.randomUUID(), seq: 1, kind: "earn", points, balance_after: points, source_type: "order", source_id: "gid://shopify/Order/9", snapshot: null, note: null, created_at: new Date().toISOString() },
    account: { points_balance: points, total_points_earned: points, total_points_redeemed: 0, total_points_reversed: 0 },
  };
}

const asMessage = (body: LedgerEvent) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body, ack() {}, retry() {} }) as unknown as Message<LedgerEvent>;

async function queue(events: LedgerEvent[]): Promise<void> {
  const retried: unknown[] = [];
  await withNotificationsQueued(env, events.map(asMessage), (m) => retried.push(...m));
  expect(retried).toEqual([]);
}

describe("server-side PostHog events", () => {
  it("are captured for a shop that turned PostHog on, as one batch, the same event's uuid every time", async () => {
    const shop = uniqueShop("posthog-on");
    await install(shop);
    const posthog = await freshConfig("posthog");
    const saved = await merchantApi(shop, "PUT", "/settings", { analytics: { posthog_enabled: true, posthog_project_api_key: posthog.project_api_key } });
    expect(saved.status).toBe(200);
    await saved.body?.cancel();
    const event = earned(shop, "5550001", 120);
    // The same event twice (an outbox resend) and another customer's.
    await queue([event, event, earned(shop, "5550002", 30)]);
    const captured = async () => (await standinRequests("posthog", posthog.project_api_key, "send")).flatMap((r) => (r.body as { batch: Record<string, any>[] }).batch);
    const deadline = Date.now() + 15_000;
    let events = await captured();
    while (events.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      events = await captured();
    }
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.event === "points_earned")).toBe(true);
    const keys = await dataKeys(env.ENCRYPTION_KEY);
    // A keyed hash, never the Shopify customer id.
    expect(events.every((e) => /^ln_[0-9a-f]{32}$/.test(e.distinct_id))).toBe(true);
    const distinct = await posthogDistinctId(keys, shop, "5550001");
    const hers = events.filter((e) => e.distinct_id === distinct);
    expect(hers).toHaveLength(2);
    expect(hers[0]!.uuid).toBe(hers[1]!.uuid);
    expect(hers[0]!.properties).toMatchObject({ points: 120, kind: "earn" });
  });

  it("are not sent for a shop with PostHog off", async () => {
    const shop = uniqueShop("posthog-off");
    await install(shop);
    const retried: unknown[] = [];
    const sent: unknown[] = [];
    const spy = { ...env, NOTIFICATIONS: { send: async (m: unknown) => void sent.push(m), sendBatch: async (m: unknown[]) => void sent.push(...m) } } as unknown as Env;
    await withNotificationsQueued(spy, [asMessage(earned(shop, "5550003", 10))], (m) => retried.push(...m));
    expect(sent).toEqual([]);
    expect(retried).toEqual([]);
  });
});
