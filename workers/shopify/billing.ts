// Shopify's billing API for plans: a recurring app subscription per paid plan, approved by the
// merchant at Shopify's confirmation URL, and the shop's active subscriptions read back. Calls
// go through adminGraphql (the shop's cost bucket, THROTTLED waits, retries with backoff, one
// token refresh on 401).
import type { Plan } from "../../core/plans";
import { subscriptionName } from "../../core/plans";
import { AdminApiError, adminGraphql } from "./admin-graphql";
import { ShopifyTokenError } from "./admin-token";
import type { ShopifyUserError } from "./discounts";

const CREATE = `mutation CreatePlanSubscription($name: String!, $returnUrl: URL!, $lineItems: [AppSubscriptionLineItemInput!]!, $test: Boolean) {
  appSubscriptionCreate(name: $name, returnUrl: $returnUrl, lineItems: $lineItems, test: $test) {
    appSubscription { id status }
    confirmationUrl
    userErrors { field message }
  }
}`;

const CANCEL = `mutation CancelPlanSubscription($id: ID!) {
  appSubscriptionCancel(id: $id, prorate: false) {
    appSubscription { id status }
    userErrors { field message }
  }
}`;

const ACTIVE = `query ActivePlanSubscriptions {
  currentAppInstallation { activeSubscriptions { id name status test createdAt } }
}`;

/** How long one billing attempt may take before it counts as a timeout (retried). */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** not_connected: the app holds no usable Admin API token for the shop (installed without one, or its refresh was refused). */
export type BillingOutcome<T> =
  | { kind: "ok"; value: T }
  | { kind: "rejected"; reason: string }
  | { kind: "unavailable"; reason: string }
  | { kind: "not_connected"; reason: string };

export interface ActiveSubscription {
  id: string;
  name: string;
  status: string;
  test: boolean;
}

type UserErrors = Omit<ShopifyUserError, "code">[];

/**
 * Asks Shopify for a subscription to `plan`, 30-day recurring at its price; answers the URL the
 * merchant approves it at. `test`: a test charge (dev stores, and every non-production run).
 */
export async function createPlanSubscription(
  env: Env,
  shop: string,
  plan: Plan,
  returnUrl: string,
): Promise<BillingOutcome<{ subscriptionGid: string; confirmationUrl: string }>> {
  const variables = {
    name: subscriptionName(plan),
    returnUrl,
    test: env.ENVIRONMENT !== "production",
    lineItems: [{ plan: { appRecurringPricingDetails: { price: { amount: plan.price, currencyCode: "USD" }, interval: "EVERY_30_DAYS" } } }],
  };
  return call(env, shop, CREATE, variables, (data: { appSubscriptionCreate?: { appSubscription: { id: string } | null; confirmationUrl: string | null; userErrors: UserErrors } }) => {
    const payload = data.appSubscriptionCreate;
    if (!payload) return { kind: "unavailable", reason: "Shopify answered without appSubscriptionCreate" };
    if (payload.userErrors.length > 0 || !payload.appSubscription || !payload.confirmationUrl) {
      return { kind: "rejected", reason: userErrorText(payload.userErrors) || "Shopify created no subscription" };
    }
    return { kind: "ok", value: { subscriptionGid: payload.appSubscription.id, confirmationUrl: payload.confirmationUrl } };
  });
}

export async function cancelPlanSubscription(env: Env, shop: string, subscriptionGid: string): Promise<BillingOutcome<{ status: string }>> {
  return call(env, shop, CANCEL, { id: subscriptionGid }, (data: { appSubscriptionCancel?: { appSubscription: { status: string } | null; userErrors: UserErrors } }) => {
    const payload = data.appSubscriptionCancel;
    if (!payload) return { kind: "unavailable", reason: "Shopify answered without appSubscriptionCancel" };
    if (payload.userErrors.length > 0 || !payload.appSubscription) return { kind: "rejected", reason: userErrorText(payload.userErrors) || "Shopify cancelled nothing" };
    return { kind: "ok", value: { status: payload.appSubscription.status } };
  });
}

/** The app's active subscriptions on the shop, as Shopify holds them now. */
export async function activePlanSubscriptions(env: Env, shop: string): Promise<BillingOutcome<ActiveSubscription[]>> {
  return call(env, shop, ACTIVE, undefined, (data: { currentAppInstallation?: { activeSubscriptions: ActiveSubscription[] } | null }) => {
    if (!data.currentAppInstallation) return { kind: "unavailable", reason: "Shopify answered without currentAppInstallation" };
    return { kind: "ok", value: data.currentAppInstallation.activeSubscriptions };
  });
}

async function call<D, T>(env: Env, shop: string, query: string, variables: Record<string, unknown> | undefined, read: (data: D) => BillingOutcome<T>): Promise<BillingOutcome<T>> {
  try {
    const { data } = await adminGraphql<D>(env, shop, query, variables, { attemptTimeoutMs: ATTEMPT_TIMEOUT_MS });
    return read(data);
  } catch (error) {
    // GraphQL errors are Shopify refusing the request as sent; the rest may pass.
    if (error instanceof AdminApiError && error.kind === "graphql") return { kind: "rejected", reason: error.message };
    if (error instanceof ShopifyTokenError && error.reason !== "shopify_unreachable") return { kind: "not_connected", reason: error.message };
    return { kind: "unavailable", reason: error instanceof Error ? error.message : String(error) };
  }
}

function userErrorText(errors: UserErrors): string {
  return errors.map((e) => `${e.field?.join(".") ?? "input"}: ${e.message}`).join("; ");
}
