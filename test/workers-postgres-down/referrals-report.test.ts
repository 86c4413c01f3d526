// Postgres is unreachable for this whole file: the merchant's referral list and ROI answer 503
// `reporting_unavailable` with Retry-After (a passing outage, never a 500), while bad filters are
// still refused first with their own 400.
import { describe, expect, it } from "vitest";
import { install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

const shop = uniqueShop("pgdown-referrals");

describe("referral reports while Postgres is down", () => {
  it.each(["/referrals?status=held", "/referrals/roi?from=2026-11-01&to=2026-12-01"])("GET %s answers 503, retry later", async (path) => {
    await install(shop);
    const response = await merchantApi(shop, "GET", path);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await json(response)).toMatchObject({ status: "error", error: { code: "reporting_unavailable" } });
  });

  it("still refuses a bad filter with 400 before reaching for Postgres", async () => {
    await install(shop);
    const response = await merchantApi(shop, "GET", "/referrals?per_page=500");
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ error: { code: "invalid_per_page" } });
  });
});
