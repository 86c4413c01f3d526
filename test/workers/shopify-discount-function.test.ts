// What the app writes at Shopify for the discount Function (workers/shopify/discount-function.ts)
// against the emulator: the automatic app discount and its configuration metafield, kept to one
// discount through repeats, races, lost answers and a merchant's deletion; the customer's tier
// metafield set, changed and deleted. Every test installs its own shop.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildDiscountFunctionConfig, serializeDiscountFunctionConfig, type DiscountFunctionConfig } from "../../core/discount-function-config";
import { adminGraphql } from "../../workers/shopify/admin-graphql";
import {
  COMBINES_WITH,
  DISCOUNT_TITLE,
  FUNCTION_HANDLE,
  publishCustomerTier,
  publishDiscountConfig,
} from "../../workers/shopify/discount-function";
import extensionToml from "../../shopify-function/shopify.extension.toml?raw";
import { emulatorRequests, grantScopes, graphqlCalls, injectFault, installedShop, listAutomaticDiscounts, listMetafields } from "../helpers/shopify-emulator";

const NOW = Date.parse("2026-12-01T12:00:00Z");

function config(goldPercentage = "10"): DiscountFunctionConfig {
  return buildDiscountFunctionConfig({
    now: NOW,
    tiers: [{ id: "tier_gold", name: "Gold", discount: { percentage: goldPercentage }, free_shipping: true }],
    campaigns: [{ id: "cmp_winter", name: "Winter", discount: { percentage: "15" }, eligible_tier_ids: null, starts_at: "2026-12-01T00:00:00Z", ends_at: null }],
  });
}

/** The operations the shop's GraphQL requests named, in order. */
async function operations(shop: string): Promise<(string | null)[]> {
  return graphqlCalls(await emulatorRequests(shop)).map((r) => r.operation);
}

async function configMetafields(shop: string) {
  return (await listMetafields(shop)).filter((m) => m.key === "function-configuration");
}

describe("publishDiscountConfig", () => {
  it("the first publish creates the automatic app discount for the function, with the configuration inline", async () => {
    const shop = await installedShop("fn-create");
    const outcome = await publishDiscountConfig(env, shop, config());

    const [discount, ...others] = await listAutomaticDiscounts(shop);
    expect(others).toEqual([]);
    expect(outcome).toEqual({ kind: "published", action: "created", discountGid: discount!.discountId, removedDuplicates: [], previous: null });
    expect(discount!.input).toMatchObject({
      title: DISCOUNT_TITLE,
      functionHandle: FUNCTION_HANDLE,
      discountClasses: ["ORDER", "SHIPPING"],
      combinesWith: COMBINES_WITH,
      endsAt: null,
    });
    const [metafield] = await listMetafields(shop, discount!.discountId);
    expect(metafield).toMatchObject({ namespace: "$app:loyalnest", key: "function-configuration", type: "json", value: serializeDiscountFunctionConfig(config()) });
    expect(JSON.parse(metafield!.value)).toEqual(config());
  });

  it("the handle it names is the function's handle in shopify-function/shopify.extension.toml", () => {
    expect(extensionToml).toContain(`handle = "${FUNCTION_HANDLE}"`);
  });

  it("an unchanged configuration sends no mutation; a changed one rewrites only the metafield", async () => {
    const shop = await installedShop("fn-update");
    const created = await publishDiscountConfig(env, shop, config("10"));
    const before = await configMetafields(shop);

    const again = await publishDiscountConfig(env, shop, config("10"));
    expect(again).toMatchObject({ kind: "published", action: "unchanged" });
    expect((await operations(shop)).slice(-1)).toEqual(["discountNodes"]);

    const changed = await publishDiscountConfig(env, shop, config("12.5"));
    // `previous`: what the discount held before, from which a publish learns a change of kind.
    expect(changed).toMatchObject({ kind: "published", action: "updated", previous: before[0]!.value });
    expect(created.kind === "published" && changed.kind === "published" && changed.discountGid === created.discountGid).toBe(true);
    expect((await operations(shop)).slice(-2)).toEqual(["discountNodes", "metafieldsSet"]);
    const after = await configMetafields(shop);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before[0]!.id);
    expect(JSON.parse(after[0]!.value).tiers[0].percentage).toBe("12.5");
    expect(await listAutomaticDiscounts(shop)).toHaveLength(1);
  });

  it("publishes racing on a new shop leave one discount, holding a configuration one of them wrote", async () => {
    const shop = await installedShop("fn-race");
    const configs = [config("10"), config("11"), config("12")];
    const outcomes = await Promise.all(configs.map((c) => publishDiscountConfig(env, shop, c)));

    expect(outcomes.every((o) => o.kind === "published")).toBe(true);
    const discounts = await listAutomaticDiscounts(shop);
    expect(discounts).toHaveLength(1);
    const kept = discounts[0]!.discountId;
    expect(outcomes.every((o) => o.kind === "published" && o.discountGid === kept)).toBe(true);
    const metafields = await configMetafields(shop);
    expect(metafields.map((m) => m.ownerId)).toEqual([kept]);
    expect(configs.map((c) => serializeDiscountFunctionConfig(c))).toContain(metafields[0]!.value);
    // And the next publish settles it to what it says.
    await publishDiscountConfig(env, shop, config("13"));
    expect(JSON.parse((await configMetafields(shop))[0]!.value).tiers[0].percentage).toBe("13");
  });

  it("a create whose answer was lost (500 after Shopify created it) and was retried leaves one discount", async () => {
    const shop = await installedShop("fn-lost-answer");
    await injectFault(shop, { mode: "http_500", operation: "discountAutomaticAppCreate", createThenFail: true });

    const outcome = await publishDiscountConfig(env, shop, config());

    expect(outcome).toMatchObject({ kind: "published", action: "created" });
    expect(outcome.kind === "published" && outcome.removedDuplicates).toHaveLength(1);
    expect(await listAutomaticDiscounts(shop)).toHaveLength(1);
    expect(await operations(shop)).toEqual(["discountNodes", "discountAutomaticAppCreate", "discountAutomaticAppCreate", "discountNodes", "discountAutomaticDelete"]);
  });

  it("a create that failed every try is unavailable and ambiguous; the next publish finds what it made", async () => {
    const shop = await installedShop("fn-unavailable");
    await injectFault(shop, { mode: "http_500", operation: "discountAutomaticAppCreate", createThenFail: true, times: 0 });
    const outcome = await publishDiscountConfig(env, shop, config(), { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(outcome).toMatchObject({ kind: "unavailable", ambiguous: true });
    expect(await listAutomaticDiscounts(shop)).toHaveLength(2);

    await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/__emulator/faults?shop=${shop}`, { method: "DELETE" });
    const next = await publishDiscountConfig(env, shop, config("11"));
    expect(next).toMatchObject({ kind: "published", action: "updated" });
    expect(await listAutomaticDiscounts(shop)).toHaveLength(1);
    expect(JSON.parse((await configMetafields(shop))[0]!.value).tiers[0].percentage).toBe("11");
  });

  it("a discount Shopify's search does not list yet: the create's own id is used, and the next publish finds it", async () => {
    const shop = await installedShop("fn-stale-search");
    await injectFault(shop, { mode: "stale_search", operation: "discountNodes", times: 2 });
    const first = await publishDiscountConfig(env, shop, config("10"));
    const [discount] = await listAutomaticDiscounts(shop);
    expect(first).toEqual({ kind: "published", action: "created", discountGid: discount!.discountId, removedDuplicates: [], previous: null });

    // Still not indexed: a second discount is created; once listed, the next publish keeps the oldest.
    await injectFault(shop, { mode: "stale_search", operation: "discountNodes", times: 2 });
    await publishDiscountConfig(env, shop, config("10"));
    expect(await listAutomaticDiscounts(shop)).toHaveLength(2);
    const settled = await publishDiscountConfig(env, shop, config("11"));
    expect(settled).toMatchObject({ kind: "published", action: "updated", discountGid: discount!.discountId, removedDuplicates: [expect.any(String)] });
    expect((await listAutomaticDiscounts(shop)).map((d) => d.discountId)).toEqual([discount!.discountId]);
    expect((await configMetafields(shop)).map((m) => [m.ownerId, JSON.parse(m.value).tiers[0].percentage])).toEqual([[discount!.discountId, "11"]]);
  });

  it("THROTTLED on the metafield write is waited out and the write goes through", async () => {
    const shop = await installedShop("fn-throttled");
    await publishDiscountConfig(env, shop, config("10"));
    await injectFault(shop, { mode: "throttled", operation: "metafieldsSet" });
    const outcome = await publishDiscountConfig(env, shop, config("20"));
    expect(outcome).toMatchObject({ kind: "published", action: "updated" });
    expect(JSON.parse((await configMetafields(shop))[0]!.value).tiers[0].percentage).toBe("20");
  });

  it("userErrors are a rejection with Shopify's errors, and nothing is written", async () => {
    const shop = await installedShop("fn-rejected");
    await publishDiscountConfig(env, shop, config("10"));
    await injectFault(shop, { mode: "user_error", operation: "metafieldsSet" });
    const outcome = await publishDiscountConfig(env, shop, config("20"));
    expect(outcome).toMatchObject({ kind: "rejected", userErrors: [{ field: ["metafields"], code: "INVALID" }] });
    expect(JSON.parse((await configMetafields(shop))[0]!.value).tiers[0].percentage).toBe("10");
  });

  it("a discount the merchant deleted is created again, with its configuration", async () => {
    const shop = await installedShop("fn-deleted");
    const first = await publishDiscountConfig(env, shop, config());
    const id = first.kind === "published" ? first.discountGid : "";
    await adminGraphql(env, shop, `mutation D($id: ID!) { discountAutomaticDelete(id: $id) { deletedAutomaticDiscountId userErrors { field code message } } }`, { id });
    expect(await listAutomaticDiscounts(shop)).toEqual([]);

    const again = await publishDiscountConfig(env, shop, config());
    expect(again).toMatchObject({ kind: "published", action: "created" });
    expect(again.kind === "published" && again.discountGid).not.toBe(id);
    expect((await configMetafields(shop)).map((m) => m.ownerId)).toEqual([again.kind === "published" ? again.discountGid : null]);
  });
});

describe("the emulator refuses what Shopify refuses", () => {
  const create = (shop: string, input: Record<string, unknown>) =>
    adminGraphql<{ discountAutomaticAppCreate: { automaticAppDiscount: unknown; userErrors: { field: string[]; code: string }[] } }>(
      env,
      shop,
      `mutation C($d: DiscountAutomaticAppInput!) { discountAutomaticAppCreate(automaticAppDiscount: $d) { automaticAppDiscount { discountId } userErrors { field code message } } }`,
      { d: input },
    );
  const valid = { title: "T", functionHandle: FUNCTION_HANDLE, discountClasses: ["ORDER"], startsAt: "2026-12-01T00:00:00Z" };

  it.each([
    ["an unknown function handle", { functionHandle: "nope" }, ["automaticAppDiscount", "functionHandle"]],
    ["both functionId and functionHandle", { functionId: "gid://shopify/ShopifyFunction/1" }, ["automaticAppDiscount", "functionHandle"]],
    ["no discount classes", { discountClasses: [] }, ["automaticAppDiscount", "discountClasses"]],
    ["an unknown discount class", { discountClasses: ["ORDER", "GIFT"] }, ["automaticAppDiscount", "discountClasses"]],
    ["no start", { startsAt: null }, ["automaticAppDiscount", "startsAt"]],
    ["a metafield value that is not JSON", { metafields: [{ namespace: "$app:loyalnest", key: "function-configuration", type: "json", value: "{" }] }, ["automaticAppDiscount", "metafields", "0", "value"]],
    ["a metafield key too short", { metafields: [{ namespace: "$app:loyalnest", key: "f", type: "json", value: "{}" }] }, ["automaticAppDiscount", "metafields", "0", "key"]],
  ])("discountAutomaticAppCreate with %s", async (_, change, field) => {
    const shop = await installedShop("fn-strict");
    const { data } = await create(shop, { ...valid, ...change });
    expect(data.discountAutomaticAppCreate.automaticAppDiscount).toBeNull();
    expect(data.discountAutomaticAppCreate.userErrors.map((e) => e.field)).toContainEqual(field);
    expect(await listAutomaticDiscounts(shop)).toEqual([]);
  });

  it("metafieldsSet on a discount that does not exist, or with a changed type, writes nothing", async () => {
    const shop = await installedShop("fn-strict-set");
    const set = (metafields: unknown[]) =>
      adminGraphql<{ metafieldsSet: { metafields: unknown; userErrors: { field: string[]; code: string }[] } }>(
        env,
        shop,
        `mutation S($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id } userErrors { field code message } } }`,
        { m: metafields },
      );
    const customer = { ownerId: "gid://shopify/Customer/1", namespace: "$app:loyalnest", key: "vip-tier" };
    const missing = await set([{ ...customer, type: "single_line_text_field", value: "tier_a" }, { ownerId: "gid://shopify/DiscountAutomaticNode/9", namespace: "$app:loyalnest", key: "function-configuration", type: "json", value: "{}" }]);
    expect(missing.data.metafieldsSet.userErrors.map((e) => e.field)).toEqual([["metafields", "1", "ownerId"]]);
    expect(await listMetafields(shop)).toEqual([]);

    await set([{ ...customer, type: "single_line_text_field", value: "tier_a" }]);
    const retyped = await set([{ ...customer, type: "json", value: "{}" }]);
    expect(retyped.data.metafieldsSet.userErrors).toMatchObject([{ field: ["metafields", "0", "type"], code: "INVALID_TYPE" }]);
    const multiline = await set([{ ...customer, type: "single_line_text_field", value: "a\nb" }]);
    expect(multiline.data.metafieldsSet.userErrors).toMatchObject([{ field: ["metafields", "0", "value"], code: "INVALID_VALUE" }]);
    expect((await listMetafields(shop)).map((m) => m.value)).toEqual(["tier_a"]);
  });
});

describe("publishCustomerTier", () => {
  it("sets, changes and deletes the customer's vip-tier metafield; deleting twice is fine", async () => {
    const shop = await installedShop("fn-tier");
    const owner = "gid://shopify/Customer/7001";

    expect(await publishCustomerTier(env, shop, 7001, "tier_silver")).toEqual({ kind: "published", action: "set" });
    expect(await listMetafields(shop, owner)).toMatchObject([{ namespace: "$app:loyalnest", key: "vip-tier", type: "single_line_text_field", value: "tier_silver" }]);

    expect(await publishCustomerTier(env, shop, owner, "tier_gold")).toEqual({ kind: "published", action: "set" });
    expect((await listMetafields(shop, owner)).map((m) => m.value)).toEqual(["tier_gold"]);

    expect(await publishCustomerTier(env, shop, "7001", null)).toEqual({ kind: "published", action: "deleted" });
    expect(await listMetafields(shop, owner)).toEqual([]);
    expect(await publishCustomerTier(env, shop, "7001", null)).toEqual({ kind: "published", action: "deleted" });
  });

  it("repeated and concurrent sets of the same tier leave one metafield", async () => {
    const shop = await installedShop("fn-tier-race");
    const outcomes = await Promise.all([1, 2, 3].map(() => publishCustomerTier(env, shop, 7002, "tier_gold")));
    expect(outcomes.every((o) => o.kind === "published")).toBe(true);
    expect((await listMetafields(shop)).map((m) => [m.ownerId, m.value])).toEqual([["gid://shopify/Customer/7002", "tier_gold"]]);
  });

  it("a shop installed before the app asked for write_customers: rejected with ACCESS_DENIED, nothing written", async () => {
    const shop = await installedShop("fn-tier-scope");
    await grantScopes(shop, "read_customers,read_orders,write_discounts");
    const outcome = await publishCustomerTier(env, shop, 7004, "tier_gold");
    expect(outcome).toMatchObject({ kind: "rejected", userErrors: [{ field: null, code: "ACCESS_DENIED" }] });
    expect(outcome.kind === "rejected" && outcome.reason).toContain("write_customers");
    expect(await listMetafields(shop)).toEqual([]);
    // The discount's own metafield needs only write_discounts.
    expect(await publishDiscountConfig(env, shop, config())).toMatchObject({ kind: "published", action: "created" });
  });

  it("a 500 on the write is retried; a customer id that is not Shopify's is refused before any call", async () => {
    const shop = await installedShop("fn-tier-faults");
    await injectFault(shop, { mode: "http_500", operation: "metafieldsSet" });
    expect(await publishCustomerTier(env, shop, 7003, "tier_gold")).toEqual({ kind: "published", action: "set" });
    expect((await operations(shop))).toEqual(["metafieldsSet", "metafieldsSet"]);
    await expect(publishCustomerTier(env, shop, "cust_7003", "tier_gold")).rejects.toThrow(TypeError);
  });
});
