// When points and reward codes expire: the merchant's policy, and the dates it gives. Pure;
// the customer's object applies them from its alarm (durable-objects/lots.ts).
import { z } from "zod";

export const PointsExpirySchema = z
  .object({
    /**
     * never; after_earning: each lot `months` after it was earned; after_inactivity: the whole
     * balance `months` after the customer last earned or redeemed.
     */
    mode: z.enum(["never", "after_earning", "after_inactivity"]),
    months: z.number().int().min(1).max(120),
    /** Days before an expiry that a `points_expiring` event is published; null: none. */
    reminder_days: z.number().int().min(1).max(90).nullable(),
  })
  .strict();
export type PointsExpiry = z.infer<typeof PointsExpirySchema>;

export const NO_EXPIRY: PointsExpiry = { mode: "never", months: 12, reminder_days: 14 };

const DAY_MS = 86_400_000;

/**
 * A reward code is treated as expired this long after its Shopify `endsAt`: an order placed
 * just before the end may be paid (and reach us as orders/paid) days later, and must find the
 * code still `issued` to mark it used rather than return its points.
 */
export const CODE_EXPIRY_GRACE_MS = 3 * DAY_MS;

/** Calendar months in UTC; the 31st plus one month is the last day of the shorter month. */
export function addMonths(at: number, months: number): number {
  const date = new Date(at);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

/** When a lot earned at `earnedAt` expires on its own (after_earning), or null. */
export function lotExpiresAt(policy: PointsExpiry, earnedAt: number): number | null {
  return policy.mode === "after_earning" ? addMonths(earnedAt, policy.months) : null;
}

/** When the whole balance expires for want of activity (after_inactivity), or null. */
export function inactivityExpiresAt(policy: PointsExpiry, lastActivityAt: number | null): number | null {
  return policy.mode === "after_inactivity" && lastActivityAt !== null ? addMonths(lastActivityAt, policy.months) : null;
}

/** When to remind a customer of an expiry at `expiresAt`, or null when the policy sends none. */
export function reminderAt(policy: PointsExpiry, expiresAt: number): number | null {
  return policy.reminder_days === null ? null : expiresAt - policy.reminder_days * DAY_MS;
}

/** The end of a code issued at `issuedAt` that lasts `days` (null: it never ends). */
export function codeEndsAt(issuedAt: number, days: number | null): number | null {
  return days === null ? null : issuedAt + days * DAY_MS;
}
