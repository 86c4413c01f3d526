// The Analytics screen as a merchant reads it, against the dev stack: a week of the demo shop's
// ledger projected into its Postgres, then every chart's numbers (what chart.js holds) equal to
// the table beside it and to GET /v1/api/analytics; a refused period shown beside its field with
// the API's message; a preset period in the URL, surviving a reload.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Frame } from "playwright-core";
import postgres from "postgres";
import { Ledger } from "../helpers/ledger-builder";
import { DEMO_SHOP, startDashboard, type Dashboard } from "./dashboard-harness";

const NAME = "analytics";
let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: NAME, path: "/analytics" });
  const sql = postgres(dash.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const ledger = new Ledger(DEMO_SHOP)
      .customer("7001", "2026-10-15T09:00:00.000Z")
      .entry("7001", "2026-11-02T10:00:00.000Z", "earn", 200, "gid://shopify/Order/71")
      .entry("7001", "2026-11-05T10:00:00.000Z", "earn", 50, "gid://shopify/Order/72")
      .entry("7001", "2026-11-06T10:00:00.000Z", "redemption", -150)
      .customer("7002", "2026-11-03T08:00:00.000Z")
      .entry("7002", "2026-11-03T08:00:01.000Z", "signup", 200)
      .entry("7002", "2026-11-04T12:00:00.000Z", "earn", 80, "gid://shopify/Order/73")
      .entry("7002", "2026-11-07T12:00:00.000Z", "expiry", -30)
      .customer("7003", "2026-11-06T00:00:00.000Z")
      .entry("7003", "2026-11-06T00:00:00.000Z", "earn", 1200, "gid://shopify/Order/74")
      .entry("7003", "2026-11-06T05:00:00.000Z", "earn", 40, "gid://shopify/Order/75")
      .entry("7003", "2026-11-07T09:00:00.000Z", "reversal", -40, "gid://shopify/Refund/75")
      .tier("7001", 1, "tier_silver", "2026-11-02T10:00:00.000Z")
      .tier("7003", 1, "tier_gold", "2026-11-06T00:00:00.000Z");
    await writeProjection(sql, ledger);
  } finally {
    await sql.end();
  }
  // The dev stack's start took over 5 minutes (the config's hook timeout) on this machine shared
  // by several sessions' builds and stacks.
}, 900_000);

afterAll(async () => {
  await dash?.close();
});

/**
 * The ledger's rows as the projection stores them (the worker tests fill it through
 * postgres/projection.ts itself; that module's types are the Worker's, out of this Node program).
 */
async function writeProjection(sql: postgres.Sql, ledger: Ledger): Promise<void> {
  // The test's database outlives a run: this ledger replaces the last run's.
  const ids = [...new Set(ledger.events.map((e) => e.customer_id))];
  for (const table of ["points_transactions", "tier_changes", "customers"]) {
    await sql`DELETE FROM ${sql(table)} WHERE shop = ${ledger.shop} AND customer_id IN ${sql(ids)}`;
  }
  for (const event of ledger.events) {
    if (event.type === "customer_profile") {
      await sql`INSERT INTO customers (shop, customer_id, first_name, last_name, shopify_created_at) VALUES (${event.shop}, ${event.customer_id}, ${event.profile.first_name}, ${event.profile.last_name}, ${event.profile.shopify_created_at})
        ON CONFLICT (shop, customer_id) DO NOTHING`;
    } else if (event.type === "ledger_entry") {
      const e = event.entry;
      await sql`INSERT INTO points_transactions (shop, entry_id, customer_id, seq, kind, points, balance_after, source_type, source_id, created_at)
        VALUES (${event.shop}, ${e.id}, ${event.customer_id}, ${e.seq}, ${e.kind}, ${e.points}, ${e.balance_after}, ${e.source_type}, ${e.source_id}, ${e.created_at})`;
      await sql`UPDATE customers SET points_balance = ${event.account.points_balance}, balance_seq = ${e.seq} WHERE shop = ${event.shop} AND customer_id = ${event.customer_id}`;
    } else if (event.type === "tier_changed") {
      const c = event.change;
      await sql`INSERT INTO tier_changes (shop, change_id, customer_id, seq, from_tier, to_tier, reason, basis, value, changed_at)
        VALUES (${event.shop}, ${c.id}, ${event.customer_id}, ${c.seq}, ${c.from}, ${c.to}, ${c.reason}, ${c.basis}, ${c.value}, ${c.at})`;
    }
  }
}

/** What chart.js holds for the chart named `name`: its labels and each dataset's numbers. */
async function chartSeries(app: Frame, name: string): Promise<{ labels: string[]; datasets: { label: string; data: number[] }[] }> {
  const canvas = app.getByRole("img", { name, exact: true });
  await expect.poll(() => canvas.getAttribute("data-series")).not.toBeNull();
  return JSON.parse((await canvas.getAttribute("data-series"))!);
}

/** The table beside a chart: its header cells and rows of cell texts. */
async function table(app: Frame, chart: string): Promise<{ headings: string[]; rows: string[][] }> {
  const t = app.getByRole("table", { name: `${chart}: the chart's numbers` });
  const headings = await t.locator("thead th").allTextContents();
  const rows = await t.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")));
  return { headings, rows };
}

/** Opens the screen and picks the period with its date fields, as a merchant does. */
async function showPeriod(from: string, to: string): Promise<Frame> {
  const app = await dash.goto("/analytics");
  await expect.poll(() => app.getByRole("img", { name: "Points by day", exact: true }).getAttribute("data-series")).not.toBeNull();
  await app.getByLabel("From", { exact: true }).fill(from);
  await app.getByLabel("To", { exact: true }).fill(to);
  await app.getByRole("button", { name: "Apply" }).click();
  await expect.poll(async () => (await chartSeries(app, "Points by day")).labels[0]).toBe(from);
  return app;
}

/** "1,240" → 1240, "33.3%" → 33.3, "-200" → -200. */
const num = (text: string) => Number(text.replace(/[^\d.-]/g, ""));

async function apiAnalytics(query: string) {
  const response = await fetch(`${dash.stack.url}/v1/api/analytics?${query}`, { headers: { authorization: `Bearer ${dash.sessionToken()}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { analytics: any }).analytics;
}

describe("Analytics screen", () => {
  it("draws each chart with the table's numbers, and both are the API's", async () => {
    const app = await showPeriod("2026-11-01", "2026-11-07");
    await expect.poll(() => app.getByRole("heading", { level: 1 }).textContent()).toBe("Analytics");
    const a = await apiAnalytics("from=2026-11-01&to=2026-11-07");
    // The ledger above, by hand: issued 200+50+200+80+1200+40, redeemed 150, expired 30, reversed 40.
    expect(a.points).toEqual({ issued: 1770, redeemed: 150, expired: 30, reversed: 40 });
    const dates = a.daily.map((d: { date: string }) => d.date);

    const points = await chartSeries(app, "Points by day");
    const pointsTable = await table(app, "Points by day");
    expect(points.labels).toEqual(dates);
    expect(pointsTable.rows.map((r) => r[0])).toEqual(dates);
    for (const [column, key, label] of [[1, "issued", "Points issued"], [2, "redeemed", "Points redeemed"], [3, "expired", "Points expired"], [4, "reversed", "Points reversed"]] as const) {
      const fromApi = a.daily.map((d: Record<string, number>) => d[key]);
      expect(points.datasets.find((d) => d.label === label)?.data, label).toEqual(fromApi);
      expect(pointsTable.rows.map((r) => num(r[column]!)), label).toEqual(fromApi);
    }
    expect(a.daily.find((d: { date: string }) => d.date === "2026-11-06")).toMatchObject({ issued: 1240, redeemed: 150 });

    const members = await chartSeries(app, "New members by day");
    const membersTable = await table(app, "New members by day");
    const newMembers = a.daily.map((d: { new_members: number }) => d.new_members);
    expect(members.labels).toEqual(dates);
    expect(members.datasets[0]!.data).toEqual(newMembers);
    expect(membersTable.rows.map((r) => num(r[1]!))).toEqual(newMembers);
    expect(newMembers.reduce((x: number, y: number) => x + y, 0)).toBe(2);

    const repeat = await chartSeries(app, "Repeat purchase rate");
    const repeatTable = await table(app, "Repeat purchase rate");
    expect(repeat.labels).toEqual(["Members", "Non-members"]);
    // 7001 redeemed and ordered twice; 7002 once, 7003 twice, neither redeemed.
    expect(a.repeat_purchase).toEqual({ members: { customers: 1, repeat_customers: 1, rate: 1 }, non_members: { customers: 2, repeat_customers: 1, rate: 0.5 } });
    expect(repeat.datasets[0]!.data).toEqual([100, 50]);
    expect(repeatTable.rows.map((r) => [r[0], num(r[1]!), num(r[2]!), num(r[3]!)])).toEqual([
      ["Members", 1, 1, 100],
      ["Non-members", 2, 1, 50],
    ]);

    const tiers = await chartSeries(app, "Customers by VIP tier");
    const tiersTable = await table(app, "Customers by VIP tier");
    const tierCustomers = a.tiers.map((t: { customers: number }) => t.customers);
    expect(tiers.datasets[0]!.data).toEqual(tierCustomers);
    expect(tiersTable.rows.map((r) => num(r[1]!))).toEqual(tierCustomers);
    expect(tiersTable.rows.map((r) => r[0])).toEqual(tiers.labels);
    expect(Object.fromEntries(tiersTable.rows.map((r) => [r[0], num(r[1]!)]))).toMatchObject({ Silver: 1, Gold: 1 });

    // The liability: the demo shop's default rewards value points at $5 per 500.
    const liability = app.getByRole("table", { name: "Outstanding points liability" });
    expect(a.liability).toMatchObject({ point_value: { amount: "5.00", points: 500 } });
    await expect.poll(() => liability.getByRole("row", { name: /Outstanding points liability/ }).textContent()).toContain(a.liability.amount);
    await dash.screenshot("analytics");
    expect(dash.errors).toEqual([]);
  });

  it("shows the API's refusal of a period beside the field, and keeps the figures of the last good one", async () => {
    const app = await showPeriod("2026-11-01", "2026-11-07");
    await app.getByLabel("From", { exact: true }).fill("2026-11-09");
    await app.getByRole("button", { name: "Apply" }).click();
    const to = app.getByLabel("To", { exact: true });
    await expect.poll(() => to.getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => app.getByText("from (2026-11-09) is after to (2026-11-07)").isVisible()).toBe(true);
    await dash.screenshot("analytics-bad-period");
  });

  it("applies a preset period and keeps it in the app's URL", async () => {
    const app = await showPeriod("2026-11-01", "2026-11-10");
    await app.getByLabel("Period").selectOption({ label: "Last 7 days" });
    const today = new Date().toISOString().slice(0, 10);
    await expect.poll(async () => (await chartSeries(app, "Points by day")).labels.at(-1)).toBe(today);
    expect((await chartSeries(app, "Points by day")).labels).toHaveLength(7);
    expect(new URL(app.url()).searchParams.get("to")).toBe(today);
    expect(await app.getByLabel("Period").inputValue()).toBe("7");
    // (The dev admin frame mirrors the app's path in its own URL, not its query, so a reload
    // of the admin page opens the default period: not tested here.)
  });
});
