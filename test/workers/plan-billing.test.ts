// Plan changes through Shopify's billing (the emulator answering as Shopify): a paid plan is a
// subscription the merchant approves, activation comes by webhook or the return check, an
// upgrade's replaced subscription does not drop the shop to Free, Free cancels; every change
// logged in plan_changes and told to the merchant.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { merchantNoticesFor } from "../../d1/merchant-notices";
import { planChangesFor } from "../../d1/plans";
import { createPlanSubscription } from "../../workers/shopify/billing";
import { call, install, json, merchantApi } from "../helpers/app";
import { decideSubscription, emulatorRequests, graphqlCalls, injectFault, installedShop, listSubscriptions, type EmulatorSubscription } from "../helpers/shopify-emulator";
import { uniqueShop, webhookRequest } from "../helpers/shopify";

async function subscriptionWebhook(shop: string, subscription: Pick<EmulatorSubscription, "id" | "name" | "status">, overrides: Record<string, string | null> = {}): Promise<Response> {
  const body = JSON.stringify({
    app_subscription: {
      admin_graphql_api_id: subscription.id,
      name: subscription.name,
      status: subscription.status,
      admin_graphql_api_shop_id: "gid://shopify/Shop/1",
      created_at: "2026-12-01T10:00:00Z",
      updated_at: "2026-12-01T10:05:00Z",
      currency: "USD",
    },
  });
  return call(await webhookRequest("app_subscriptions/update", shop, body, overrides));
}

const planOf = async (shop: string) => (await json(await merchantApi(shop, "GET", "/plan"))).plan.id as string;

describe("plan changes through Shopify's billing", () => {
  it("asks Shopify for a subscription, changes the plan on activation (once), and logs and tells every change", async () => {
    const shop = await installedShop("billing");
    const asked = await merchantApi(shop, "POST", "/plan", { plan: "growth" }, "77");
    expect(asked.status).toBe(200);
    const answer = await json(asked);
    expect(answer).toMatchObject({ status: "ok", plan: "growth", changed: false, subscription_id: expect.stringMatching(/^gid:\/\/shopify\/AppSubscription\/\d+$/) });
    expect(answer.confirmation_url).toMatch(/\/admin\/charges\/.+\/confirm_recurring_application_charge\?/);
    const create = graphqlCalls(await emulatorRequests(shop)).find((r) => r.operation === "appSubscriptionCreate");
    expect(create?.status).toBe(200);
    const [pending] = await listSubscriptions(shop);
    expect(pending).toMatchObject({ id: answer.subscription_id, name: "LoyalNest Growth", status: "PENDING", test: true });
    expect(await planOf(shop)).toBe("free"); // not before the merchant approves

    const [active] = await decideSubscription(shop, pending!.id);
    expect((await subscriptionWebhook(shop, active!)).status).toBe(200);
    expect(await planOf(shop)).toBe("growth");
    expect((await subscriptionWebhook(shop, active!)).status).toBe(200); // Shopify's retry
    const changes = await planChangesFor(env, shop);
    expect(changes).toEqual([expect.objectContaining({ from: "free", to: "growth", changed_by: "shopify:billing", subscription_gid: active!.id })]);
    expect((await merchantNoticesFor(env, shop)).filter((n) => n.kind === "plan_changed").map((n) => n.details)).toEqual([{ from: "free", to: "growth", changed_by_kind: "shopify" }]);
  });

  it("an upgrade's replaced subscription, reported cancelled first, does not drop the shop to Free; Free cancels at Shopify", async () => {
    const shop = await installedShop("billing-upgrade");
    const growth = await json(await merchantApi(shop, "POST", "/plan", { plan: "growth" }));
    const [growthActive] = await decideSubscription(shop, growth.subscription_id);
    await subscriptionWebhook(shop, growthActive!);
    const pro = await json(await merchantApi(shop, "POST", "/plan", { plan: "pro" }));
    const changed = await decideSubscription(shop, pro.subscription_id);
    const growthCancelled = changed.find((s) => s.id === growth.subscription_id)!;
    const proActive = changed.find((s) => s.id === pro.subscription_id)!;
    expect(growthCancelled.status).toBe("CANCELLED");

    // Out of order: the replaced one's cancellation before the new one's activation.
    expect((await subscriptionWebhook(shop, growthCancelled)).status).toBe(200);
    expect(await planOf(shop)).toBe("pro");
    await subscriptionWebhook(shop, proActive);
    expect((await planChangesFor(env, shop)).map((c) => [c.from, c.to])).toEqual([["growth", "pro"], ["free", "growth"]]);

    const free = await json(await merchantApi(shop, "POST", "/plan", { plan: "free" }, "78"));
    expect(free).toMatchObject({ plan: "free", changed: true, confirmation_url: null });
    expect((await listSubscriptions(shop)).find((s) => s.id === pro.subscription_id)?.status).toBe("CANCELLED");
    expect(graphqlCalls(await emulatorRequests(shop)).some((r) => r.operation === "appSubscriptionCancel" && r.status === 200)).toBe(true);
    // Shopify's own report of that cancellation changes nothing more.
    await subscriptionWebhook(shop, { ...proActive, status: "CANCELLED" });
    expect((await planChangesFor(env, shop))[0]).toMatchObject({ from: "pro", to: "free", changed_by: "merchant:78" });
    expect(await planChangesFor(env, shop)).toHaveLength(3);
  });

  it("the return check activates what Shopify holds active when no webhook came; a merchant's cancellation at Shopify drops to Free", async () => {
    const shop = await installedShop("billing-sync");
    const asked = await json(await merchantApi(shop, "POST", "/plan", { plan: "plus" }));
    expect((await json(await merchantApi(shop, "POST", "/plan/sync"))).plan).toBe("free"); // still pending
    const [active] = await decideSubscription(shop, asked.subscription_id);
    const synced = await json(await merchantApi(shop, "POST", "/plan/sync"));
    expect(synced).toMatchObject({ plan: "plus", changed: true });
    expect(graphqlCalls(await emulatorRequests(shop)).some((r) => r.operation === "currentAppInstallation")).toBe(true);

    // Cancelled at Shopify (nothing else active): the plan billing gave goes back to Free.
    await subscriptionWebhook(shop, { ...active!, status: "CANCELLED" });
    expect(await planOf(shop)).toBe("free");
  });

  it("answers bad requests clearly and changes nothing; Shopify's failures are 503 with the plan unchanged", async () => {
    const shop = await installedShop("billing-bad");
    const unknown = await merchantApi(shop, "POST", "/plan", { plan: "platinum" });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.code).toBe("unknown_plan");
    expect((await merchantApi(shop, "POST", "/plan", {})).status).toBe(400);
    expect((await merchantApi(shop, "POST", "/plan", { plan: "growth", extra: 1 })).status).toBe(400);
    expect(await json(await merchantApi(shop, "POST", "/plan", { plan: "free" }))).toMatchObject({ plan: "free", changed: false });

    await injectFault(shop, { mode: "http_500", operation: "appSubscriptionCreate", times: 0 });
    const down = await merchantApi(shop, "POST", "/plan", { plan: "growth" });
    expect(down.status).toBe(503);
    expect((await json(down)).error.code).toBe("shopify_unavailable");
    expect(await planOf(shop)).toBe("free");

    // A forged report (bad HMAC) is refused before anything is read.
    const forged = await subscriptionWebhook(shop, { id: "gid://shopify/AppSubscription/1", name: "LoyalNest Plus", status: "ACTIVE" }, { "x-shopify-hmac-sha256": "AAAA" });
    expect(forged.status).toBe(401);
    // A report of a subscription no plan matches is acknowledged and ignored.
    const stray = await subscriptionWebhook(shop, { id: "gid://shopify/AppSubscription/999999", name: "Someone else's", status: "ACTIVE" });
    expect(await json(stray)).toMatchObject({ outcome: "ignored" });
    expect(await planOf(shop)).toBe("free");
    expect(await planChangesFor(env, shop)).toEqual([]);
    // A shop that never installed: acknowledged, nothing written.
    const stranger = uniqueShop("billing-stranger");
    expect(await json(await subscriptionWebhook(stranger, { id: "gid://shopify/AppSubscription/5", name: "LoyalNest Plus", status: "ACTIVE" }))).toMatchObject({ outcome: "ignored", reason: "unknown_shop" });
  });

  it("a shop whose Admin API token is missing answers 409 shopify_not_connected, not a server error", async () => {
    const shop = uniqueShop("billing-no-token");
    await install(shop); // installed without an offline token
    const asked = await merchantApi(shop, "POST", "/plan", { plan: "growth" });
    expect(asked.status).toBe(409);
    expect((await json(asked)).error.code).toBe("shopify_not_connected");
    expect((await merchantApi(shop, "POST", "/plan/sync")).status).toBe(409);
    expect(await planOf(shop)).toBe("free");
  });

  it("the emulator checks appSubscriptionCreate as Shopify does", async () => {
    const shop = await installedShop("billing-emulator");
    const zero = await createPlanSubscription(env, shop, { id: "x", name: "X", price: "0.00", monthly_order_limit: 1 }, "https://admin.shopify.com/store/x/apps/y");
    expect(zero).toEqual({ kind: "rejected", reason: expect.stringContaining("Price must be greater than 0") });
    const badUrl = await createPlanSubscription(env, shop, { id: "x", name: "X", price: "5.00", monthly_order_limit: 1 }, "not a url");
    expect(badUrl.kind).toBe("rejected");
    expect(await listSubscriptions(shop)).toEqual([]);
  });
});
