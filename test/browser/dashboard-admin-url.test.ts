// The dev admin frame keeps the app's query in the admin's URL, as Shopify admin does
// (admin.shopify.com/store/<store>/apps/<app>/customers?search=…): a reload of the admin page
// opens the same screen with the same search, filters or period, and the dev admin's own
// parameters (staff user, admin language) stay on it. Searches terms of its own, so it passes
// whatever customers the shop has.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDashboard, type Dashboard } from "./dashboard-harness";

let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "admin_url", path: "/customers" });
});

afterAll(async () => {
  await dash?.close();
});

it("keeps a customer search through a reload of the admin page, in the admin's URL beside its own parameters", async () => {
  const term = `nobody-${Date.now()}@example.com`;
  const tab = await dash.open("/customers", { locale: "es", user: "7" });
  try {
    let app = tab.app;
    const search = app.getByRole("searchbox");
    await search.fill(term);
    await search.press("Enter");
    await expect.poll(() => app.getByText(term, { exact: false }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => new URL(tab.page.url()).searchParams.get("search")).toBe(term);
    const admin = new URL(tab.page.url());
    expect(admin.pathname).toMatch(/\/apps\/[^/]+\/customers$/);
    expect(admin.searchParams.get("locale")).toBe("es");
    expect(admin.searchParams.get("user")).toBe("7");
    // Shopify's own parameters are the frame's to add, not the admin URL's.
    for (const name of ["embedded", "host", "shop"]) expect(admin.searchParams.has(name)).toBe(false);

    app = await tab.reload();
    await expect.poll(() => app.getByRole("searchbox").inputValue(), { timeout: 15_000 }).toBe(term);
    const appUrl = new URL(app.url());
    expect(appUrl.searchParams.get("search")).toBe(term);
    expect(appUrl.searchParams.get("locale")).toBe("es");
    expect(appUrl.searchParams.get("embedded")).toBe("1");
    // Still in Spanish, still staff user 7's session: the admin's parameters were not handed to the app as its own.
    expect(appUrl.searchParams.has("user")).toBe(false);
    await expect.poll(() => app.locator("html").getAttribute("lang")).toBe("es");

    // Clearing the search takes it off the admin's URL too.
    await app.getByRole("searchbox").fill("");
    await app.getByRole("searchbox").press("Enter");
    await expect.poll(() => new URL(tab.page.url()).searchParams.has("search")).toBe(false);
  } finally {
    await tab.close();
  }
});

it("opens an admin URL with a query on that query (a period on analytics), as a bookmarked admin page would", async () => {
  const app = await dash.goto("/analytics?from=2026-01-01&to=2026-01-31");
  await expect.poll(() => app.getByLabel("From", { exact: true }).inputValue(), { timeout: 15_000 }).toBe("2026-01-01");
  await expect.poll(() => app.getByLabel("To", { exact: true }).inputValue()).toBe("2026-01-31");
  expect(new URL(dash.page.url()).searchParams.get("from")).toBe("2026-01-01");
});
