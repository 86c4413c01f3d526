// Merging Shopify's reported throttle status into the coordinator's estimate (core/throttle).
import { describe, expect, it } from "vitest";
import { reconcile, spend, waitForCost, type BucketState } from "../../core/throttle";

const standard = { maximumAvailable: 1000, restoreRate: 100 };

describe("reconcile", () => {
  it("takes Shopify's figures when they are lower than our estimate (spending we never reserved)", () => {
    const ours: BucketState = { ...standard, currentlyAvailable: 900, observedAt: 0 };
    expect(reconcile(ours, { ...standard, currentlyAvailable: 5 }, 1_000)).toEqual({ ...standard, currentlyAvailable: 5, observedAt: 1_000 });
  });

  it("keeps our estimate while it owes reservations Shopify has not seen yet", () => {
    // Twenty callers reserved 10 points each from an empty bucket: the last goes 2 s from now.
    let ours: BucketState = { ...standard, currentlyAvailable: 0, observedAt: 0 };
    for (let i = 0; i < 20; i++) ours = spend(ours, 10, waitForCost(ours, 10, 0));
    expect(waitForCost(ours, 10, 0)).toBe(2_100);
    const merged = reconcile(ours, { ...standard, currentlyAvailable: 400 }, 0);
    expect(waitForCost(merged, 10, 0)).toBe(2_100);
  });

  it("always takes Shopify's capacity and restore rate", () => {
    const ours: BucketState = { ...standard, currentlyAvailable: 1000, observedAt: 0 };
    expect(reconcile(ours, { maximumAvailable: 2000, restoreRate: 200, currentlyAvailable: 2000 }, 0)).toMatchObject({ maximumAvailable: 2000, restoreRate: 200, currentlyAvailable: 1000 });
    expect(reconcile(ours, { maximumAvailable: 500, restoreRate: 50, currentlyAvailable: 500 }, 0)).toMatchObject({ maximumAvailable: 500, restoreRate: 50, currentlyAvailable: 500 });
  });
});
