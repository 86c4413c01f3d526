// cart.delivery-options.discounts.generate.run: free shipping (100% off every delivery group)
// when the buyer's tier or an eligible running campaign gives it (class SHIPPING).
import type { CartDeliveryOptionsDiscountsGenerateRunResult, DeliveryInput } from "./api";
import { perksFor } from "./perks";

export function cartDeliveryOptionsDiscountsGenerateRun(input: DeliveryInput): CartDeliveryOptionsDiscountsGenerateRunResult {
  const groups = input.cart.deliveryGroups;
  if (groups.length === 0 || !input.discount.discountClasses.includes("SHIPPING")) return { operations: [] };
  const { freeShipping } = perksFor(input.discount.metafield?.jsonValue, input.cart.buyerIdentity?.customer);
  if (!freeShipping) return { operations: [] };
  return {
    operations: [
      {
        deliveryDiscountsAdd: {
          candidates: [
            {
              message: freeShipping.message,
              targets: groups.map((group) => ({ deliveryGroup: { id: group.id } })),
              value: { percentage: { value: "100" } },
            },
          ],
          selectionStrategy: "ALL",
        },
      },
    ],
  };
}
