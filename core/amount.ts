// A money amount as merchants write it, validated once for every schema that takes one.
import { z } from "zod";
import { parseAmountToMills } from "./money";

/** A money amount as merchants write it ("150.00"), in the shop's currency. */
export const AmountSchema = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'an amount like "150.00"')
  .refine((v) => (parseAmountToMills(v) ?? 0) > 0, "must be more than zero");
