// Birthdays: what a shopper may give, and when the birthday award falls. Awarded at 00:00 UTC on
// the birthday; 29 February falls on 28 February in years without one. A birthday earns from
// the first birthday after the moment it was given: given on the day itself, it earns next year
// (a birthday cannot be given on the day to collect points at once).
import { z } from "zod";

export interface Birthday {
  month: number;
  day: number;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export const BirthdayInputSchema = z
  .object({
    month: z.number().int().min(1).max(12),
    day: z.number().int().min(1).max(31),
    /** Optional: only checked (a real date, not in the future); never used for the award. */
    year: z.number().int().min(1900).max(9999).optional(),
  })
  .strict();
export type BirthdayInput = z.infer<typeof BirthdayInputSchema>;

/** Why a given birthday is not a date, or null when it is one (`now` bounds the year). */
export function birthdayProblem(input: BirthdayInput, now: number): string | null {
  const max = DAYS_IN_MONTH[input.month - 1]!;
  if (input.day > max) return `month ${input.month} has at most ${max} days`;
  if (input.year !== undefined) {
    if (input.month === 2 && input.day === 29 && !isLeap(input.year)) return `${input.year} has no 29 February`;
    if (Date.UTC(input.year, input.month - 1, input.day) > now) return "a birthday cannot be in the future";
  }
  return null;
}

/** 00:00 UTC of the birthday in `year` (29 February → 28 February outside leap years). */
export function birthdayIn(year: number, birthday: Birthday): number {
  const day = birthday.month === 2 && birthday.day === 29 && !isLeap(year) ? 28 : birthday.day;
  return Date.UTC(year, birthday.month - 1, day);
}

/** The first birthday strictly after `after` (epoch ms). */
export function nextBirthdayAfter(birthday: Birthday, after: number): number {
  const year = new Date(after).getUTCFullYear();
  const thisYear = birthdayIn(year, birthday);
  return thisYear > after ? thisYear : birthdayIn(year + 1, birthday);
}
