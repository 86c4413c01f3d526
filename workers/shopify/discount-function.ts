// What the app writes at Shopify for the discount Function (shopify-function/):
// - publishDiscountConfig: the one automatic app discount that runs the function, created on
//   first publish with the configuration metafield inline, and afterwards only its metafield
//   rewritten (metafieldsSet) when the configuration changed.
// - publishCustomerTier: the customer's tier id in an app-owned customer metafield, deleted when
//   they have no tier.
// The discount is found again at Shopify, not remembered here: it is the automatic app discount
// carrying our app-owned configuration metafield (no other app can write `$app:loyalnest`).
// Publishing is idempotent: an unchanged configuration sends no mutation; a create whose answer
// was lost, two publishes racing, or a search index lagging behind a create can leave two of
// ours, and every publish keeps the oldest and deletes the others before it writes. Two copies
// never stack: the discount does not combine with other order or shipping discounts.
import {
  CUSTOMER_TIER_METAFIELD,
  DISCOUNT_CONFIG_METAFIELD,
  serializeDiscountFunctionConfig,
  type DiscountFunctionConfig,
} from "../../core/discount-function-config";
import { AdminApiError, adminGraphql, type AdminGraphqlOptions } from "./admin-graphql";
import { ShopifyTokenError } from "./admin-token";
import type { ShopifyUserError } from "./discounts";

/** The function's handle in shopify-function/shopify.extension.toml; Shopify resolves it to the deployed function. */
export const FUNCTION_HANDLE = "loyalnest-vip-discount";
export const DISCOUNT_TITLE = "LoyalNest VIP and campaign perks";
/** ORDER: the percentage off the subtotal; SHIPPING: free shipping. */
export const DISCOUNT_CLASSES = ["ORDER", "SHIPPING"] as const;
/**
 * Combines with product discounts (sale prices, bundles), not with other order or shipping
 * discounts: a reward code (an order discount, workers/shopify/discounts.ts) is used instead of
 * the tier percentage, never on top of it.
 */
export const COMBINES_WITH = { productDiscounts: true, orderDiscounts: false, shippingDiscounts: false } as const;
/** Shopify allows at most 25 active automatic discounts per shop; 50 covers the active and some inactive. */
const LIST_FIRST = 50;

export type PublishOutcome<A extends string> =
  /**
   * discountGid null: nothing to give and no discount made (action "unchanged"). previous: the
   * configuration the discount held before (null when there was none).
   */
  | { kind: "published"; action: A; discountGid: string | null; removedDuplicates: string[]; previous?: string | null }
  | { kind: "rejected"; reason: string; userErrors: ShopifyUserError[] } // definitive: Shopify refused the input
  | { kind: "unavailable"; reason: string; ambiguous: boolean }; // try again later; ambiguous: a write may have happened

export type PublishConfigOutcome = PublishOutcome<"created" | "updated" | "unchanged">;
export type PublishTierOutcome =
  | { kind: "published"; action: "set" | "deleted" }
  | Extract<PublishOutcome<never>, { kind: "rejected" | "unavailable" }>;

const LIST = `query LoyalNestFunctionDiscounts($first: Int!, $query: String!) {
  discountNodes(first: $first, query: $query) {
    nodes {
      id
      discount { __typename ... on DiscountAutomaticApp { title } }
      metafield(namespace: "${DISCOUNT_CONFIG_METAFIELD.namespace}", key: "${DISCOUNT_CONFIG_METAFIELD.key}") { value }
    }
  }
}`;

const CREATE = `mutation CreateLoyalNestFunctionDiscount($automaticAppDiscount: DiscountAutomaticAppInput!) {
  discountAutomaticAppCreate(automaticAppDiscount: $automaticAppDiscount) { automaticAppDiscount { discountId } userErrors { field code message } }
}`;

const DELETE = `mutation DeleteLoyalNestFunctionDiscount($id: ID!) {
  discountAutomaticDelete(id: $id) { deletedAutomaticDiscountId userErrors { field code message } }
}`;

const SET = `mutation SetLoyalNestMetafields($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field code message } }
}`;

const REMOVE = `mutation DeleteLoyalNestMetafields($metafields: [MetafieldIdentifierInput!]!) {
  metafieldsDelete(metafields: $metafields) { deletedMetafields { ownerId namespace key } userErrors { field message } }
}`;

interface OurDiscount {
  id: string;
  value: string;
}

/** Something Shopify refused: the publish stops with it. */
class Refused extends Error {
  constructor(readonly userErrors: ShopifyUserError[]) {
    super(userErrors.map((e) => e.message).join("; "));
  }
}

/** Whether any tier or campaign of the config gives a discount or free shipping. */
function givesPerks(config: DiscountFunctionConfig): boolean {
  return [...config.tiers, ...config.campaigns].some((perk) => perk.percentage !== null || perk.free_shipping);
}

export async function publishDiscountConfig(env: Env, shop: string, config: DiscountFunctionConfig, options: AdminGraphqlOptions = {}): Promise<PublishConfigOutcome> {
  const value = serializeDiscountFunctionConfig(config);
  try {
    let ours = await listOurDiscounts(env, shop, options);
    let action: "created" | "updated" | "unchanged" | null = null;
    if (ours.length === 0) {
      // Nothing to give and nothing published before: no discount is made (it would run the
      // function at every checkout of a shop with no perks).
      if (!givesPerks(config)) return { kind: "published", action: "unchanged", discountGid: null, removedDuplicates: [], previous: null };
      const created = await createDiscount(env, shop, value, options);
      action = "created";
      // Listed again: a racing publish may have created one too. The answer's id is kept even
      // if Shopify's search does not list it yet.
      ours = await listOurDiscounts(env, shop, options);
      if (!ours.some((d) => d.id === created)) ours = [...ours, { id: created, value }].sort((a, b) => compareIds(a.id, b.id));
    }
    const [kept, ...duplicates] = ours as [OurDiscount, ...OurDiscount[]];
    for (const duplicate of duplicates) await deleteDiscount(env, shop, duplicate.id, options);
    if (kept.value !== value) await setMetafield(env, shop, { ownerId: kept.id, ...DISCOUNT_CONFIG_METAFIELD, value }, options);
    const previous = action === "created" ? null : kept.value;
    action ??= kept.value === value ? "unchanged" : "updated";
    return { kind: "published", action, discountGid: kept.id, removedDuplicates: duplicates.map((d) => d.id), previous };
  } catch (error) {
    return failed(error);
  }
}

/**
 * The customer's tier id in their app-owned metafield (`$app:loyalnest` / `vip-tier`), read by
 * the function's input query; null deletes it. `customerId` is Shopify's numeric id or its gid.
 */
export async function publishCustomerTier(
  env: Env,
  shop: string,
  customerId: string | number,
  tierId: string | null,
  options: AdminGraphqlOptions = {},
): Promise<PublishTierOutcome> {
  const ownerId = customerGid(customerId);
  const { namespace, key } = CUSTOMER_TIER_METAFIELD;
  try {
    if (tierId !== null) {
      await setMetafield(env, shop, { ownerId, ...CUSTOMER_TIER_METAFIELD, value: tierId }, options);
      return { kind: "published", action: "set" };
    }
    const { data } = await adminGraphql<{ metafieldsDelete: { userErrors: ShopifyUserError[] } | null }>(env, shop, REMOVE, { metafields: [{ ownerId, namespace, key }] }, options);
    refuseOn(data.metafieldsDelete?.userErrors, "metafieldsDelete", data.metafieldsDelete);
    return { kind: "published", action: "deleted" };
  } catch (error) {
    return failed(error);
  }
}

export function customerGid(customerId: string | number): string {
  const id = String(customerId);
  if (/^gid:\/\/shopify\/Customer\/\d+$/.test(id)) return id;
  if (/^\d+$/.test(id)) return `gid://shopify/Customer/${id}`;
  throw new TypeError(`not a Shopify customer id: ${id}`);
}

/** Our automatic app discounts (those with our configuration metafield), oldest (lowest id) first. */
async function listOurDiscounts(env: Env, shop: string, options: AdminGraphqlOptions): Promise<OurDiscount[]> {
  type Node = { id: string; discount: { __typename: string } | null; metafield: { value: string } | null };
  const { data } = await adminGraphql<{ discountNodes: { nodes: Node[] } }>(env, shop, LIST, { first: LIST_FIRST, query: "method:automatic AND type:app" }, {
    ...options,
    estimatedCost: LIST_FIRST + 2,
  });
  return data.discountNodes.nodes
    .filter((node) => node.discount?.__typename === "DiscountAutomaticApp" && node.metafield !== null)
    .map((node) => ({ id: node.id, value: node.metafield!.value }))
    .sort((a, b) => compareIds(a.id, b.id));
}

/** The new discount's id. */
async function createDiscount(env: Env, shop: string, value: string, options: AdminGraphqlOptions): Promise<string> {
  const automaticAppDiscount = {
    title: DISCOUNT_TITLE,
    functionHandle: FUNCTION_HANDLE,
    discountClasses: DISCOUNT_CLASSES,
    combinesWith: COMBINES_WITH,
    startsAt: new Date().toISOString(),
    endsAt: null,
    // Inline, so the function never runs without its configuration.
    metafields: [{ ...DISCOUNT_CONFIG_METAFIELD, value }],
  };
  type Payload = { automaticAppDiscount: { discountId: string } | null; userErrors: ShopifyUserError[] } | null;
  const { data } = await adminGraphql<{ discountAutomaticAppCreate: Payload }>(env, shop, CREATE, { automaticAppDiscount }, options);
  const payload = data.discountAutomaticAppCreate;
  refuseOn(payload?.userErrors, "discountAutomaticAppCreate", payload?.automaticAppDiscount);
  return payload!.automaticAppDiscount!.discountId;
}

async function deleteDiscount(env: Env, shop: string, id: string, options: AdminGraphqlOptions): Promise<void> {
  type Payload = { deletedAutomaticDiscountId: string | null; userErrors: ShopifyUserError[] } | null;
  const { data } = await adminGraphql<{ discountAutomaticDelete: Payload }>(env, shop, DELETE, { id }, options);
  const userErrors = data.discountAutomaticDelete?.userErrors ?? [];
  // A racing publish deleted it first: what we wanted.
  if (userErrors.length > 0 && !userErrors.every((e) => e.field?.at(-1) === "id")) throw new Refused(userErrors);
}

async function setMetafield(
  env: Env,
  shop: string,
  metafield: { ownerId: string; namespace: string; key: string; type: string; value: string },
  options: AdminGraphqlOptions,
): Promise<void> {
  type Payload = { metafields: { id: string }[] | null; userErrors: ShopifyUserError[] } | null;
  const { data } = await adminGraphql<{ metafieldsSet: Payload }>(env, shop, SET, { metafields: [metafield] }, options);
  refuseOn(data.metafieldsSet?.userErrors, "metafieldsSet", data.metafieldsSet?.metafields);
}

export function refuseOn(userErrors: ShopifyUserError[] | undefined, field: string, result: unknown): void {
  if (userErrors && userErrors.length > 0) throw new Refused(userErrors);
  if (result === undefined || result === null) {
    // failed() reads a plain Error as "unavailable, may have happened".
    throw new Error(`Shopify answered ${field} with neither a result nor userErrors`);
  }
}

export function failed(error: unknown): Extract<PublishConfigOutcome, { kind: "rejected" | "unavailable" }> {
  if (error instanceof Refused) return { kind: "rejected", reason: error.message, userErrors: error.userErrors };
  if (error instanceof AdminApiError) {
    // Refused as a whole (e.g. ACCESS_DENIED: the merchant has not approved a scope yet).
    if (error.kind === "graphql" && !error.ambiguous) return { kind: "rejected", reason: error.message, userErrors: graphqlErrorsOf(error.details) };
    return { kind: "unavailable", reason: `${error.kind}: ${error.message}`, ambiguous: error.ambiguous };
  }
  if (error instanceof ShopifyTokenError) return { kind: "unavailable", reason: `${error.reason}: ${error.message}`, ambiguous: false };
  return { kind: "unavailable", reason: error instanceof Error ? error.message : String(error), ambiguous: true };
}

function graphqlErrorsOf(details: unknown): ShopifyUserError[] {
  const graphQLErrors = (details as { graphQLErrors?: { message?: string; extensions?: { code?: string } }[] } | undefined)?.graphQLErrors ?? [];
  return graphQLErrors.map((e) => ({ field: null, code: e.extensions?.code ?? null, message: e.message ?? "GraphQL error" }));
}

function compareIds(a: string, b: string): number {
  const number = (gid: string) => BigInt(/(\d+)$/.exec(gid)?.[1] ?? "0");
  const [x, y] = [number(a), number(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
