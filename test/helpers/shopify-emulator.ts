// The Shopify emulator seen from inside workerd: install a shop through it, read what it was
// asked and how it answered, let an hour pass for a shop's access tokens.
import { env } from "cloudflare:test";
import { call } from "./app";
import { sessionToken, uniqueShop } from "./shopify";

export interface EmulatorRequest {
  at: number;
  method: string;
  path: string;
  shop: string | null;
  grantType: string | null;
  status: number;
  errorCode: string | null;
}

export async function emulatorRequests(shop: string): Promise<EmulatorRequest[]> {
  const response = await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/__emulator/requests?shop=${encodeURIComponent(shop)}`);
  return ((await response.json()) as { requests: EmulatorRequest[] }).requests;
}

export async function expireAccessTokens(shop: string): Promise<number> {
  const response = await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/__emulator/expire-access-tokens?shop=${encodeURIComponent(shop)}`, { method: "POST" });
  return ((await response.json()) as { expired: number }).expired;
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
export const graphqlCalls = (requests: EmulatorRequest[]) => requests.filter((r) => r.path.endsWith("/graphql.json"));

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
