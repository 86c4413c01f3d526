// The Home screen's setup guide as a merchant follows it, in the dev admin in front of the real
// Worker: steps marked done one by one, each leading to its screen, the progress still there
// after a reload (resumed at the first step not done), the guide hidden and shown again; the
// widget step completing by itself once the storefront has loaded the widget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyUrl, useCredentials } from "../helpers/shopify";
import { DEMO_SHOP, startDashboard, type Dashboard } from "./dashboard-harness";

const STOREFRONT_SHOP = "home-storefront-shop.myshopify.com";
let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "home", extraShops: [STOREFRONT_SHOP] });
  useCredentials({ apiKey: dash.apiKey, apiSecret: dash.apiSecret, origin: dash.stack.url });
});

afterAll(async () => {
  await dash?.close();
});

async function setupOf(shop: string) {
  const res = await fetch(`${dash.stack.url}/v1/api/settings`, { headers: { authorization: `Bearer ${dash.sessionToken(shop)}` } });
  return ((await res.json()) as { setup: { completed: string[]; dismissed: boolean } }).setup;
}

describe("home setup guide", () => {
  it("completes steps, leads to their screens and resumes after a reload", async () => {
    let app = dash.app;
    await expect.poll(() => app.getByRole("heading", { name: "Set up LoyalNest" }).count()).toBe(1);
    await expect.poll(() => dash.admin.title.textContent()).toBe("Home");
    // The demo shop is on Plus: the staff roles step is offered.
    expect(await app.getByText("0 of 6 steps done").count()).toBe(1);
    expect(await app.getByRole("checkbox", { name: "Give your staff roles" }).count()).toBe(1);
    // The first step is the open one.
    expect(await app.getByRole("button", { name: "Add the widget to your store" }).getAttribute("aria-expanded")).toBe("true");

    await app.getByRole("button", { name: "Mark as done" }).click();
    await expect.poll(() => app.getByText("1 of 6 steps done").count()).toBe(1);
    await expect.poll(() => dash.admin.toasts.getByText("Step done").count()).toBe(1);
    expect(await app.getByRole("checkbox", { name: "Add the widget to your store" }).getAttribute("aria-checked")).toBe("true");
    // Completing a step opens the next one.
    expect(await app.getByRole("button", { name: "Configure points" }).getAttribute("aria-expanded")).toBe("true");
    await app.getByRole("checkbox", { name: "Create rewards" }).click();
    await expect.poll(() => app.getByText("2 of 6 steps done").count()).toBe(1);
    expect(await setupOf(DEMO_SHOP)).toEqual({ completed: ["widget", "rewards"], dismissed: false });
    await dash.screenshot("home-guide");

    // The step's action leads to its screen.
    await app.getByRole("button", { name: "Open points program" }).click();
    await expect.poll(() => dash.admin.title.textContent()).toBe("Points program");

    // Back home, as after closing the tab: the progress and the open step come back.
    app = await dash.goto("/");
    await expect.poll(() => app.getByText("2 of 6 steps done").count()).toBe(1);
    expect(await app.getByRole("checkbox", { name: "Create rewards" }).getAttribute("aria-checked")).toBe("true");
    expect(await app.getByRole("button", { name: "Configure points" }).getAttribute("aria-expanded")).toBe("true");

    for (const step of ["Configure points", "Set up referrals", "Match your brand", "Give your staff roles"]) {
      await app.getByRole("checkbox", { name: step }).click();
      await expect.poll(() => app.getByRole("checkbox", { name: step }).getAttribute("aria-checked")).toBe("true");
    }
    await expect.poll(() => app.getByText("All set: your loyalty program is ready.").count()).toBe(1);
    expect(await app.getByRole("progressbar", { name: "Setup progress" }).getAttribute("aria-valuenow")).toBe("100");
    await dash.screenshot("home-all-done");

    await app.getByRole("button", { name: "Hide guide" }).click();
    await expect.poll(() => app.getByText("Setup guide hidden (6 of 6 steps done).").count()).toBe(1);
    app = await dash.reload();
    await expect.poll(() => app.getByRole("button", { name: "Show setup guide" }).count()).toBe(1);
    await app.getByRole("button", { name: "Show setup guide" }).click();
    await expect.poll(() => app.getByRole("heading", { name: "Set up LoyalNest" }).count()).toBe(1);
    expect(await app.getByText("6 of 6 steps done", { exact: true }).count()).toBe(1);
    expect(await setupOf(DEMO_SHOP)).toEqual({ completed: ["widget", "points", "rewards", "referrals", "branding", "staff"], dismissed: false });
    expect(dash.errors).toEqual([]);
  });

  it("completes the widget step by itself once the storefront has loaded the widget", async () => {
    await dash.installShop(STOREFRONT_SHOP);
    let tab = await dash.open("/", { shop: STOREFRONT_SHOP });
    const widgetStep = () => tab.app.getByRole("checkbox", { name: "Add the widget to your store" });
    await expect.poll(() => tab.app.getByText("Not seen on your store yet", { exact: false }).count()).toBe(1);
    expect(await widgetStep().getAttribute("aria-checked")).toBe("false");
    await tab.close();

    // A storefront page with the widget: its config call, through the App Proxy, signed by Shopify.
    const config = await fetch(await proxyUrl("/widget/config", { shop: STOREFRONT_SHOP, customerId: null }));
    expect(config.status).toBe(200);
    const seenAt = async () => {
      const res = await fetch(`${dash.stack.url}/v1/api/settings`, { headers: { authorization: `Bearer ${dash.sessionToken(STOREFRONT_SHOP)}` } });
      return ((await res.json()) as { widget_seen_at: string | null }).widget_seen_at;
    };
    await expect.poll(seenAt, { timeout: 20_000 }).not.toBeNull();

    tab = await dash.open("/", { shop: STOREFRONT_SHOP });
    // Counted done, without the merchant marking it: the next step is the open one.
    await expect.poll(() => tab.app.getByText(/^1 of \d steps done$/).count()).toBe(1);
    expect(await widgetStep().getAttribute("aria-checked")).toBe("true");
    expect(await widgetStep().isDisabled()).toBe(true);
    expect(await tab.app.getByRole("button", { name: "Configure points" }).getAttribute("aria-expanded")).toBe("true");
    // Opened, the step says when the widget last loaded, and offers no "mark" button.
    await tab.app.getByRole("button", { name: "Add the widget to your store" }).click();
    await expect.poll(() => tab.app.getByText("Live on your store: the widget last loaded on", { exact: false }).count()).toBe(1);
    expect(await tab.app.getByRole("button", { name: /^Mark as (not )?done$/ }).count()).toBe(0);
    expect(await setupOf(STOREFRONT_SHOP)).toEqual({ completed: [], dismissed: false });
    await tab.screenshot("home-widget-live");
    expect(tab.errors).toEqual([]);
    await tab.close();
  });
});
