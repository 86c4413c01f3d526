// The Shopify emulator seen from inside workerd: install a shop through it, read what it was
// asked and how it answered, let an hour pass for a shop's access tokens, queue faults for a
// shop's discount requests and list the discounts and metafields it holds.
import { env } from "cloudflare:test";
import { call } from "./app";
import { sessionToken, uniqueShop } from "./shopify";

export interface EmulatorRequest {
  at: number;
  method: string;
  path: string;
  shop: string | null;
  grantType: string | null;
  /** The discount operation a GraphQL request named (discountCodeBasicCreate, codeDiscountNodeByCode, …). */
  operation: string | null;
  /** The fault injected into this request, if any. */
  fault: EmulatorFault["mode"] | null;
  /** Null when no answer was sent (a timeout fault). */
  status: number | null;
  errorCode: string | null;
}

export interface EmulatorFault {
  /** stale_search: discountNodes lists nothing, as before Shopify's search index catches up. */
  mode: "http_500" | "throttled" | "user_error" | "timeout" | "stale_search";
  /** How many matching requests meet it (default 1); 0 = every one until cleared. */
  times?: number;
  /** The mutation or query name it applies to; default: any discount operation. */
  operation?:
    | "discountCodeBasicCreate"
    | "discountCodeFreeShippingCreate"
    | "codeDiscountNodeByCode"
    | "discountAutomaticAppCreate"
    | "discountAutomaticDelete"
    | "discountNodes"
    | "metafieldsSet"
    | "metafieldsDelete"
    | "appSubscriptionCreate"
    | "appSubscriptionCancel"
    | "currentAppInstallation"
    | "shop";
  /** timeout: how long the connection is held before it is dropped (default 30 s). */
  holdMs?: number;
  /** http_500, timeout: the discount is created first, and only the answer is lost. */
  createThenFail?: boolean;
  /** throttled: the restore rate the answer reports (default the bucket's 100 a second). */
  restoreRate?: number;
}

export interface EmulatorDiscount {
  id: string;
  code: string;
  operation: "discountCodeBasicCreate" | "discountCodeFreeShippingCreate";
  input: Record<string, unknown>;
  createdAt: string;
}

const control = (path: string, shop: string) => `${env.SHOPIFY_ADMIN_ORIGIN}/__emulator/${path}?shop=${encodeURIComponent(shop)}`;

export async function emulatorRequests(shop: string): Promise<EmulatorRequest[]> {
  const response = await fetch(control("requests", shop));
  return ((await response.json()) as { requests: EmulatorRequest[] }).requests;
}

export async function expireAccessTokens(shop: string): Promise<number> {
  const response = await fetch(control("expire-access-tokens", shop), { method: "POST" });
  return ((await response.json()) as { expired: number }).expired;
}

/** Queues `fault` for the shop's matching requests (met in the order queued). */
export async function injectFault(shop: string, fault: EmulatorFault): Promise<void> {
  const response = await fetch(control("faults", shop), { method: "POST", body: JSON.stringify(fault) });
  if (response.status !== 200) throw new Error(`the emulator refused the fault: ${await response.text()}`);
}

export async function clearFaults(shop: string): Promise<void> {
  await (await fetch(control("faults", shop), { method: "DELETE" })).body?.cancel();
}

/** The discounts the emulator holds for the shop, oldest first. */
export async function listDiscounts(shop: string): Promise<EmulatorDiscount[]> {
  const response = await fetch(control("discounts", shop));
  return ((await response.json()) as { discounts: EmulatorDiscount[] }).discounts;
}

export interface EmulatorAutomaticDiscount {
  discountId: string;
  input: Record<string, unknown>;
  createdAt: string;
}

export interface EmulatorMetafield {
  id: string;
  ownerId: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

/** The automatic app discounts (discountAutomaticAppCreate) the emulator holds for the shop, oldest first. */
export async function listAutomaticDiscounts(shop: string): Promise<EmulatorAutomaticDiscount[]> {
  const response = await fetch(control("automatic-discounts", shop));
  return ((await response.json()) as { discounts: EmulatorAutomaticDiscount[] }).discounts;
}

/** The shop's tokens carry only these scopes from now on, as an install from before a scope was asked for. */
export async function grantScopes(shop: string, scopes: string): Promise<void> {
  const response = await fetch(control("scopes", shop), { method: "POST", body: JSON.stringify({ scopes }) });
  if (response.status !== 200) throw new Error(`the emulator refused the scopes: ${await response.text()}`);
}

/** The store's currency at Shopify from now on (what `shop { currencyCode }` answers; USD until set). */
export async function setShopifyCurrency(shop: string, currencyCode: string): Promise<void> {
  const response = await fetch(control("shop", shop), { method: "POST", body: JSON.stringify({ currencyCode }) });
  if (response.status !== 200) throw new Error(`the emulator refused the currency: ${await response.text()}`);
}

/** The shop's metafields at the emulator (all owners, or one owner's). */
export async function listMetafields(shop: string, ownerId?: string): Promise<EmulatorMetafield[]> {
  const url = control("metafields", shop) + (ownerId === undefined ? "" : `&ownerId=${encodeURIComponent(ownerId)}`);
  return ((await (await fetch(url)).json()) as { metafields: EmulatorMetafield[] }).metafields;
}

/** A new shop installed the way a merchant installs it: the Worker's token exchange. */
export async function installedShop(label: string): Promise<string> {
  const shop = uniqueShop(label);
  const response = await call(
    new Request("https://loyalnest.test/auth/token-exchange", { method: "POST", headers: { authorization: `Bearer ${await sessionToken(shop)}` } }),
  );
  if (response.status !== 200) throw new Error(`install of ${shop} answered ${response.status}: ${await response.text()}`);
  return shop;
}

/** Moves the stored expiry of the shop's access token (Shopify's copy is untouched). */
export async function setStoredExpiry(shop: string, expiresAt: number): Promise<void> {
  await env.DB.prepare(`UPDATE shops SET access_token_expires_at = ? WHERE domain = ?`).bind(expiresAt, shop).run();
}

export const refreshes = (requests: EmulatorRequest[]) => requests.filter((r) => r.grantType === "refresh_token");
/**
 * The shop's GraphQL requests, without the install's read of the shop's currency (`shop {
 * currencyCode }`, workers/shopify/shop-currency.ts): tests count the calls they drive.
 */
export const graphqlCalls = (requests: EmulatorRequest[]) => requests.filter((r) => r.path.endsWith("/graphql.json") && r.operation !== "shop");

export const DISCOUNT_MUTATION = `mutation CreateDiscount($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) { codeDiscountNode { id } userErrors { field code message } }
}`;

export function discountInput(code: string) {
  return {
    discount: {
      title: `Reward ${code}`,
      code,
      context: { customers: { add: ["gid://shopify/Customer/1"] } },
      customerGets: { value: { discountAmount: { amount: "5.00", appliesOnEachItem: false } }, items: { all: true } },
      usageLimit: 1,
      appliesOncePerCustomer: true,
    },
  };
}

export type DiscountData = { discountCodeBasicCreate: { codeDiscountNode: { id: string } | null; userErrors: unknown[] } };

export interface EmulatorSubscription {
  id: string;
  name: string;
  status: "PENDING" | "ACTIVE" | "CANCELLED" | "DECLINED";
  test: boolean;
  createdAt: string;
}

/** The shop's app subscriptions (billing) at the emulator, oldest first. */
export async function listSubscriptions(shop: string): Promise<EmulatorSubscription[]> {
  return ((await (await fetch(control("subscriptions", shop))).json()) as { subscriptions: EmulatorSubscription[] }).subscriptions;
}

/**
 * The merchant approves (or declines) a PENDING subscription at Shopify; approving cancels the
 * active one it replaces. Answers every subscription whose status changed (what Shopify then
 * reports in app_subscriptions/update webhooks).
 */
export async function decideSubscription(shop: string, id: string, approve = true): Promise<EmulatorSubscription[]> {
  const response = await fetch(`${control(approve ? "subscriptions/approve" : "subscriptions/decline", shop)}&id=${encodeURIComponent(id)}`, { method: "POST" });
  if (response.status !== 200) throw new Error(`the emulator refused: ${await response.text()}`);
  return ((await response.json()) as { subscriptions: EmulatorSubscription[] }).subscriptions;
}
