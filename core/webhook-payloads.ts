// The parts of Shopify webhook payloads LoyalNest acts on, validated with zod after a lossless
// parse (ids stay strings). Anything else in the payload is ignored.
import { z } from "zod";
import { parseAmountToMills } from "./money";

const gid = (type: string) =>
  z.string().regex(new RegExp(`^gid://shopify/${type}/\\d{1,20}$`), `expected a gid://shopify/${type}/… id`);
const amount = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const mills = parseAmountToMills(value);
    if (mills === null) {
      ctx.addIssue({ code: "custom", message: "expected a non-negative decimal amount" });
      return z.NEVER;
    }
    return mills;
  });
const numericId = z.string().regex(/^\d{1,20}$/, "expected a numeric id");

/** Free text we store: NUL and other C0 controls (which Postgres text refuses) are dropped. */
const storedText = (max: number) =>
  z
    .string()
    .max(max)
    .transform((text) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ""));

/** A timestamp we keep only when it is one: anything else becomes null, never a failure later. */
const optionalTimestamp = z
  .string()
  .max(64)
  .nullable()
  .optional()
  .transform((text) => (text && !Number.isNaN(Date.parse(text)) ? new Date(text).toISOString() : null));

export function digitsOfGid(value: string): string {
  return value.slice(value.lastIndexOf("/") + 1);
}

const customerRef = z
  .object({ admin_graphql_api_id: gid("Customer") })
  .passthrough()
  .nullable()
  .optional();

export const OrderPayloadSchema = z.object({
  admin_graphql_api_id: gid("Order"),
  name: z.string().max(255).optional(),
  currency: z.string().max(8).optional(),
  subtotal_price: amount,
  cancelled_at: z.string().nullable().optional(),
  customer: customerRef,
});

export interface OrderEvent {
  orderGid: string;
  customerId: string | null;
  baseMills: number;
  currency: string | null;
  name: string | null;
}

export function toOrderEvent(payload: z.infer<typeof OrderPayloadSchema>): OrderEvent {
  return {
    orderGid: payload.admin_graphql_api_id,
    customerId: payload.customer ? digitsOfGid(payload.customer.admin_graphql_api_id) : null,
    baseMills: payload.subtotal_price,
    currency: payload.currency ?? null,
    name: payload.name ?? null,
  };
}

export const RefundPayloadSchema = z.object({
  admin_graphql_api_id: gid("Refund"),
  order_id: numericId,
  refund_line_items: z
    .array(z.object({ subtotal: amount.optional() }).passthrough())
    .max(10_000)
    .default([]),
  transactions: z
    .array(
      z
        .object({ kind: z.string().optional(), status: z.string().optional(), amount: amount.optional() })
        .passthrough(),
    )
    .max(10_000)
    .default([]),
});

export interface RefundEvent {
  refundGid: string;
  orderGid: string;
  refundedMills: number;
}

/**
 * The refunded share of the earn base: the refunded line items' subtotals; a refund with no
 * line items (an amount-only refund) counts its successful refund transactions instead.
 */
export function toRefundEvent(payload: z.infer<typeof RefundPayloadSchema>): RefundEvent {
  const lines = payload.refund_line_items.reduce((sum, line) => sum + (line.subtotal ?? 0), 0);
  const transactions = payload.transactions
    .filter((t) => t.kind === "refund" && (t.status === undefined || t.status === "success"))
    .reduce((sum, t) => sum + (t.amount ?? 0), 0);
  return {
    refundGid: payload.admin_graphql_api_id,
    orderGid: `gid://shopify/Order/${payload.order_id}`,
    refundedMills: payload.refund_line_items.length > 0 ? lines : transactions,
  };
}

export const CustomerPayloadSchema = z.object({
  admin_graphql_api_id: gid("Customer"),
  email: storedText(320).nullable().optional(),
  first_name: storedText(255).nullable().optional(),
  last_name: storedText(255).nullable().optional(),
  created_at: optionalTimestamp,
});
