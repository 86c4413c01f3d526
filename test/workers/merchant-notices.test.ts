// Notices for the merchant: told once per dedupe key, listed for their shop only, marked read.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { notifyMerchant } from "../../d1/merchant-notices";
import { install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

describe("merchant notices", () => {
  it("tells once per dedupe key, lists the shop's own unread notices, and marks one read", async () => {
    const shop = uniqueShop("notices");
    const other = uniqueShop("notices-other");
    await Promise.all([install(shop), install(other)]);
    const warning = { kind: "plan_usage_warning" as const, dedupeKey: "plan_usage_warning:2026-12:80", details: { percent: 80 } };
    expect(await notifyMerchant(env, shop, warning)).toBe(true);
    expect(await notifyMerchant(env, shop, warning)).toBe(false);
    await notifyMerchant(env, other, { kind: "plan_limit_reached", dedupeKey: "x", details: {} });

    const listed = await json(await merchantApi(shop, "GET", "/notices"));
    expect(listed.notices.map((n: { kind: string; details: unknown }) => [n.kind, n.details])).toEqual([["plan_usage_warning", { percent: 80 }]]);
    const id = listed.notices[0].id;

    expect((await merchantApi(other, "POST", `/notices/${id}/read`)).status).toBe(404);
    expect((await merchantApi(shop, "POST", `/notices/${id}/read`)).status).toBe(200);
    expect((await json(await merchantApi(shop, "GET", "/notices"))).notices).toEqual([]);
    const all = await json(await merchantApi(shop, "GET", "/notices?all=true"));
    expect(all.notices).toHaveLength(1);
    expect(all.notices[0].read_at).not.toBeNull();
    expect((await merchantApi(shop, "POST", "/notices/not-a-uuid/read")).status).toBe(400);
  });
});
