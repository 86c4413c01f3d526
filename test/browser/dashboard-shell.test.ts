// The dashboard's shell as a merchant meets it: inside the (dev) admin, its screens in the admin's
// side nav and its titles in the admin's title bar, the admin's URL following the app; opened
// anywhere else, a message saying where to open it instead of a blank or broken page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { DEMO_SHOP, SCREENSHOTS, startDashboard, type Dashboard } from "./dashboard-harness";

let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "shell" });
});

afterAll(async () => {
  await dash?.close();
});

describe("dashboard shell", () => {
  it("lists its screens in the admin's nav and titles each in the admin's title bar", async () => {
    const nav = dash.admin.nav;
    await expect.poll(() => nav.getByRole("link", { name: "Settings" }).count()).toBe(1);
    for (const name of ["Points program", "Rewards", "Customers", "Analytics", "Exports", "Developer toolkit"]) {
      expect(await nav.getByRole("link", { name }).count(), name).toBe(1);
    }
    await nav.getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => dash.admin.title.textContent()).toBe("Rewards");
    await expect.poll(() => dash.app.getByRole("heading", { level: 1 }).textContent()).toBe("Rewards");
    await expect.poll(() => new URL(dash.page.url()).pathname).toBe(`/store/${DEMO_SHOP.replace(/\.myshopify\.com$/, "")}/apps/loyalnest/rewards`);
    expect(await nav.getByRole("link", { name: "Rewards" }).getAttribute("aria-current")).toBe("page");

    const app = await dash.reload();
    await expect.poll(() => app.getByRole("heading", { level: 1 }).textContent()).toBe("Rewards");
    await dash.screenshot("shell-rewards");
    expect(dash.errors).toEqual([]);
  });

  it("says to open it from Shopify admin when opened anywhere else, and asks the API nothing", async () => {
    const context = await dash.browser.newContext();
    const page = await context.newPage();
    const apiCalls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/v1/")) apiCalls.push(request.url());
    });
    await page.goto(`${dash.frame.appUrl}/settings?shop=${DEMO_SHOP}`);
    await expect.poll(() => page.getByText("Open LoyalNest from Shopify admin").isVisible()).toBe(true);
    expect(await page.getByText("Apps › LoyalNest").isVisible()).toBe(true);
    expect(apiCalls).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-outside-admin.png") });
    await context.close();
  });
});
