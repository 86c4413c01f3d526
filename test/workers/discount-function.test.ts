// The discount Shopify Function (shopify-function/) on its JSON fixtures, offline: each
// fixture's input gives its output, and its configuration metafield is exactly what the app's
// builder (core/discount-function-config.ts) writes for the tiers and campaigns it names.
// The Wasm build and Shopify's function-runner are not here: the CLI does them at deploy.
import { describe, expect, it } from "vitest";
import {
  buildDiscountFunctionConfig,
  campaignBoundaryBetween,
  serializeDiscountFunctionConfig,
  type CampaignDiscountInput,
  type TierDiscountInput,
} from "../../core/discount-function-config";
import extensionToml from "../../shopify-function/shopify.extension.toml?raw";
import cartLinesQuery from "../../shopify-function/src/cart_lines_discounts_generate_run.graphql?raw";
import deliveryQuery from "../../shopify-function/src/cart_delivery_options_discounts_generate_run.graphql?raw";
import type { CartInput, DeliveryInput } from "../../shopify-function/src/api";
import * as exportsOfIndex from "../../shopify-function/src/index";
import { perksFor } from "../../shopify-function/src/perks";
import { cartLinesDiscountsGenerateRun } from "../../shopify-function/src/cart_lines_discounts_generate_run";
import { cartDeliveryOptionsDiscountsGenerateRun } from "../../shopify-function/src/cart_delivery_options_discounts_generate_run";

interface Fixture {
  description: string;
  config_source: { now: string; tiers: TierDiscountInput[]; campaigns: CampaignDiscountInput[] };
  payload: { export: string; target: string; input: CartInput & DeliveryInput; output: unknown };
}

const files = import.meta.glob("../../shopify-function/fixtures/*.json", { query: "?raw", import: "default", eager: true });
const fixtures = Object.entries(files).map(([path, text]) => ({ name: path.split("/").pop()!.replace(/\.json$/, ""), fixture: JSON.parse(text) as Fixture }));

const RUNS: Record<string, (input: CartInput & DeliveryInput) => unknown> = {
  "cart-lines-discounts-generate-run": cartLinesDiscountsGenerateRun,
  "cart-delivery-options-discounts-generate-run": cartDeliveryOptionsDiscountsGenerateRun,
};

describe("the function on its fixtures", () => {
  it("has the fixtures the issue asks for (tier, campaign, no tier) and the stacking, ended-campaign and free-shipping cases", () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual(
      expect.arrayContaining([
        "cart-lines-tier-discount",
        "cart-lines-campaign-discount",
        "cart-lines-no-tier",
        "cart-lines-stacking",
        "cart-lines-ended-campaign",
        "cart-lines-guest",
        "delivery-free-shipping",
        "delivery-no-free-shipping",
      ]),
    );
  });

  it.each(fixtures)("$name: the input gives the expected output", ({ fixture }) => {
    const run = RUNS[fixture.payload.export];
    expect(run, `no run for export ${fixture.payload.export}`).toBeDefined();
    expect(run!(structuredClone(fixture.payload.input))).toEqual(fixture.payload.output);
  });

  it.each(fixtures)("$name: the configuration metafield is what the app builds from the tiers and campaigns", ({ fixture }) => {
    const { now, tiers, campaigns } = fixture.config_source;
    const built = buildDiscountFunctionConfig({ tiers, campaigns, now: Date.parse(now) });
    expect(fixture.payload.input.discount.metafield?.jsonValue).toEqual(built);
    // The metafield's value as written: canonical JSON that parses back to the same config.
    expect(JSON.parse(serializeDiscountFunctionConfig(built))).toEqual(built);
  });

  it("the extension toml targets both run targets, each with its input query and an export index.ts provides", () => {
    const targets = [...extensionToml.matchAll(/target = "([^"]+)"\s+input_query = "([^"]+)"\s+export = "([^"]+)"/g)].map((m) => [m[1], m[2], m[3]]);
    expect(targets).toEqual([
      ["cart.lines.discounts.generate.run", "src/cart_lines_discounts_generate_run.graphql", "cart-lines-discounts-generate-run"],
      ["cart.delivery-options.discounts.generate.run", "src/cart_delivery_options_discounts_generate_run.graphql", "cart-delivery-options-discounts-generate-run"],
    ]);
    const camel = (kebab: string) => kebab.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    for (const [, , exported] of targets) expect(typeof (exportsOfIndex as Record<string, unknown>)[camel(exported!)]).toBe("function");
    for (const { fixture } of fixtures) expect(targets.some(([target, , exported]) => target === fixture.payload.target && exported === fixture.payload.export)).toBe(true);
  });
});

/** A query's selections as a tree: field name -> its sub-selection (null for a leaf). No fragments or aliases. */
type Selection = Map<string, Selection | null>;
function selectionOf(query: string): Selection {
  const tokens = query
    .replace(/#[^\n]*/g, "")
    .replace(/\((?:[^()"]|"[^"]*")*\)/g, "")
    .match(/[A-Za-z_]\w*|[{}]/g)!;
  let i = tokens.indexOf("{");
  const parse = (): Selection => {
    const fields: Selection = new Map();
    i++;
    while (tokens[i] !== "}") {
      const name = tokens[i++]!;
      fields.set(name, tokens[i] === "{" ? parse() : null);
    }
    i++;
    return fields;
  };
  return parse();
}

/** Where `value` has a field the query does not select, or lacks one it selects (Shopify sends every selected field). */
function mismatches(value: unknown, selection: Selection, path = "input"): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, n) => mismatches(item, selection, `${path}[${n}]`));
  if (typeof value !== "object") return [`${path} is a leaf but the query selects fields in it`];
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !selection.has(key)).map((key) => `${path}.${key} is not in the query`);
  const missing = [...selection.keys()].filter((key) => !(key in record)).map((key) => `${path}.${key} is selected but missing`);
  const nested = [...selection.entries()].flatMap(([key, sub]) => (sub && key in record ? mismatches(record[key], sub, `${path}.${key}`) : []));
  return [...extra, ...missing, ...nested];
}

describe("the fixtures' inputs are what the input queries ask for", () => {
  const queries: Record<string, string> = { "cart.lines.discounts.generate.run": cartLinesQuery, "cart.delivery-options.discounts.generate.run": deliveryQuery };
  it.each(fixtures)("$name", ({ fixture }) => {
    expect(mismatches(fixture.payload.input, selectionOf(queries[fixture.payload.target]!))).toEqual([]);
  });
  it("the check finds a field the query does not ask for", () => {
    expect(mismatches({ cart: { lines: [{ id: "1", cost: {} }] } }, selectionOf("query { cart { lines { id } } }"))).toEqual(["input.cart.lines[0].cost is not in the query"]);
  });
});

describe("the function's rules beyond the fixtures", () => {
  const config = buildDiscountFunctionConfig({
    now: Date.parse("2026-12-01T12:00:00Z"),
    tiers: [{ id: "tier_gold", name: "Gold", discount: { percentage: "15" }, free_shipping: false }],
    campaigns: [
      { id: "cmp_a", name: "Open to all", discount: { percentage: "15" }, eligible_tier_ids: null, starts_at: "2026-11-01T00:00:00Z", ends_at: null },
      { id: "cmp_b", name: "Also open", discount: { percentage: "15" }, eligible_tier_ids: null, starts_at: "2026-11-02T00:00:00Z", ends_at: null },
    ],
  });
  const customer = (tier: string | null) => ({ id: "gid://shopify/Customer/1", metafield: tier === null ? null : { value: tier } });

  it("a tie goes to the tier, then to the campaign that started first", () => {
    expect(perksFor(config, customer("tier_gold")).percentage).toEqual({ value: "15", message: "Gold" });
    expect(perksFor(config, customer(null)).percentage).toEqual({ value: "15", message: "Open to all" });
  });

  it("a tier id the configuration does not know (a deleted tier) gives no tier perk, but campaigns open to all still apply", () => {
    expect(perksFor(config, customer("tier_deleted")).percentage?.message).toBe("Open to all");
  });

  it.each([
    ["missing", undefined],
    ["null", null],
    ["another version", { ...config, version: 2 }],
    ["a percentage as a number", { ...config, tiers: [{ ...config.tiers[0], percentage: 15 }] }],
    ["tiers not a list", { ...config, tiers: {} }],
    ["eligible_tier_ids a string", { ...config, campaigns: [{ ...config.campaigns[0], eligible_tier_ids: "tier_gold" }] }],
  ])("a configuration that is %s gives nothing", (_, json) => {
    expect(perksFor(json, customer("tier_gold"))).toEqual({ percentage: null, freeShipping: null });
  });

  it("gives nothing when the discount lacks the class (ORDER for percentages, SHIPPING for free shipping) or the cart is empty", () => {
    const buyerIdentity = { customer: customer("tier_gold") };
    const discount = (classes: ("ORDER" | "PRODUCT" | "SHIPPING")[]) => ({ discountClasses: classes, metafield: { jsonValue: config } });
    expect(cartLinesDiscountsGenerateRun({ cart: { lines: [{ id: "gid://shopify/CartLine/0" }], buyerIdentity }, discount: discount(["SHIPPING", "PRODUCT"]) })).toEqual({ operations: [] });
    expect(cartLinesDiscountsGenerateRun({ cart: { lines: [], buyerIdentity }, discount: discount(["ORDER"]) })).toEqual({ operations: [] });
    expect(cartLinesDiscountsGenerateRun({ cart: { lines: [{ id: "gid://shopify/CartLine/0" }], buyerIdentity }, discount: discount(["ORDER"]) }).operations).toHaveLength(1);
    const freeShipping = { ...config, tiers: [{ ...config.tiers[0]!, free_shipping: true }] };
    const delivery = (classes: ("ORDER" | "SHIPPING")[]) => ({ discountClasses: classes, metafield: { jsonValue: freeShipping } });
    const groups = [{ id: "gid://shopify/CartDeliveryGroup/1" }];
    expect(cartDeliveryOptionsDiscountsGenerateRun({ cart: { deliveryGroups: groups, buyerIdentity }, discount: delivery(["ORDER"]) })).toEqual({ operations: [] });
    expect(cartDeliveryOptionsDiscountsGenerateRun({ cart: { deliveryGroups: [], buyerIdentity }, discount: delivery(["SHIPPING"]) })).toEqual({ operations: [] });
    expect(cartDeliveryOptionsDiscountsGenerateRun({ cart: { deliveryGroups: groups, buyerIdentity }, discount: delivery(["SHIPPING"]) }).operations).toHaveLength(1);
  });
});

describe("buildDiscountFunctionConfig", () => {
  const tier = (id: string, percentage: string | null, free_shipping = false): TierDiscountInput => ({ id, name: id, discount: percentage === null ? null : { percentage }, free_shipping });
  const campaign = (id: string, starts_at: string, ends_at: string | null, overrides: Partial<CampaignDiscountInput> = {}): CampaignDiscountInput => ({
    id,
    name: id,
    discount: { percentage: "10" },
    eligible_tier_ids: null,
    starts_at,
    ends_at,
    ...overrides,
  });

  it("keeps a campaign from its start (inclusive) to its end (exclusive)", () => {
    const c = campaign("cmp_1", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z");
    const ids = (now: string) => buildDiscountFunctionConfig({ tiers: [], campaigns: [c], now: Date.parse(now) }).campaigns.map((x) => x.id);
    expect(ids("2026-11-30T23:59:59.999Z")).toEqual([]);
    expect(ids("2026-12-01T00:00:00Z")).toEqual(["cmp_1"]);
    expect(ids("2026-12-01T23:59:59.999Z")).toEqual(["cmp_1"]);
    expect(ids("2026-12-02T00:00:00Z")).toEqual([]);
  });

  it("leaves out tiers and campaigns without a perk (multiplier-only campaigns, tiers with only points perks)", () => {
    const config = buildDiscountFunctionConfig({
      tiers: [tier("tier_a", null), tier("tier_b", null, true)],
      campaigns: [campaign("cmp_x2", "2026-01-01T00:00:00Z", null, { discount: null }), campaign("cmp_ship", "2026-01-01T00:00:00Z", null, { discount: null, free_shipping: true })],
      now: Date.parse("2026-06-01T00:00:00Z"),
    });
    expect(config.tiers.map((t) => t.id)).toEqual(["tier_b"]);
    expect(config.campaigns.map((c) => [c.id, c.percentage, c.free_shipping])).toEqual([["cmp_ship", null, true]]);
  });

  it("is canonical: the same program in any order serialises to the same bytes", () => {
    const tiers = [tier("tier_b", "5"), tier("tier_a", "10")];
    const campaigns = [
      campaign("cmp_2", "2026-01-02T00:00:00+01:00", null, { eligible_tier_ids: ["tier_b", "tier_a", "tier_b"] }),
      campaign("cmp_1", "2026-01-02T00:00:00+01:00", null),
    ];
    const now = Date.parse("2026-06-01T00:00:00Z");
    const one = serializeDiscountFunctionConfig(buildDiscountFunctionConfig({ tiers, campaigns, now }));
    const other = serializeDiscountFunctionConfig(buildDiscountFunctionConfig({ tiers: [...tiers].reverse(), campaigns: [...campaigns].reverse(), now }));
    expect(one).toBe(other);
    const parsed = JSON.parse(one);
    expect(parsed.tiers.map((t: { id: string }) => t.id)).toEqual(["tier_a", "tier_b"]);
    expect(parsed.campaigns[1]).toMatchObject({ id: "cmp_2", eligible_tier_ids: ["tier_a", "tier_b"], starts_at: "2026-01-01T23:00:00.000Z" });
  });

  it.each(["0", "100.5", "101", "10.125", "-5", "ten", "1e1", ""])("refuses the percentage %j", (percentage) => {
    expect(() => buildDiscountFunctionConfig({ tiers: [tier("tier_a", percentage)], campaigns: [], now: 0 })).toThrow();
  });

  it("accepts 100 and two decimals", () => {
    expect(buildDiscountFunctionConfig({ tiers: [tier("tier_a", "100"), tier("tier_b", "0.25")], campaigns: [], now: 0 }).tiers.map((t) => t.percentage)).toEqual(["100", "0.25"]);
  });

  it("refuses a campaign window that is not an ISO instant", () => {
    expect(() => buildDiscountFunctionConfig({ tiers: [], campaigns: [campaign("cmp_1", "2026-12-01", null)], now: 0 })).toThrow();
  });
});

describe("campaignBoundaryBetween: the cron tick that must republish", () => {
  const c = { starts_at: "2026-12-01T10:00:00Z", ends_at: "2026-12-01T18:00:00Z" };
  const at = (iso: string) => Date.parse(iso);
  it.each([
    ["the tick that reaches the start", "2026-12-01T09:59:00Z", "2026-12-01T10:00:00Z", true],
    ["the tick after the start", "2026-12-01T10:00:00Z", "2026-12-01T10:01:00Z", false],
    ["the tick that passes the end", "2026-12-01T17:59:30Z", "2026-12-01T18:00:30Z", true],
    ["a tick in between", "2026-12-01T12:00:00Z", "2026-12-01T12:01:00Z", false],
  ])("%s", (_, from, to, expected) => {
    expect(campaignBoundaryBetween([c], at(from), at(to))).toBe(expected);
  });
  it("an open-ended campaign has only its start", () => {
    expect(campaignBoundaryBetween([{ ...c, ends_at: null }], at("2026-12-31T00:00:00Z"), at("2027-01-01T00:00:00Z"))).toBe(false);
  });
});
