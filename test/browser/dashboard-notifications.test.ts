// The notifications screen as a merchant uses it, in the dev admin frame against the whole dev
// stack: a template previewed from unsaved wording (rendered by the API with sample values) for
// email and for a text message, a wording the API refuses shown under its field, and a save that
// survives a reload and is what the API then holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type Dashboard } from "./dashboard-harness";

let dash: Dashboard;

/**
 * The page's errors but the refusals these tests provoke: Chromium logs every 400 answer as a
 * console error, and the screen shows each one to the merchant (asserted where it happens).
 */
const unexpectedErrors = () => dash.errors.filter((error) => !error.includes("responded with a status of 400 (Bad Request)"));

beforeAll(async () => {
  dash = await startDashboard({ name: "notifications", path: "/notifications" });
});

afterAll(async () => {
  await dash?.close();
});

async function templates(): Promise<Record<string, any>> {
  const response = await fetch(`${dash.stack.url}/v1/api/notifications/templates`, { headers: { authorization: `Bearer ${dash.sessionToken()}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

describe("notifications", () => {
  it("previews unsaved wording for email and for a text message, with the sample values filled in", async () => {
    const app = dash.app;
    const subject = app.getByLabel("Email subject (English)");
    await expect.poll(() => subject.isVisible()).toBe(true);
    expect(await app.getByRole("combobox", { name: "Notification" }).inputValue()).toBe("points_earned");
    await subject.fill("{{points}} bonus points for you");

    await app.getByRole("button", { name: "Preview", exact: true }).click();
    const rendered = app.locator("[data-preview=subject]");
    await expect.poll(() => rendered.textContent()).toBe("150 bonus points for you");
    // The email's body is the API's HTML, shown in a sandboxed frame.
    const email = app.frameLocator('iframe[title="Email preview"]');
    await expect.poll(() => email.locator("body").textContent()).toContain("150");

    await app.getByLabel("Text message and WhatsApp (English)").fill("You have {{points_balance}} points now");
    await app.getByRole("combobox", { name: "Channel" }).selectOption("sms");
    await app.getByRole("button", { name: "Preview", exact: true }).click();
    await expect.poll(() => app.getByLabel("Message preview").textContent()).toBe("You have 1,250 points now");
    await expect.poll(() => app.getByText("1 part (GSM-7").isVisible()).toBe(true);
    // Nothing saved by previewing.
    expect((await templates()).types[0].templates.en.is_default).toEqual({ subject: true, body: true, sms: true });
    await dash.screenshot("notifications-preview");
  });

  it("shows a wording the API refuses under its field, then saves the fixed wording for good", async () => {
    const app = dash.app;
    const subject = app.getByLabel("Email subject (English)");
    await subject.fill("Your {{coupon}} is here");
    await app.getByRole("combobox", { name: "Channel" }).selectOption("email");
    await app.getByRole("button", { name: "Preview", exact: true }).click();
    await expect.poll(() => subject.getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => app.getByRole("alert").filter({ hasText: "{{coupon}}" }).first().isVisible()).toBe(true);

    // Saving it is refused too, under the same field, and nothing changes.
    await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => dash.admin.toasts.getByText(/^Not saved: .*coupon/).isVisible()).toBe(true);
    expect((await templates()).types[0].version).toBe(0);

    await subject.fill("{{points}} bonus points for you");
    await expect.poll(() => subject.getAttribute("aria-invalid")).toBe(null);
    await dash.admin.saveBar.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => dash.admin.toasts.getByText("Saved").isVisible()).toBe(true);
    await expect.poll(() => dash.admin.saveBar.isVisible()).toBe(false);

    const saved = (await templates()).types[0];
    expect(saved.version).toBe(1);
    expect(saved.templates.en).toMatchObject({ subject: "{{points}} bonus points for you", sms: "You have {{points_balance}} points now" });
    expect(saved.templates.en.is_default).toEqual({ subject: false, body: true, sms: false });

    const reloaded = await dash.reload();
    await expect.poll(() => reloaded.getByLabel("Email subject (English)").inputValue()).toBe("{{points}} bonus points for you");
    expect(unexpectedErrors()).toEqual([]);
  });
});
