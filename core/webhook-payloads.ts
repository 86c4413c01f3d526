// The parts of Shopify webhook payloads LoyalNest acts on, validated with zod after a lossless
// parse (ids stay strings). Anything else in the payload is ignored.
import { z } from "zod";
import type { ContactUpdate } from "./notifications";
import { parseAmountToMills } from "./money";

const gid = (type: string) =>
  z.string().regex(new RegExp(`^gid://shopify/${type}/\\d{1,20}$`), `expected a gid://shopify/${type}/… id`);
/**
 * A decimal amount (string or bare JSON number) in integer mills. Signed amounts (order
 * adjustments are negative) are kept as their absolute value; the others must not be negative.
 */
const decimalAmount = (signed: boolean) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const text = typeof value === "number" ? String(value) : value.trim();
    const mills = parseAmountToMills(signed && text.startsWith("-") ? text.slice(1) : text);
    if (mills === null) {
      ctx.addIssue({ code: "custom", message: signed ? "expected a decimal amount" : "expected a non-negative decimal amount" });
      return z.NEVER;
    }
    return mills;
  });
const amount = decimalAmount(false);
const absoluteAmount = decimalAmount(true);
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

/** A marketing consent's state ("subscribed", "unsubscribed", …), when the payload carries it. */
const ConsentStateSchema = z.object({ state: z.string().max(40).nullable().optional() }).passthrough().nullable().optional();

/** An order's customer: the reference, and what notifications may use of their contact. */
const orderCustomer = z
  .object({
    admin_graphql_api_id: gid("Customer"),
    email: storedText(320).nullable().optional(),
    phone: z.string().max(40).nullable().optional(),
    first_name: storedText(255).nullable().optional(),
    sms_marketing_consent: ConsentStateSchema,
    /** When their Shopify account was created (a referral's "already a customer" check). */
    created_at: optionalTimestamp,
  })
  .passthrough()
  .nullable()
  .optional();

/** The cart attribute the widget sets from a referral link (hidden from the shopper: leading underscore). */
export const REFERRAL_CART_ATTRIBUTE = "_loyalnest_referral";
/** The register form field the widget adds: Shopify stores it in the customer's note as "loyalnest_referral: <code>". */
export const REFERRAL_NOTE_FIELD = "loyalnest_referral";

const addressSchema = z
  .object({ address1: z.string().max(255).nullable().optional(), zip: z.string().max(40).nullable().optional(), country_code: z.string().max(8).nullable().optional() })
  .passthrough()
  .nullable()
  .optional();

/** A `*_set` twin: the amount in the shop's currency (read) and in the shopper's (ignored). */
const moneySetOf = (shopAmount: typeof amount) =>
  z
    .object({ shop_money: z.object({ amount: shopAmount, currency_code: z.string().max(8).optional() }).passthrough() })
    .passthrough();
const moneySet = moneySetOf(amount);
const absoluteMoneySet = moneySetOf(absoluteAmount);

export const OrderPayloadSchema = z.object({
  admin_graphql_api_id: gid("Order"),
  name: z.string().max(255).optional(),
  currency: z.string().max(8).optional(),
  /** In the shop's currency, after discounts, before shipping and tax. */
  subtotal_price: amount,
  subtotal_price_set: moneySet.optional(),
  /** Shipping and tax join the earn base only when the merchant says so (program.earn_base). */
  total_shipping_price_set: moneySet.optional(),
  total_tax: amount.optional(),
  total_tax_set: moneySet.optional(),
  taxes_included: z.boolean().optional(),
  cancelled_at: z.string().nullable().optional(),
  /** When the order was placed: processed_at, else created_at (goal spend and tier periods). */
  processed_at: optionalTimestamp,
  created_at: optionalTimestamp,
  customer: orderCustomer,
  /** The language the customer bought in ("fr", "en-CA"): the language of their notifications. */
  customer_locale: z.string().max(20).nullable().optional(),
  email: storedText(320).nullable().optional(),
  phone: z.string().max(40).nullable().optional(),
  /** Cart attributes: a referral code among them binds the referral (REFERRAL_CART_ATTRIBUTE). */
  note_attributes: z
    .array(z.object({ name: z.string().max(255), value: z.string().max(1000).nullable().optional() }).passthrough())
    .max(250)
    .default([]),
  /** The shopper's IP and shipping address: referral fraud checks only, as keyed hashes. */
  browser_ip: z.string().max(64).nullable().optional(),
  client_details: z.object({ browser_ip: z.string().max(64).nullable().optional() }).passthrough().nullable().optional(),
  shipping_address: addressSchema,
  /** The codes the shopper entered: a reward code among them becomes `used`. */
  discount_codes: z
    .array(z.object({ code: z.string().max(255) }).passthrough())
    .max(100)
    .default([]),
});

/**
 * What an order parked in the inbox keeps (core/minimise.ts): what its money needs, not the
 * customer's contact. A parked order applies without updating the contact; the customer's
 * next order, or customers/create, brings it.
 */
export const ParkedOrderSchema = OrderPayloadSchema.omit({ email: true, phone: true, customer_locale: true, browser_ip: true, client_details: true, shipping_address: true }).extend({
  customer: z.object({ admin_graphql_api_id: gid("Customer") }).passthrough().nullable().optional(),
});

export interface OrderEvent {
  orderGid: string;
  customerId: string | null;
  /** The subtotal after discounts, in the shop's currency: the earn base, and what refunds are shares of. */
  baseMills: number;
  shippingMills: number;
  taxMills: number;
  /** The shop's prices include tax: the subtotal already holds it. */
  taxesIncluded: boolean;
  currency: string | null;
  name: string | null;
  discountCodes: string[];
  /** Epoch ms; null when the payload gave no usable time. */
  placedAt: number | null;
}

export function toOrderEvent(payload: z.infer<typeof OrderPayloadSchema>): OrderEvent {
  return {
    orderGid: payload.admin_graphql_api_id,
    customerId: payload.customer ? digitsOfGid(payload.customer.admin_graphql_api_id) : null,
    baseMills: payload.subtotal_price_set?.shop_money.amount ?? payload.subtotal_price,
    shippingMills: payload.total_shipping_price_set?.shop_money.amount ?? 0,
    taxMills: payload.total_tax_set?.shop_money.amount ?? payload.total_tax ?? 0,
    taxesIncluded: payload.taxes_included ?? false,
    currency: payload.currency ?? null,
    name: payload.name ?? null,
    discountCodes: payload.discount_codes.map((d) => d.code),
    placedAt: placedAt(payload.processed_at ?? payload.created_at ?? null),
  };
}

function placedAt(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

export const RefundPayloadSchema = z.object({
  admin_graphql_api_id: gid("Refund"),
  order_id: numericId,
  refund_line_items: z
    .array(z.object({ subtotal: amount.optional(), subtotal_set: moneySet.optional() }).passthrough())
    .max(10_000)
    .default([]),
  order_adjustments: z
    .array(
      z
        .object({
          kind: z.string().max(64).optional(),
          amount_set: absoluteMoneySet.optional(),
          tax_amount_set: absoluteMoneySet.optional(),
        })
        .passthrough(),
    )
    .max(10_000)
    .default([]),
});

export interface RefundEvent {
  refundGid: string;
  orderGid: string;
  /** The share of the earn base this refund returns, in the shop's currency (money rule 3). */
  refundedMills: number;
}

/**
 * What a refund returns of the earn base (the subtotal after discounts, shop currency):
 * - its refunded line items' subtotals in shop money (`subtotal_set.shop_money`; the bare
 *   `subtotal` only when the set is absent, as in payloads older than multi-currency);
 * - with no line items, an amount-only refund (order adjustments of kind
 *   `refund_discrepancy`, as Shopify records "refund an amount") counts its shop-money amount
 *   less its tax: the shopper got money back for goods without returning a line;
 * - shipping (`refund_shipping_lines`, `shipping_refund` adjustments) and tax never count, and
 *   neither do the transactions, which are in the shopper's currency and include both.
 * A refund with line items ignores its discrepancy adjustments: the goods returned decide.
 */
export function toRefundEvent(payload: z.infer<typeof RefundPayloadSchema>): RefundEvent {
  const lines = payload.refund_line_items.reduce(
    (sum, line) => sum + (line.subtotal_set?.shop_money.amount ?? line.subtotal ?? 0),
    0,
  );
  const amountOnly = payload.order_adjustments
    .filter((adjustment) => adjustment.kind === "refund_discrepancy")
    .reduce(
      (sum, adjustment) =>
        sum + Math.max(0, (adjustment.amount_set?.shop_money.amount ?? 0) - (adjustment.tax_amount_set?.shop_money.amount ?? 0)),
      0,
    );
  return {
    refundGid: payload.admin_graphql_api_id,
    orderGid: `gid://shopify/Order/${payload.order_id}`,
    refundedMills: payload.refund_line_items.length > 0 ? lines : amountOnly,
  };
}

/**
 * Shop domains a payload names (`myshopify_domain`, `shop_domain`, a `domain` on
 * .myshopify.com): each must be the shop the signed headers name. A custom `domain` (the
 * shop's own www.example.com) names no shop we can compare, and is skipped.
 */
export function shopDomainsNamedIn(body: Record<string, unknown>): string[] {
  const named: string[] = [];
  for (const key of ["myshopify_domain", "shop_domain", "domain"]) {
    const value = body[key];
    if (typeof value !== "string") continue;
    const domain = value.trim().toLowerCase();
    if (key !== "domain" || domain.endsWith(".myshopify.com")) named.push(domain);
  }
  return named;
}

/**
 * A customer's email marketing consent. Webhooks of API versions before 2025-01 carry it on the
 * customer; later ones only on customers_email_marketing_consent/update.
 */
const EmailMarketingConsentSchema = z
  .object({
    state: z.string().max(40).nullable().optional(),
    opt_in_level: z.string().max(40).nullable().optional(),
    consent_updated_at: optionalTimestamp,
  })
  .passthrough();

export const CustomerPayloadSchema = z.object({
  admin_graphql_api_id: gid("Customer"),
  /** The register form's note fields land here ("loyalnest_referral: <code>", REFERRAL_NOTE_FIELD). */
  note: z.string().max(5000).nullable().optional(),
  email: storedText(320).nullable().optional(),
  first_name: storedText(255).nullable().optional(),
  last_name: storedText(255).nullable().optional(),
  created_at: optionalTimestamp,
  email_marketing_consent: EmailMarketingConsentSchema.nullable().optional(),
  phone: z.string().max(40).nullable().optional(),
  sms_marketing_consent: ConsentStateSchema,
});

/** customers_email_marketing_consent/update. */
export const EmailConsentPayloadSchema = z.object({
  customer_id: numericId,
  email_address: storedText(320).nullable().optional(),
  email_marketing_consent: EmailMarketingConsentSchema,
});

/** The consent when it is `subscribed` (the newsletter award), else null. */
export function subscribedConsent(
  consent: z.infer<typeof EmailMarketingConsentSchema> | null | undefined,
): { consentedAt: number | null } | null {
  if (consent?.state !== "subscribed") return null;
  return { consentedAt: consent.consent_updated_at ? Date.parse(consent.consent_updated_at) : null };
}

/**
 * X-Shopify-Triggered-At ("2026-11-30T18:00:27.877041743Z": up to nanoseconds) as epoch ms;
 * null when absent or not a time, so a bad header never refuses a signed delivery.
 */
export function parseTriggeredAt(header: string | null): number | null {
  if (!header) return null;
  const text = header.trim().replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** A phone number as providers take it (E.164), or null. */
function e164(phone: string | null | undefined): string | null {
  const compact = phone?.replace(/[\s().-]/g, "") ?? "";
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

function smsConsent(consent: z.infer<typeof ConsentStateSchema>): { sms_consent?: boolean } {
  return consent?.state ? { sms_consent: consent.state === "subscribed" } : {};
}

/** What an order tells of its customer's contact and language (notifications). */
export function contactOfOrder(payload: z.infer<typeof OrderPayloadSchema>): ContactUpdate {
  const customer = payload.customer;
  return {
    email: customer?.email?.trim() || payload.email?.trim() || null,
    phone: e164(customer?.phone ?? payload.phone),
    first_name: customer?.first_name?.trim() || null,
    locale: payload.customer_locale?.trim() || null,
    ...smsConsent(customer?.sms_marketing_consent),
  };
}

/** What customers/create tells of the customer's contact. */
export function contactOfCustomer(payload: z.infer<typeof CustomerPayloadSchema>): ContactUpdate {
  return {
    email: payload.email?.trim() || null,
    phone: e164(payload.phone),
    first_name: payload.first_name?.trim() || null,
    ...smsConsent(payload.sms_marketing_consent),
  };
}

/** The referral code an order's cart attribute carries, or null. */
export function referralCodeOfOrder(payload: { note_attributes: { name: string; value?: string | null }[] }): string | null {
  const value = payload.note_attributes.find((a) => a.name === REFERRAL_CART_ATTRIBUTE)?.value?.trim();
  return value || null;
}

/** The referral code a register form left in the customer's note ("loyalnest_referral: K7QM4TZP"), or null. */
export function referralCodeOfNote(note: string | null | undefined): string | null {
  const line = note?.split(/\r?\n/).find((l) => l.trim().toLowerCase().startsWith(`${REFERRAL_NOTE_FIELD}:`));
  const value = line?.slice(line.indexOf(":") + 1).trim();
  return value || null;
}

/** What an order tells of who the shopper is, for referral fraud checks (hashed before it is stored). */
export function referralFactsOfOrder(payload: z.infer<typeof OrderPayloadSchema>) {
  const customer = payload.customer;
  return {
    identity: {
      email: customer?.email?.trim() || payload.email?.trim() || null,
      phone: customer?.phone ?? payload.phone ?? null,
      address: payload.shipping_address ?? null,
    },
    ip: payload.browser_ip?.trim() || payload.client_details?.browser_ip?.trim() || null,
    customerCreatedAt: customer?.created_at ? Date.parse(customer.created_at) : null,
  };
}
