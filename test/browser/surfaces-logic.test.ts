// The surfaces' pure rules, without a page: what a price earns on the product page (as orders
// earn: core/program.ts computeOrderEarn), and the email popup's own check before it posts.
import { describe, expect, it } from "vitest";
import { computeOrderEarn, DEFAULT_PROGRAM } from "../../core/program";
import { pointsForPrice } from "../../widget/src/surfaces/points-estimate";
import { looksLikeEmail } from "../../widget/src/surfaces/subscribe";

describe("pointsForPrice", () => {
  it.each([
    [2500, 10, 250],
    [1999, 10, 199],
    [5, 10, 0],
    [1, 1, 0],
    [100, 1, 1],
    [123_456, 7, 8641],
  ])("%i cents at %i points per unit earns what an order of that amount earns (%i)", (cents, rate, points) => {
    expect(pointsForPrice({ cents, currency: "USD" }, rate, { active: "USD", rate: "1.0" })).toBe(points);
    const program = { ...DEFAULT_PROGRAM, enabled: true, earning: { ...DEFAULT_PROGRAM.earning, purchase: { points_per_currency_unit: rate } } };
    expect(computeOrderEarn(program, cents * 10, []).points).toBe(points);
  });

  it("brings a presentment price back to the shop's currency with Shopify's rate", () => {
    expect(pointsForPrice({ cents: 2700, currency: "EUR" }, 10, { active: "EUR", rate: "0.9" })).toBe(300);
    // A block in a currency that is not the active one: read as the shop's.
    expect(pointsForPrice({ cents: 2700, currency: "GBP" }, 10, { active: "EUR", rate: "0.9" })).toBe(270);
    // No rate from the theme (or a nonsense one): read as the shop's.
    expect(pointsForPrice({ cents: 2700, currency: "EUR" }, 10, { active: "EUR" })).toBe(270);
    expect(pointsForPrice({ cents: 2700, currency: "EUR" }, 10, { active: "EUR", rate: "0" })).toBe(270);
  });

  it("earns nothing from a missing, negative or unreadable price, or a rate of 0", () => {
    for (const cents of [NaN, -100, 0, Infinity]) expect(pointsForPrice({ cents, currency: null }, 10), String(cents)).toBe(0);
    expect(pointsForPrice({ cents: 2500, currency: null }, 0)).toBe(0);
  });
});

describe("looksLikeEmail", () => {
  it.each(["ada@example.com", "a.b+tag@shop.co.uk"])("accepts %s", (email) => expect(looksLikeEmail(email)).toBe(true));
  it.each(["", "ada", "ada@", "ada@example", "@example.com", "ada lovelace@example.com", "ada@exa mple.com"])("refuses %j", (email) =>
    expect(looksLikeEmail(email)).toBe(false),
  );
});
