// Pure earning rules: per-period limits (calendar UTC) and the goal-spend window.
import { describe, expect, it } from "vitest";
import { awardsInPeriod, limitPeriodAt, mayAward } from "../../core/earn-limits";
import { goalReached, goalReachedAt, goalWindow, spendInWindow, type PaidOrderSpend } from "../../core/goal-spend";

const t = (iso: string) => Date.parse(iso);

describe("limitPeriodAt (calendar periods, UTC)", () => {
  it("day starts at 00:00 UTC and ends before the next", () => {
    expect(limitPeriodAt("day", t("2026-03-10T23:59:59.999Z"))).toEqual({ start: t("2026-03-10T00:00:00Z"), end: t("2026-03-11T00:00:00Z") });
  });
  it("week is the ISO week, Monday 00:00 UTC; a Sunday belongs to the week begun the Monday before", () => {
    // 2026-03-15 is a Sunday; 2026-03-16 a Monday.
    expect(limitPeriodAt("week", t("2026-03-15T23:59:59Z")).start).toBe(t("2026-03-09T00:00:00Z"));
    expect(limitPeriodAt("week", t("2026-03-16T00:00:00Z"))).toEqual({ start: t("2026-03-16T00:00:00Z"), end: t("2026-03-23T00:00:00Z") });
    // Across a year's end.
    expect(limitPeriodAt("week", t("2027-01-01T12:00:00Z")).start).toBe(t("2026-12-28T00:00:00Z"));
  });
  it("month and year are calendar months and years, February of a leap year included", () => {
    expect(limitPeriodAt("month", t("2028-02-29T10:00:00Z"))).toEqual({ start: t("2028-02-01T00:00:00Z"), end: t("2028-03-01T00:00:00Z") });
    expect(limitPeriodAt("month", t("2026-12-31T23:00:00Z")).end).toBe(t("2027-01-01T00:00:00Z"));
    expect(limitPeriodAt("year", t("2026-07-04T00:00:00Z"))).toEqual({ start: t("2026-01-01T00:00:00Z"), end: t("2027-01-01T00:00:00Z") });
  });
});

describe("mayAward", () => {
  it("lifetime: count awards ever, whenever they were", () => {
    const limit = { count: 2, period: "lifetime" as const };
    expect(mayAward([], limit, t("2026-01-01T00:00:00Z"))).toBe(true);
    expect(mayAward([t("2001-01-01T00:00:00Z")], limit, t("2030-01-01T00:00:00Z"))).toBe(true);
    expect(mayAward([t("2001-01-01T00:00:00Z"), t("2020-01-01T00:00:00Z")], limit, t("2030-01-01T00:00:00Z"))).toBe(false);
  });
  it("day: the last millisecond of a day is still that day; the next day starts afresh", () => {
    const limit = { count: 1, period: "day" as const };
    const awarded = [t("2026-03-10T00:00:00Z")];
    expect(mayAward(awarded, limit, t("2026-03-10T23:59:59.999Z"))).toBe(false);
    expect(mayAward(awarded, limit, t("2026-03-11T00:00:00Z"))).toBe(true);
    // Calendar, not rolling: 1 ms before midnight then 1 ms after are two days.
    expect(mayAward([t("2026-03-10T23:59:59.999Z")], limit, t("2026-03-11T00:00:00.001Z"))).toBe(true);
  });
  it("week: Sunday and the following Monday are different weeks", () => {
    const limit = { count: 1, period: "week" as const };
    expect(mayAward([t("2026-03-09T00:00:00Z")], limit, t("2026-03-15T23:59:59Z"))).toBe(false);
    expect(mayAward([t("2026-03-09T00:00:00Z")], limit, t("2026-03-16T00:00:00Z"))).toBe(true);
  });
  it("month and year: count per calendar month / year; awards later than `at` in the same period count too", () => {
    const month = { count: 5, period: "month" as const };
    const march = [1, 5, 10, 20, 31].map((d) => t(`2026-03-${String(d).padStart(2, "0")}T12:00:00Z`));
    expect(awardsInPeriod(march, month, t("2026-03-02T00:00:00Z"))).toBe(5);
    expect(mayAward(march, month, t("2026-03-31T23:59:59Z"))).toBe(false);
    expect(mayAward(march, month, t("2026-04-01T00:00:00Z"))).toBe(true);
    const year = { count: 1, period: "year" as const };
    expect(mayAward([t("2026-12-31T23:59:59.999Z")], year, t("2026-01-01T00:00:00Z"))).toBe(false);
    expect(mayAward([t("2026-12-31T23:59:59.999Z")], year, t("2027-01-01T00:00:00Z"))).toBe(true);
  });
});

describe("goal spend window", () => {
  const order = (iso: string, amount: number, refunded = 0, cancelled = false): PaidOrderSpend => ({
    paidAt: t(iso),
    baseMills: amount * 1000,
    refundedMills: refunded * 1000,
    cancelled,
  });
  const goal = { amount: "200.00", days: 30 };

  it("counts orders in (at − days, at]: exactly `days` old is out, a moment younger is in", () => {
    const at = t("2026-03-31T00:00:00Z");
    expect(goalWindow(30, at)).toEqual({ after: t("2026-03-01T00:00:00Z"), through: at });
    expect(spendInWindow([order("2026-03-01T00:00:00Z", 150), order("2026-03-31T00:00:00Z", 60)], 30, at)).toBe(60_000);
    expect(spendInWindow([order("2026-03-01T00:00:00.001Z", 150), order("2026-03-31T00:00:00Z", 60)], 30, at)).toBe(210_000);
    // An order placed after `at` is not in its window.
    expect(spendInWindow([order("2026-03-31T00:00:00.001Z", 500)], 30, at)).toBe(0);
  });
  it("reaches the goal at exactly the amount, less refunds, nothing for a cancelled order", () => {
    const at = t("2026-03-31T00:00:00Z");
    expect(goalReached([order("2026-03-20T00:00:00Z", 150), order("2026-03-30T00:00:00Z", 50)], goal, at)).toBe(true);
    expect(goalReached([order("2026-03-20T00:00:00Z", 150), order("2026-03-30T00:00:00Z", 50, 0.01)], goal, at)).toBe(false);
    expect(goalReached([order("2026-03-20T00:00:00Z", 300, 0, true)], goal, at)).toBe(false);
  });
  it("spend counted toward an earlier goal (placed at or before countedThrough) does not count again", () => {
    const at = t("2026-03-31T00:00:00Z");
    const orders = [order("2026-03-10T00:00:00Z", 200), order("2026-03-31T00:00:00Z", 10)];
    expect(goalReached(orders, goal, at)).toBe(true);
    expect(goalReached(orders, goal, at, t("2026-03-10T00:00:00Z"))).toBe(false);
    expect(spendInWindow(orders, 30, at, t("2026-03-09T23:59:59Z"))).toBe(210_000);
  });

  it("goalReachedAt: an order arriving after later ones completes the earliest window that holds it", () => {
    const later = order("2026-03-20T00:00:00Z", 150);
    const early = order("2026-03-01T00:00:00Z", 60);
    // Received last, placed first: its own window (ending 1 March) holds only 60; the window
    // ending 20 March holds both.
    expect(goalReachedAt([later, early], goal, early.paidAt)).toBe(later.paidAt);
    // 31 days apart: no window holds both.
    const tooEarly = order("2026-02-17T00:00:00Z", 60);
    expect(goalReachedAt([later, tooEarly], goal, tooEarly.paidAt)).toBeNull();
    // In order: reached at the order itself.
    expect(goalReachedAt([early, later], goal, later.paidAt)).toBe(later.paidAt);
    // Placed at or before the last goal's time: already counted.
    expect(goalReachedAt([early, later], goal, early.paidAt, later.paidAt)).toBeNull();
  });
});
