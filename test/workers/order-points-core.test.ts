// core/order-points.ts alone: which order the page names, and what is said of it in each state.
import { describe, expect, it } from "vitest";
import { orderGidFrom, orderPoints, signupPoints, type OrderPointsInput } from "../../core/order-points";
import { DEFAULT_PROGRAM } from "../../core/program";

const base: OrderPointsInput = { program: DEFAULT_PROGRAM, campaigns: [], tier: null, customerId: "801", recorded: null, subtotalMills: null, now: Date.now() };

describe("orderGidFrom", () => {
  it.each([
    ["gid://shopify/OrderIdentity/7301", "gid://shopify/Order/7301"],
    ["gid://shopify/Order/7301", "gid://shopify/Order/7301"],
    [" 7301 ", "gid://shopify/Order/7301"],
    ["gid://shopify/Customer/7301", null],
    ["7301abc", null],
    ["", null],
    ["1".repeat(21), null],
  ])("reads %j as %j", (given, expected) => {
    expect(orderGidFrom(given)).toBe(expected);
  });
});

describe("orderPoints", () => {
  it("says what a paid order earned, net of refunds and never below zero", () => {
    expect(orderPoints({ ...base, recorded: { earned: 400, reversed: 100, held: false } })).toEqual({ state: "earned", points: 300, estimated: false });
    expect(orderPoints({ ...base, recorded: { earned: 400, reversed: 500, held: false } }).points).toBe(0);
  });

  it("says a held award is still to come, with its points", () => {
    expect(orderPoints({ ...base, recorded: { earned: 120, reversed: 0, held: true } })).toEqual({ state: "pending", points: 120, estimated: false });
  });

  it("forecasts from the subtotal at the program's rate, rounded down", () => {
    expect(orderPoints({ ...base, subtotalMills: 25_990 })).toEqual({ state: "pending", points: 259, estimated: true });
  });

  it("forecasts nothing while the program is off, and offers no signup points", () => {
    const off = { ...DEFAULT_PROGRAM, enabled: false };
    expect(orderPoints({ ...base, program: off, subtotalMills: 25_990 }).points).toBe(0);
    expect(signupPoints(off)).toBe(0);
    expect(signupPoints(DEFAULT_PROGRAM)).toBe(200);
  });

  it("never takes a guest's word for an account: a recorded order is ignored without a customer", () => {
    expect(orderPoints({ ...base, customerId: null, recorded: { earned: 999, reversed: 0, held: false }, subtotalMills: 10_000 })).toEqual({
      state: "guest",
      points: 100,
      estimated: true,
    });
  });
});
