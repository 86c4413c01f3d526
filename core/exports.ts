// What a merchant may ask to export, as the API validates it. Pure: no bindings.
import { z } from "zod";

export const EXPORT_KINDS = ["customers", "ledger", "analytics"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** How long an export's download link works (a fresh one comes with every read of the export). */
export const EXPORT_LINK_TTL_MS = 15 * 60_000;

/**
 * How long a finished export's file stays in R2: the sweeper deletes it after this and the
 * export shows as expired. Production's R2 lifecycle rule (README) is set a day longer, as a
 * net under the sweeper, never in front of it.
 */
export const EXPORT_RETENTION_DAYS = 7;
export const EXPORT_RETENTION_MS = EXPORT_RETENTION_DAYS * 24 * 60 * 60_000;

/**
 * An export queued or running that has not moved (no checkpoint, no progress, no lease) for
 * this long after its last sign of life is stalled: the sweeper, or the merchant asking again,
 * queues it again from its checkpoint. Well past a run's lease (60 s), so a live run is never
 * taken for a stalled one.
 */
export const EXPORT_STALL_MS = 2 * 60_000;

/** Re-queued this many times without finishing, a stalled export is failed instead, with a reason the merchant sees. */
export const EXPORT_MAX_REVIVALS = 3;

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
