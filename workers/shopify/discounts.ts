// A reward's discount code at Shopify: one code for one customer, used once, created with the
// mutation Shopify documents for its kind, and found again by its code. The code is ours,
// random and unique, so it doubles as the idempotency key: a retried create whose first try
// went through is answered TAKEN, and the lookup then gives back the discount it made.
import { AdminApiError, adminGraphql } from "./admin-graphql";
import { ShopifyTokenError } from "./admin-token";

export interface DiscountCodeSpec {
  code: string; // ours, random, unique; also the idempotency key at Shopify
  title: string; // shown to the merchant in Shopify admin, e.g. "LoyalNest: $5 off (500 points)"
  customerGid: string; // gid://shopify/Customer/123 — `context.customers.add`
  value:
    | { kind: "amount"; amount: string; variantGid: string | null } // variantGid set: items limited to that variant
    | { kind: "percentage"; percentage: number } // 0..1
    | { kind: "free_shipping"; maxShippingPrice: string | null };
  minimumSubtotal: string | null; // minimumRequirement.subtotal.greaterThanOrEqualToSubtotal
  startsAt: string; // ISO
  endsAt: string | null; // ISO, null = no end
}

export interface ShopifyUserError {
  field: string[] | null;
  code: string | null;
  message: string;
}

export type CreateDiscountOutcome =
  | { kind: "created"; discountGid: string } // also when Shopify said TAKEN and the lookup found our code
  | { kind: "rejected"; reason: string; userErrors: ShopifyUserError[] } // definitive: nothing was created
  | { kind: "unavailable"; reason: string; ambiguous: boolean }; // throttled past the deadline, 5xx, timeout: ambiguous=true means it may exist

export interface ShopifyCallBudget {
  /** Epoch ms: nothing is tried after it. */
  deadline: number;
  /** Each HTTP attempt is abandoned after this long (and retried while the deadline allows). */
  attemptTimeoutMs: number;
}

const CREATE_BASIC = `mutation CreateRewardCode($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) { codeDiscountNode { id } userErrors { field code message } }
}`;

const CREATE_FREE_SHIPPING = `mutation CreateFreeShippingRewardCode($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) { codeDiscountNode { id } userErrors { field code message } }
}`;

const FIND_BY_CODE = `query RewardCodeByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}`;

/** What codeDiscountNodeByCode costs: a single object, one point. */
const LOOKUP_COST = 1;

interface CreatePayload {
  codeDiscountNode: { id: string } | null;
  userErrors: ShopifyUserError[];
}

export async function createDiscountCode(env: Env, shop: string, spec: DiscountCodeSpec, budget: ShopifyCallBudget): Promise<CreateDiscountOutcome> {
  const mutation = creationFor(spec);
  let payload: CreatePayload | undefined;
  let earlierMayHaveCreated = false;
  try {
    const { data, earlierAttemptMayHaveReached } = await adminGraphql<Record<string, CreatePayload | undefined>>(env, shop, mutation.query, mutation.variables, withinBudget(budget));
    payload = data[mutation.field];
    earlierMayHaveCreated = earlierAttemptMayHaveReached;
  } catch (error) {
    return failedCreate(error);
  }
  if (!payload) return { kind: "unavailable", reason: `Shopify answered without ${mutation.field}`, ambiguous: true };
  if (payload.codeDiscountNode) return { kind: "created", discountGid: payload.codeDiscountNode.id };

  const { userErrors } = payload;
  if (userErrors.some(isCodeTaken)) {
    // Our codes are random: TAKEN means an earlier try of ours went through and its answer was lost.
    try {
      const found = await findDiscountByCode(env, shop, spec.code, budget);
      if (found) return { kind: "created", discountGid: found.discountGid };
      return { kind: "rejected", reason: "Shopify says the code is taken, but has no code discount with it", userErrors };
    } catch (error) {
      // It exists (TAKEN says so); only its id could not be had.
      return { kind: "unavailable", reason: `the code exists at Shopify but could not be looked up: ${reasonOf(error)}`, ambiguous: true };
    }
  }
  if (userErrors.length === 0) return { kind: "unavailable", reason: "Shopify answered with neither a discount nor userErrors", ambiguous: true };
  const reason = userErrors.map((e) => e.message).join("; ");
  // Refused now, but an earlier try of this create may have gone through (a timeout, a 5xx):
  // only a lookup of the code can tell (the fault suite met a code created by a timed-out try
  // whose retry was refused, and the points released beside it).
  if (earlierMayHaveCreated) return { kind: "unavailable", reason: `refused after an earlier try timed out or failed, which may have created it: ${reason}`, ambiguous: true };
  return { kind: "rejected", reason, userErrors };
}

/**
 * Null when Shopify has no discount with this code. Throws AdminApiError when Shopify cannot be
 * asked (ShopifyTokenError when the shop has no usable token).
 */
export async function findDiscountByCode(env: Env, shop: string, code: string, budget: ShopifyCallBudget): Promise<{ discountGid: string } | null> {
  const { data } = await adminGraphql<{ codeDiscountNodeByCode: { id: string } | null }>(env, shop, FIND_BY_CODE, { code }, {
    ...withinBudget(budget),
    estimatedCost: LOOKUP_COST,
  });
  const node = data.codeDiscountNodeByCode;
  return node ? { discountGid: node.id } : null;
}

function withinBudget(budget: ShopifyCallBudget) {
  // The deadline bounds THROTTLED retries; a count would only end them sooner.
  return { deadline: budget.deadline, attemptTimeoutMs: budget.attemptTimeoutMs, maxThrottledRetries: Number.POSITIVE_INFINITY };
}

function creationFor(spec: DiscountCodeSpec): { query: string; field: string; variables: Record<string, unknown> } {
  const common = {
    title: spec.title,
    code: spec.code,
    startsAt: spec.startsAt,
    endsAt: spec.endsAt,
    context: { customers: { add: [spec.customerGid] } },
    usageLimit: 1,
    appliesOncePerCustomer: true,
    ...(spec.minimumSubtotal === null ? {} : { minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: spec.minimumSubtotal } } }),
  };
  const { value } = spec;
  if (value.kind === "free_shipping") {
    const freeShippingCodeDiscount = {
      ...common,
      destination: { all: true },
      ...(value.maxShippingPrice === null ? {} : { maximumShippingPrice: value.maxShippingPrice }),
      combinesWith: { orderDiscounts: true, productDiscounts: true, shippingDiscounts: false },
    };
    return { query: CREATE_FREE_SHIPPING, field: "discountCodeFreeShippingCreate", variables: { freeShippingCodeDiscount } };
  }
  const basicCodeDiscount = {
    ...common,
    customerGets: {
      value: value.kind === "amount" ? { discountAmount: { amount: value.amount, appliesOnEachItem: false } } : { percentage: value.percentage },
      items: value.kind === "amount" && value.variantGid !== null ? { products: { productVariantsToAdd: [value.variantGid] } } : { all: true },
    },
    combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
  };
  return { query: CREATE_BASIC, field: "discountCodeBasicCreate", variables: { basicCodeDiscount } };
}

function isCodeTaken(error: ShopifyUserError): boolean {
  return error.code === "TAKEN" && error.field?.at(-1) === "code";
}

function failedCreate(error: unknown): CreateDiscountOutcome {
  if (error instanceof AdminApiError) {
    // A GraphQL error means the request was refused as a whole, unless an earlier try may have gone through.
    if (error.kind === "graphql" && !error.ambiguous) return { kind: "rejected", reason: error.message, userErrors: graphqlErrorsOf(error.details) };
    return { kind: "unavailable", reason: `${error.kind}: ${error.message}`, ambiguous: error.ambiguous };
  }
  // No usable token: nothing was sent (adminGraphql turns a token failure after an uncertain try into an ambiguous AdminApiError).
  if (error instanceof ShopifyTokenError) return { kind: "unavailable", reason: `${error.reason}: ${error.message}`, ambiguous: false };
  // Not Shopify's answer (e.g. the coordinator failed): we cannot say the create did not happen.
  return { kind: "unavailable", reason: reasonOf(error), ambiguous: true };
}

function graphqlErrorsOf(details: unknown): ShopifyUserError[] {
  const graphQLErrors = (details as { graphQLErrors?: { message?: string; extensions?: { code?: string } }[] } | undefined)?.graphQLErrors ?? [];
  return graphQLErrors.map((e) => ({ field: null, code: e.extensions?.code ?? null, message: e.message ?? "GraphQL error" }));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
