// A reward's discount code at Shopify (workers/shopify/discounts.ts) against the emulator: the
// mutation each reward shape sends, and what a create answers through Shopify's failures
// (5xx, THROTTLED, userErrors, no answer at all), each with and without the deadline to spare.
// Every test installs its own shop, so queued faults stay with it.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AdminApiError } from "../../workers/shopify/admin-graphql";
import { createDiscountCode, findDiscountByCode, type DiscountCodeSpec } from "../../workers/shopify/discounts";
import { emulatorRequests, graphqlCalls, injectFault, installedShop, listDiscounts, type EmulatorRequest } from "../helpers/shopify-emulator";

const CUSTOMER = "gid://shopify/Customer/7001";

function spec(overrides: Partial<DiscountCodeSpec> = {}): DiscountCodeSpec {
  return {
    code: `LN-${crypto.randomUUID().slice(0, 8).toUpperCase()}`,
    title: "LoyalNest: $5 off (500 points)",
    customerGid: CUSTOMER,
    value: { kind: "amount", amount: "5.00", variantGid: null },
    minimumSubtotal: null,
    startsAt: "2026-01-01T00:00:00Z",
    endsAt: null,
    ...overrides,
  };
}

/** Plenty of time: a test that should succeed is never cut short by its budget. */
const roomy = () => ({ deadline: Date.now() + 10_000, attemptTimeoutMs: 5_000 });

/** What the emulator saw of the shop's GraphQL requests: operation, fault, status, error code. */
async function seen(shop: string): Promise<[string | null, string | null, number | null, string | null][]> {
  return graphqlCalls(await emulatorRequests(shop)).map((r: EmulatorRequest) => [r.operation, r.fault, r.status, r.errorCode]);
}

describe("createDiscountCode: the mutation for each reward shape", () => {
  it("a fixed amount off the whole order: one customer, used once, minimum subtotal and end date", async () => {
    const shop = await installedShop("discount-amount");
    const reward = spec({ minimumSubtotal: "50.00", endsAt: "2026-04-01T00:00:00Z" });

    const outcome = await createDiscountCode(env, shop, reward, roomy());

    const [discount, ...others] = await listDiscounts(shop);
    expect(others).toEqual([]);
    expect(outcome).toEqual({ kind: "created", discountGid: discount!.id });
    expect(discount!.operation).toBe("discountCodeBasicCreate");
    expect(discount!.input).toEqual({
      title: reward.title,
      code: reward.code,
      startsAt: "2026-01-01T00:00:00Z",
      endsAt: "2026-04-01T00:00:00Z",
      context: { customers: { add: [CUSTOMER] } },
      usageLimit: 1,
      appliesOncePerCustomer: true,
      minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: "50.00" } },
      customerGets: { value: { discountAmount: { amount: "5.00", appliesOnEachItem: false } }, items: { all: true } },
      combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
    });
  });

  it("a fixed amount off one variant: items limited to it; no minimum and no end date are left out or null", async () => {
    const shop = await installedShop("discount-variant");
    const variant = "gid://shopify/ProductVariant/4411";
    const outcome = await createDiscountCode(env, shop, spec({ value: { kind: "amount", amount: "12.50", variantGid: variant } }), roomy());

    expect(outcome.kind).toBe("created");
    const [discount] = await listDiscounts(shop);
    expect(discount!.input).toMatchObject({
      customerGets: { value: { discountAmount: { amount: "12.50", appliesOnEachItem: false } }, items: { products: { productVariantsToAdd: [variant] } } },
      endsAt: null,
    });
    expect(discount!.input).not.toHaveProperty("minimumRequirement");
  });

  it("a percentage off: Shopify's 0..1 figure", async () => {
    const shop = await installedShop("discount-percentage");
    const outcome = await createDiscountCode(env, shop, spec({ value: { kind: "percentage", percentage: 0.15 } }), roomy());

    expect(outcome.kind).toBe("created");
    const [discount] = await listDiscounts(shop);
    expect(discount!.input).toMatchObject({
      customerGets: { value: { percentage: 0.15 }, items: { all: true } },
      context: { customers: { add: [CUSTOMER] } },
      usageLimit: 1,
    });
  });

  it("free shipping: every destination, a maximum shipping price, combining with product and order discounts", async () => {
    const shop = await installedShop("discount-shipping");
    const reward = spec({ value: { kind: "free_shipping", maxShippingPrice: "20.00" }, minimumSubtotal: "30.00", endsAt: "2026-02-01T00:00:00Z" });

    const outcome = await createDiscountCode(env, shop, reward, roomy());

    const [discount] = await listDiscounts(shop);
    expect(outcome).toEqual({ kind: "created", discountGid: discount!.id });
    expect(discount!.operation).toBe("discountCodeFreeShippingCreate");
    expect(discount!.input).toEqual({
      title: reward.title,
      code: reward.code,
      startsAt: "2026-01-01T00:00:00Z",
      endsAt: "2026-02-01T00:00:00Z",
      context: { customers: { add: [CUSTOMER] } },
      usageLimit: 1,
      appliesOncePerCustomer: true,
      minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: "30.00" } },
      destination: { all: true },
      maximumShippingPrice: "20.00",
      combinesWith: { orderDiscounts: true, productDiscounts: true, shippingDiscounts: false },
    });
  });

  it("free shipping without a maximum sends none", async () => {
    const shop = await installedShop("discount-shipping-any");
    expect((await createDiscountCode(env, shop, spec({ value: { kind: "free_shipping", maxShippingPrice: null } }), roomy())).kind).toBe("created");
    const [discount] = await listDiscounts(shop);
    expect(discount!.input).not.toHaveProperty("maximumShippingPrice");
  });

  it("an input Shopify refuses is rejected with its userErrors, field paths included, and nothing is created", async () => {
    const shop = await installedShop("discount-invalid");
    const outcome = await createDiscountCode(env, shop, spec({ customerGid: "7001", endsAt: "2025-12-31T00:00:00Z" }), roomy());

    expect(outcome).toMatchObject({
      kind: "rejected",
      userErrors: [
        { field: ["basicCodeDiscount", "context", "customers", "add", "0"], code: "INVALID" },
        { field: ["basicCodeDiscount", "endsAt"], code: "INVALID" },
      ],
    });
    expect(await listDiscounts(shop)).toEqual([]);
  });

  it("the same spec created twice (a re-drive after an uncertain answer) is one discount, found by its code", async () => {
    const shop = await installedShop("discount-redrive");
    const reward = spec();
    const first = await createDiscountCode(env, shop, reward, roomy());
    const second = await createDiscountCode(env, shop, { ...reward, code: reward.code.toLowerCase() }, roomy());

    expect(second).toEqual(first);
    expect(await listDiscounts(shop)).toHaveLength(1);
    expect((await seen(shop)).map(([operation]) => operation)).toEqual(["discountCodeBasicCreate", "discountCodeBasicCreate", "codeDiscountNodeByCode"]);
  });
});

describe("createDiscountCode through Shopify's failures", () => {
  it("a 500 once, then success: created once", async () => {
    const shop = await installedShop("discount-500");
    await injectFault(shop, { mode: "http_500" });

    const outcome = await createDiscountCode(env, shop, spec(), roomy());

    const discounts = await listDiscounts(shop);
    expect(discounts).toHaveLength(1);
    expect(outcome).toEqual({ kind: "created", discountGid: discounts[0]!.id });
    expect(await seen(shop)).toEqual([
      ["discountCodeBasicCreate", "http_500", 500, null],
      ["discountCodeBasicCreate", null, 200, null],
    ]);
  });

  it("a 500 after Shopify created it: the retry is told TAKEN, the lookup finds it, still one discount", async () => {
    const shop = await installedShop("discount-500-created");
    await injectFault(shop, { mode: "http_500", createThenFail: true });

    const outcome = await createDiscountCode(env, shop, spec(), roomy());

    const discounts = await listDiscounts(shop);
    expect(discounts).toHaveLength(1);
    expect(outcome).toEqual({ kind: "created", discountGid: discounts[0]!.id });
    expect(await seen(shop)).toEqual([
      ["discountCodeBasicCreate", "http_500", 500, null],
      ["discountCodeBasicCreate", null, 200, null],
      ["codeDiscountNodeByCode", null, 200, null],
    ]);
  });

  it("THROTTLED that clears within the deadline is waited out: created", async () => {
    const shop = await installedShop("discount-throttled");
    await injectFault(shop, { mode: "throttled", times: 2 });

    const outcome = await createDiscountCode(env, shop, spec(), roomy());

    expect(outcome.kind).toBe("created");
    expect(await listDiscounts(shop)).toHaveLength(1);
    expect((await seen(shop)).map(([, fault, , code]) => [fault, code])).toEqual([
      ["throttled", "THROTTLED"],
      ["throttled", "THROTTLED"],
      [null, null],
    ]);
  });

  it("THROTTLED past the deadline: unavailable, not ambiguous, nothing created", async () => {
    const shop = await installedShop("discount-throttled-long");
    await injectFault(shop, { mode: "throttled", times: 0 });

    const outcome = await createDiscountCode(env, shop, spec(), { deadline: Date.now() + 600, attemptTimeoutMs: 5_000 });

    expect(outcome).toMatchObject({ kind: "unavailable", ambiguous: false, reason: expect.stringMatching(/^throttled: .*deadline/) });
    expect(await listDiscounts(shop)).toEqual([]);
    const calls = await seen(shop);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every(([, fault]) => fault === "throttled")).toBe(true);
  });

  it("a userError: rejected with Shopify's userErrors", async () => {
    const shop = await installedShop("discount-user-error");
    await injectFault(shop, { mode: "user_error" });

    const outcome = await createDiscountCode(env, shop, spec(), roomy());

    expect(outcome).toEqual({
      kind: "rejected",
      reason: "Code is invalid (injected by the emulator)",
      userErrors: [{ field: ["basicCodeDiscount", "code"], code: "INVALID", message: "Code is invalid (injected by the emulator)" }],
    });
    expect(await listDiscounts(shop)).toEqual([]);
    expect(await seen(shop)).toHaveLength(1);
  });

  it("no answer within the attempt timeout, with time for another try: created exactly once", async () => {
    const shop = await installedShop("discount-timeout");
    await injectFault(shop, { mode: "timeout", holdMs: 10_000 });

    const outcome = await createDiscountCode(env, shop, spec(), { deadline: Date.now() + 8_000, attemptTimeoutMs: 1_000 });

    const discounts = await listDiscounts(shop);
    expect(discounts).toHaveLength(1);
    expect(outcome).toEqual({ kind: "created", discountGid: discounts[0]!.id });
    expect(await seen(shop)).toEqual([
      ["discountCodeBasicCreate", "timeout", null, null],
      ["discountCodeBasicCreate", null, 200, null],
    ]);
  });

  it("no answer after Shopify created it: the retry finds our code, created exactly once", async () => {
    const shop = await installedShop("discount-timeout-created");
    await injectFault(shop, { mode: "timeout", holdMs: 10_000, createThenFail: true });

    const outcome = await createDiscountCode(env, shop, spec(), { deadline: Date.now() + 8_000, attemptTimeoutMs: 1_000 });

    const discounts = await listDiscounts(shop);
    expect(discounts).toHaveLength(1);
    expect(outcome).toEqual({ kind: "created", discountGid: discounts[0]!.id });
    expect((await seen(shop)).map(([operation, fault]) => [operation, fault])).toEqual([
      ["discountCodeBasicCreate", "timeout"],
      ["discountCodeBasicCreate", null],
      ["codeDiscountNodeByCode", null],
    ]);
  });

  it("no answer after Shopify created it, then a userError on the retry: ambiguous, not rejected (the code exists)", async () => {
    const shop = await installedShop("discount-timeout-then-refused");
    await injectFault(shop, { mode: "timeout", holdMs: 10_000, createThenFail: true });
    await injectFault(shop, { mode: "user_error" });

    const outcome = await createDiscountCode(env, shop, spec(), { deadline: Date.now() + 8_000, attemptTimeoutMs: 1_000 });

    expect((await seen(shop)).map(([operation, fault]) => [operation, fault])).toEqual([
      ["discountCodeBasicCreate", "timeout"],
      ["discountCodeBasicCreate", "user_error"],
    ]);
    expect(outcome).toMatchObject({ kind: "unavailable", ambiguous: true, reason: expect.stringContaining("timed out") });
    expect(await listDiscounts(shop)).toHaveLength(1);
  });

  it("no answer until the deadline: unavailable and ambiguous (it may exist)", async () => {
    const shop = await installedShop("discount-timeout-long");
    await injectFault(shop, { mode: "timeout", times: 0, holdMs: 10_000, createThenFail: true });

    const outcome = await createDiscountCode(env, shop, spec(), { deadline: Date.now() + 2_000, attemptTimeoutMs: 600 });

    expect(outcome).toMatchObject({ kind: "unavailable", ambiguous: true, reason: expect.stringMatching(/^timeout: /) });
    // It does exist: the caller must find out later rather than assume it does not.
    expect(await listDiscounts(shop)).toHaveLength(1);
  });
});

describe("findDiscountByCode", () => {
  it("finds a discount by its code, whatever the case", async () => {
    const shop = await installedShop("discount-find");
    const reward = spec();
    const created = await createDiscountCode(env, shop, reward, roomy());

    expect(created.kind).toBe("created");
    expect(await findDiscountByCode(env, shop, reward.code.toLowerCase(), roomy())).toEqual({ discountGid: (created as { discountGid: string }).discountGid });
  });

  it("answers null when Shopify has no discount with the code", async () => {
    const shop = await installedShop("discount-find-none");
    await createDiscountCode(env, shop, spec(), roomy());
    expect(await findDiscountByCode(env, shop, "LN-NOSUCHCODE", roomy())).toBeNull();
  });

  it("throws AdminApiError when Shopify cannot be asked within the deadline", async () => {
    const shop = await installedShop("discount-find-down");
    await injectFault(shop, { mode: "http_500", times: 0, operation: "codeDiscountNodeByCode" });

    const error = await findDiscountByCode(env, shop, "LN-ANY", { deadline: Date.now() + 3_000, attemptTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ kind: "http" });
  });
});
