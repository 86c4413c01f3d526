// Whether a merchant's customer id is one this shop has, asked of the projection before any
// customer object is called (calling an object creates it: a merchant could otherwise create
// one per id they try). The projection lags the objects by the ledger-events queue.
import { withReporting } from "../../postgres/client";
import { findCustomer, type CustomerRow } from "../../postgres/customers";
import { log } from "../../core/log";

export const UNREACHABLE = Symbol("reporting unreachable");

/** The customer's projection row, null when the projection has none, UNREACHABLE when Postgres is down. */
export async function findProfile(
  c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } },
  shop: string,
  id: string,
): Promise<CustomerRow | null | typeof UNREACHABLE> {
  try {
    return await withReporting(c.env, c.executionCtx, (sql) => findCustomer(sql, shop, id));
  } catch (error) {
    log.warn("customer detail: reporting unavailable, answering from the account", String(error));
    return UNREACHABLE;
  }
}

