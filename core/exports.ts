// What a merchant may ask to export, as the API validates it. Pure: no bindings.
import { z } from "zod";

export const EXPORT_KINDS = ["customers", "ledger", "analytics"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** How long an export's download link works (a fresh one comes with every read of the export). */
export const EXPORT_LINK_TTL_MS = 15 * 60_000;

const day = (field: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${field} must be a date as YYYY-MM-DD`)
    .refine((text) => isCalendarDate(text), `${field} is not a date in the calendar`);

export const NewExportSchema = z
  .object({
    kind: z.enum(EXPORT_KINDS, { error: "kind must be customers, ledger or analytics" }),
    from: day("from").optional(),
    to: day("to").optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.kind === "customers" && (value.from !== undefined || value.to !== undefined)) {
      ctx.addIssue({ code: "custom", path: [value.from !== undefined ? "from" : "to"], message: "a customers export has no date range; from and to apply to ledger and analytics" });
    } else if (value.from !== undefined && value.to !== undefined && value.from > value.to) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "to must be on or after from" });
    }
  });
export type NewExport = z.infer<typeof NewExportSchema>;

function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split("-").map(Number) as [number, number, number];
  if (y < 2000 || y > 2100) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
