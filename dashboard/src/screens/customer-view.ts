// What the customers screens share: the API's shapes and how a customer is named.
import type { ApiFailure } from "../api";

export interface CustomerListItem {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  points_balance: number;
  total_points_earned: number;
  total_points_redeemed: number;
}

/** "First Last", else the fallback (a customer Shopify sent without a name, or a redacted one). */
export function customerName(c: Pick<CustomerListItem, "first_name" | "last_name">, fallback: string): string {
  const name = [c.first_name, c.last_name].filter(Boolean).join(" ").trim();
  return name || fallback;
}

/**
 * The input field a 400 names: the API's `field` when it gives one, else the zod path that
 * starts its message ("points: points must not be zero"), with the message left without it.
 */
export function fieldError(failure: ApiFailure, fields: readonly string[]): { field: string; message: string } | null {
  const named = failure.field ?? /^([\w.]+): /.exec(failure.message)?.[1] ?? null;
  if (!named || !fields.includes(named)) return null;
  return { field: named, message: failure.message.replace(new RegExp(`^${named.replace(/\./g, "\\.")}: `), "") };
}
