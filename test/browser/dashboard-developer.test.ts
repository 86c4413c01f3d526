// The developer toolkit as a merchant's developer uses it, in the dev admin frame against the
// whole dev stack and its Shopify emulator: the metafields the app writes, and a connectivity
// test that reaches the shop's installation and reports the widget settings Shopify holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type Dashboard } from "./dashboard-harness";

let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "developer", path: "/developer" });
});

afterAll(async () => {
  await dash?.close();
});

describe("developer toolkit", () => {
  it("lists the app's metafields and tests the connection to the shop", async () => {
    const app = dash.app;
    const table = app.getByRole("table", { name: "Metafields" });
    await expect.poll(() => table.isVisible()).toBe(true);
    for (const key of ["$app.widget_settings", "$app:loyalnest.function-configuration", "$app:loyalnest.vip-tier"]) {
      expect(await table.getByText(key, { exact: true }).count(), key).toBe(1);
    }

    // A settings save publishes the widget settings (through the jobs queue); the test then finds them in step.
    const saved = await fetch(`${dash.stack.url}/v1/api/settings`, {
      method: "PUT",
      headers: { authorization: `Bearer ${dash.sessionToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ branding: { launcher_label: { en: "Club" } } }),
    });
    expect(saved.status).toBe(200);

    await expect
      .poll(
        async () => {
          await app.getByRole("button", { name: "Test connection" }).click();
          await app.getByText("LoyalNest reached your store").waitFor();
          return app.getByText("Up to date").isVisible();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(true);
    expect(await app.getByText(/^App installation: gid:\/\/shopify\/AppInstallation\/\d+$/).isVisible()).toBe(true);
    expect(await app.getByLabel("The value your theme reads now").textContent()).toContain('"Club"');
    await dash.screenshot("developer-connectivity");
    expect(dash.errors).toEqual([]);
  });
});
