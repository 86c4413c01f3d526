// The Exports screen as a merchant uses it: start a customers export, watch its progress bar
// while the job runs, download the file through the link, and find every customer in it, emails
// opened and formulas neutralised; a bad date is refused beside its field.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { seedCustomers, seededCustomerId, seededEmail } from "../../bench/export.mjs";
import { DEMO_SHOP, startDashboard, type Dashboard } from "./dashboard-harness";

// Enough rows that the job takes a few polls: the bar is seen moving, not only full.
const SEEDED = 30_000;

let dash: Dashboard;
let sql: postgres.Sql;

beforeAll(async () => {
  dash = await startDashboard({ name: "exports", path: "/exports" });
  const pgUrl = dash.databaseUrl;
  sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await seedCustomers({ pgUrl, shop: DEMO_SHOP, count: SEEDED, encryptionKey: readDevVars().ENCRYPTION_KEY });
  // No exports but this file's (the run's database is made afresh, and the shop is the file's
  // own), and the screen, opened before the customers were seeded, loaded again.
  await sql`DELETE FROM exports WHERE shop = ${DEMO_SHOP}`;
  await dash.reload();
});

afterAll(async () => {
  await sql?.end();
  await dash?.close();
});

describe("exports screen", () => {
  it("refuses a range that ends before it starts, beside the To field, and starts nothing", async () => {
    const app = dash.app;
    await app.getByLabel("What to export").selectOption("ledger");
    await app.getByLabel("From", { exact: true }).fill("2026-05-02");
    await app.getByLabel("To", { exact: true }).fill("2026-05-01");
    await app.getByRole("button", { name: "Export", exact: true }).click();
    const to = app.getByLabel("To", { exact: true });
    await expect.poll(() => to.getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => app.getByText("to must be on or after from").isVisible()).toBe(true);
    expect(await app.getByText("No exports yet").isVisible()).toBe(true);
    // The browser logs the refused request; nothing else went wrong.
    expect(dash.errors).toEqual([expect.stringMatching(/status of 400 .*\/v1\/api\/exports\)$/)]);
    dash.errors.length = 0;
  });

  it("exports customers with a moving progress bar, and the link downloads every customer", async () => {
    const app = dash.app;
    // Every value the bar takes, recorded in the page as it changes (polling from here could miss them).
    await app.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        for (const bar of Array.from(document.querySelectorAll('[role="progressbar"]'))) {
          const value = bar.getAttribute("aria-valuenow")!;
          if (seen.at(-1) !== value) seen.push(value);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"] });
    });
    await app.getByLabel("What to export").selectOption("customers");
    await app.getByRole("button", { name: "Export", exact: true }).click();
    await expect.poll(() => dash.admin.toasts.getByText("Customers export started").count()).toBe(1);
    const link = app.getByRole("link", { name: "Download Customers CSV" });
    await expect.poll(() => link.count(), { timeout: 60_000 }).toBe(1);
    const seen = await app.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    // The bar was there while it ran, and only ever moved forward.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b));
    console.log(`progress bar values seen: ${seen.join(", ")}`);
    expect(await app.getByRole("progressbar").count()).toBe(0);
    await expect.poll(() => app.getByText(/link expires/).count()).toBe(1);
    await dash.screenshot("exports-done");

    const [download] = await Promise.all([dash.page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^loyalnest-customers-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv$/);
    // The run's Chromium is shared over a connection, which has no local path: the file is copied out.
    const saved = join(mkdtempSync(join(tmpdir(), "loyalnest-export-")), download.suggestedFilename());
    await download.saveAs(saved);
    const text = readFileSync(saved, "utf8");
    rmSync(dirname(saved), { recursive: true, force: true });
    const lines = text.split("\r\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe("customer_id,email,first_name,last_name,points_balance,total_points_earned,total_points_redeemed,total_points_reversed,created_at");
    const [{ n }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM customers WHERE shop = ${DEMO_SHOP} AND customer_id NOT LIKE 'redacted-%'`;
    expect(lines.length - 1).toBe(n);
    const byId = new Map(lines.slice(1).map((line) => [line.split(",")[0], line.split(",")]));
    for (const i of [1, 3, 2_222, SEEDED]) {
      const row = byId.get(seededCustomerId(i))!;
      expect(row[1]).toBe(seededEmail(i));
      expect(row[2]).toBe(["Ada", "Grace", "Alan", "'=Linus", "Edsger"][i % 5]);
    }
    expect(dash.errors).toEqual([]);
  });

  it("shows the finished export again after a reload, with a fresh link", async () => {
    const app = await dash.reload();
    await expect.poll(() => app.getByRole("link", { name: "Download Customers CSV" }).count()).toBe(1);
    const href = await app.getByRole("link", { name: "Download Customers CSV" }).getAttribute("href");
    expect((await fetch(href!)).status).toBe(200);
    const altered = href!.replace(/token=(.)/, (_, c) => `token=${c === "A" ? "B" : "A"}`);
    expect((await fetch(altered)).status).toBe(403);
  });

  it("shows an export past its retention as expired, with no link", async () => {
    // What the sweeper does after the retention (queues/export-lifecycle.ts), done here at once.
    await sql`UPDATE exports SET status = 'expired', expired_at = now() WHERE shop = ${DEMO_SHOP} AND kind = 'customers' AND status = 'done'`;
    const app = await dash.reload();
    await expect.poll(() => app.getByText("Expired", { exact: true }).count()).toBeGreaterThan(0);
    await expect.poll(() => app.getByText(/^The file was deleted on .+, as every export is after 7 days\./).count()).toBeGreaterThan(0);
    expect(await app.getByRole("link", { name: "Download Customers CSV" }).count()).toBe(0);
  });
});
