// cart.lines.discounts.generate.run: the buyer's best percentage perk as one order discount on
// the subtotal (class ORDER), when the discount was created with that class.
import type { CartInput, CartLinesDiscountsGenerateRunResult } from "./api";
import { perksFor } from "./perks";

export function cartLinesDiscountsGenerateRun(input: CartInput): CartLinesDiscountsGenerateRunResult {
  if (input.cart.lines.length === 0 || !input.discount.discountClasses.includes("ORDER")) return { operations: [] };
  const { percentage } = perksFor(input.discount.metafield?.jsonValue, input.cart.buyerIdentity?.customer);
  if (!percentage) return { operations: [] };
  return {
    operations: [
      {
        orderDiscountsAdd: {
          candidates: [
            {
              message: percentage.message,
              targets: [{ orderSubtotal: { excludedCartLineIds: [] } }],
              value: { percentage: { value: percentage.value } },
            },
          ],
          selectionStrategy: "FIRST",
        },
      },
    ],
  };
}
