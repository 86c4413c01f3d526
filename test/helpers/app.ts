// Driving the Worker from inside workerd: its own fetch, installed shops, account inspection.
import { env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { installShop } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { CustomerAccount } from "../../durable-objects/customer-account";
import { sessionToken } from "./shopify";

export function call(request: Request | string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(typeof request === "string" ? new Request(request, init) : request);
}

/** A merchant API call (/v1/api…) as staff member `sub` of `shop`, with a JSON body if given. */
export async function merchantApi(shop: string, method: string, path: string, body?: unknown, sub = "42"): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${await sessionToken(shop, { sub })}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(new Request(`https://loyalnest.test/v1/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
}

export async function json<T = Record<string, any>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export async function install(shop: string): Promise<void> {
  await installShop(env, { domain: shop, accessTokenEncrypted: null, accessTokenExpiresAt: null, refreshTokenEncrypted: null });
}

export interface AccountState {
  balance: number;
  ledgerSum: number;
  ledger: { kind: string; points: number; balance_after: number; source_id: string; idempotency_key: string }[];
  outbox: number;
}

/** Reads an account's storage directly, to check the money invariants. */
export async function accountState(shop: string, customerId: string): Promise<AccountState> {
  const stub = customerAccount(env, shop, customerId);
  return runInDurableObject(stub, (_instance: CustomerAccount, state) => {
    const sql = state.storage.sql;
    const ledger = sql
      .exec(`SELECT kind, points, balance_after, source_id, idempotency_key FROM ledger ORDER BY seq`)
      .toArray() as unknown as AccountState["ledger"];
    return {
      balance: sql.exec<{ balance: number }>(`SELECT balance FROM account`).one().balance,
      ledgerSum: ledger.reduce((sum, e) => sum + e.points, 0),
      ledger,
      outbox: sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox`).one().n,
    };
  });
}

/** Polls until `check` passes or the deadline; returns its last value. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
