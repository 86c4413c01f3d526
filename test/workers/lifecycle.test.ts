// Uninstall and reinstall never drop points: a stale app/uninstalled changes nothing, a
// reinstall records its time, and what arrived while the shop was away is applied on return.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { processInboxEntry } from "../../queues/ingest";
import { accountState, call, eventually, install, json } from "../helpers/app";
import { orderBody, uniqueShop, webhookRequest } from "../helpers/shopify";

let nextId = 6_100_000_000_000_000_000n;
const newId = () => String(nextId++);

async function deliver(shop: string, topic: string, body: string, headers: Record<string, string | null> = {}) {
  const response = await call(await webhookRequest(topic, shop, body, headers));
  return { status: response.status, body: await json(response) };
}

const shopRow = (shop: string) =>
  env.DB.prepare(`SELECT status, installed_at, install_confirmed_at, uninstalled_at FROM shops WHERE domain = ?`)
    .bind(shop)
    .first<{ status: string; installed_at: number; install_confirmed_at: number; uninstalled_at: number | null }>();

const inboxRow = (shop: string, topic: string) =>
  env.DB.prepare(`SELECT id, status, last_error FROM webhook_inbox WHERE shop = ? AND topic = ? ORDER BY id DESC`)
    .bind(shop, topic)
    .first<{ id: number; status: string; last_error: string | null }>();

const uninstallBody = (shop: string) => JSON.stringify({ id: 548380009, name: "Shop", myshopify_domain: shop, domain: "www.example.com", email: "owner@example.com" });

describe("app/uninstalled against the latest installation", () => {
  it("ignores an uninstall Shopify triggered before the shop's latest install, which stays installed", async () => {
    const shop = uniqueShop("stale");
    await install(shop);
    const installed = await shopRow(shop);
    const anHourBefore = new Date(installed!.install_confirmed_at - 3_600_000).toISOString();
    const response = await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": anHourBefore });
    expect(response.body).toMatchObject({ outcome: "queued" });
    const row = await eventually(() => inboxRow(shop, "app/uninstalled"), (r) => r?.status === "processed");
    expect(row?.status).toBe("processed");
    expect(await shopRow(shop)).toMatchObject({ status: "installed", uninstalled_at: null });
    // The sweeper re-driving it (or Shopify retrying it) changes nothing either.
    expect(await processInboxEntry(env, row!.id)).toBe("gone");
    const retried = await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": anHourBefore });
    expect(retried.status).toBe(200);
    await eventually(() => inboxRow(shop, "app/uninstalled"), (r) => r?.status === "processed");
    expect((await shopRow(shop))?.status).toBe("installed");
  });

  it("applies an uninstall triggered after the latest install", async () => {
    const shop = uniqueShop("leaves");
    await install(shop);
    await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": new Date(Date.now() + 1_000).toISOString() });
    const row = await eventually(() => shopRow(shop), (r) => r?.status === "uninstalled");
    expect(row).toMatchObject({ status: "uninstalled", uninstalled_at: expect.any(Number) });
  });

  it("takes the first arrival as the trigger time when Shopify sent none, so a delivery received before a reinstall stays stale", async () => {
    const shop = uniqueShop("noheader");
    await install(shop);
    // Arrives and is recorded, but its processing is lost until after the merchant reinstalls.
    const { recordInbox } = await import("../../d1/inbox");
    const { id } = await recordInbox(env, {
      shop,
      topic: "app/uninstalled",
      deliveryId: `late-${crypto.randomUUID()}`,
      body: uninstallBody(shop),
      orderGid: null,
      triggeredAt: null,
    }, Date.now() - 60_000);
    await install(shop);
    expect(await processInboxEntry(env, id)).toBe("processed");
    expect((await shopRow(shop))?.status).toBe("installed");
  });
});

describe("uninstall, orders while away, reinstall", () => {
  it("keeps what arrived while the shop was uninstalled and applies it on reinstall, once", async () => {
    const shop = uniqueShop("returns");
    const customerId = "61001";
    await install(shop);
    expect((await deliver(shop, "orders/paid", orderBody({ id: newId(), customerId, subtotal: "10.00" }))).body).toMatchObject({ points: 100 });

    await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": new Date(Date.now() + 1_000).toISOString() });
    const gone = await eventually(() => shopRow(shop), (r) => r?.status === "uninstalled");
    expect(gone?.status).toBe("uninstalled");

    const whileAway = orderBody({ id: newId(), customerId, subtotal: "20.00" });
    expect((await deliver(shop, "orders/paid", whileAway)).body).toMatchObject({ outcome: "queued", reason: "shop_not_installed" });
    expect((await accountState(shop, customerId)).balance).toBe(100);
    // The sweeper's re-drive while still away parks it again; nothing is applied.
    const parked = await inboxRow(shop, "orders/paid");
    expect(await processInboxEntry(env, parked!.id)).toBe("parked");
    expect((await accountState(shop, customerId)).balance).toBe(100);

    await new Promise((r) => setTimeout(r, 5));
    await install(shop);
    const back = await shopRow(shop);
    expect(back).toMatchObject({ status: "installed", uninstalled_at: null });
    expect(back!.installed_at).toBeGreaterThan(gone!.installed_at);

    const applied = await eventually(() => accountState(shop, customerId), (s) => s.balance === 300);
    expect(applied.balance).toBe(300);
    expect((await eventually(() => inboxRow(shop, "orders/paid"), (r) => r?.status === "processed"))?.status).toBe("processed");
    // Shopify's retry of the same delivery after the fact: still one award.
    await deliver(shop, "orders/paid", whileAway);
    expect((await accountState(shop, customerId)).ledger.filter((e) => e.kind === "earn")).toHaveLength(2);
  });
});
