// Driving redemptions from inside workerd: a shopper with points, the catalog's rewards, the
// redeem and history calls as the widget makes them, and the account's own records.
import { env, runInDurableObject } from "cloudflare:test";
import type { CustomerAccount } from "../../durable-objects/customer-account";
import { customerAccount } from "../../durable-objects/stubs";
import { call, json } from "./app";
import { orderBody, proxyUrl, webhookRequest } from "./shopify";

let orders = 7_100_000_000;

/** Gives the customer `points` through a paid order (the default program: 10 points per $1). */
export async function earn(shop: string, customerId: string, points: number): Promise<string> {
  const id = String(++orders);
  const response = await call(await webhookRequest("orders/paid", shop, orderBody({ id, customerId, subtotal: (points / 10).toFixed(2) })));
  if (response.status !== 200) throw new Error(`orders/paid answered ${response.status}: ${await response.text()}`);
  return id;
}

/** An order paid with the given discount codes. */
export async function payWithCodes(shop: string, customerId: string, codes: string[], subtotal = "20.00"): Promise<string> {
  const id = String(++orders);
  const body = orderBody({ id, customerId, subtotal }).replace(
    /"line_items":\[\]/,
    `"line_items":[],"discount_codes":${JSON.stringify(codes.map((code) => ({ code, amount: "5.00", type: "fixed_amount" })))}`,
  );
  const response = await call(await webhookRequest("orders/paid", shop, body));
  if (response.status !== 200) throw new Error(`orders/paid answered ${response.status}`);
  return id;
}

export async function cancelOrder(shop: string, customerId: string, id: string, subtotal = "20.00"): Promise<void> {
  const response = await call(await webhookRequest("orders/cancelled", shop, orderBody({ id, customerId, subtotal, cancelled: true })));
  if (response.status !== 200) throw new Error(`orders/cancelled answered ${response.status}`);
}

export interface StorefrontReward {
  reward_id: string;
  type: string;
  title: string;
  points_cost: number;
}

export async function storefrontRewards(shop: string, locale?: string): Promise<StorefrontReward[]> {
  const url = await proxyUrl("/widget/config", { shop, customerId: null, extra: locale ? { locale } : {} });
  return (await json<{ rewards: StorefrontReward[] }>(await call(url))).rewards;
}

export async function rewardOfType(shop: string, type: string): Promise<StorefrontReward> {
  const reward = (await storefrontRewards(shop)).find((r) => r.type === type);
  if (!reward) throw new Error(`${shop} offers no ${type} reward`);
  return reward;
}

export async function redeem(
  shop: string,
  customerId: string,
  body: { reward_id: string; points?: number },
  key: string | null = crypto.randomUUID(),
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers["idempotency-key"] = key;
  return call(new Request(await proxyUrl("/rewards/redeem", { shop, customerId }), { method: "POST", headers, body: JSON.stringify(body) }));
}

export interface ShopperRedemption {
  redemption_id: string;
  status: string;
  discount_code: string | null;
  points: number;
  failure_reason: string | null;
  expires_at: string | null;
}

export async function history(shop: string, customerId: string) {
  const response = await call(await proxyUrl("/customer/history", { shop, customerId }));
  return json<{ redemptions: ShopperRedemption[]; transactions: { kind: string; points: number; note: string | null }[] }>(response);
}

export async function balance(shop: string, customerId: string): Promise<number> {
  return (await customerAccount(env, shop, customerId).summary()).points_balance;
}

/** Runs SQL inside the customer's object (to move a date into the past, or read a table). */
export function inAccount<T>(shop: string, customerId: string, work: (sql: SqlStorage, account: CustomerAccount) => T): Promise<T> {
  return runInDurableObject(customerAccount(env, shop, customerId), (account: CustomerAccount, state) => work(state.storage.sql, account));
}

/** The money invariants: balance = Σ ledger = Σ lots' remaining, never negative. */
export function invariants(shop: string, customerId: string) {
  return inAccount(shop, customerId, (sql) => ({
    balance: sql.exec<{ n: number }>(`SELECT balance AS n FROM account`).one().n,
    ledgerSum: sql.exec<{ n: number }>(`SELECT coalesce(sum(points), 0) AS n FROM ledger`).one().n,
    lotsSum: sql.exec<{ n: number }>(`SELECT coalesce(sum(remaining), 0) AS n FROM lots`).one().n,
    minBalanceAfter: sql.exec<{ n: number | null }>(`SELECT min(balance_after) AS n FROM ledger`).one().n,
  }));
}
