// The part of the Discount Function API (schema.graphql, api_version 2026-04) that this
// function's input queries ask for and its output uses. `shopify app function typegen` writes
// the full generated/api.ts from the schema at build time; these hand-written types are the
// same shapes, so the function and its tests typecheck without the CLI.

export type DiscountClass = "ORDER" | "PRODUCT" | "SHIPPING";

/** Metafield.jsonValue is JSON!; what it holds is checked at run time (perks.ts). */
export type Json = unknown;

export interface InputCustomer {
  id: string;
  metafield: { value: string } | null;
}

export interface InputDiscount {
  discountClasses: DiscountClass[];
  metafield: { jsonValue: Json } | null;
}

/** src/cart_lines_discounts_generate_run.graphql */
export interface CartInput {
  cart: {
    lines: { id: string }[];
    buyerIdentity: { customer: InputCustomer | null } | null;
  };
  discount: InputDiscount;
}

/** src/cart_delivery_options_discounts_generate_run.graphql */
export interface DeliveryInput {
  cart: {
    deliveryGroups: { id: string }[];
    buyerIdentity: { customer: InputCustomer | null } | null;
  };
  discount: InputDiscount;
}

/** Percentage.value: Decimal (a string), validated >= 0 and <= 100. */
export interface PercentageValue {
  percentage: { value: string };
}

export interface OrderDiscountsAddOperation {
  orderDiscountsAdd: {
    candidates: {
      message: string;
      targets: { orderSubtotal: { excludedCartLineIds: string[] } }[];
      value: PercentageValue;
    }[];
    selectionStrategy: "FIRST" | "MAXIMUM";
  };
}

export interface CartLinesDiscountsGenerateRunResult {
  operations: OrderDiscountsAddOperation[];
}

export interface DeliveryDiscountsAddOperation {
  deliveryDiscountsAdd: {
    candidates: {
      message: string;
      targets: { deliveryGroup: { id: string } }[];
      value: PercentageValue;
    }[];
    selectionStrategy: "ALL";
  };
}

export interface CartDeliveryOptionsDiscountsGenerateRunResult {
  operations: DeliveryDiscountsAddOperation[];
}
