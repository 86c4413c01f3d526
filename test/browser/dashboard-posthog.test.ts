// The shop's own PostHog in the dashboard, in the dev admin in front of the real Worker: with it
// off (the default), posthog-js is never fetched and nothing reaches PostHog; turned on in the
// store settings, analytics.js loads once and the screens viewed and a save reach the shop's
// project (its key, the staff member's keyed hash), named by route pattern, with no session
// token, query or record id of the app's address in them. Every request to PostHog's host (in
// dev, the providers' stand-in) is answered here and recorded with its events.
import { gunzipSync } from "node:zlib";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type Dashboard } from "./dashboard-harness";

const KEY = "phc_LoyalnestDashboardTest0123456789abcdefgh";
// posthog-js drops events from browsers that look automated (HeadlessChrome, navigator.webdriver):
// these tabs pass for a merchant's Chrome.
const MERCHANT_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
/** posthog-js sends its queue every few seconds. */
const SENT = { timeout: 20_000 };

type Capture = { event: string; distinct_id?: string; properties: Record<string, unknown> };
type Settings = { version: number; posthog: { api_key: string; host: string; distinct_id: string | null } | null };

let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "posthog" });
});

afterAll(async () => {
  await dash?.close();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${dash.stack.url}/v1/api${path}`, {
    method,
    headers: { authorization: `Bearer ${dash.sessionToken()}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The events in a posthog-js request: JSON, gzipped JSON or base64 form data. */
function capturedEvents(body: Buffer | null): Capture[] {
  if (!body || body.length === 0) return [];
  const gzipped = body[0] === 0x1f && body[1] === 0x8b;
  let text = (gzipped ? gunzipSync(body) : body).toString("utf8");
  if (text.startsWith("data=")) text = Buffer.from(decodeURIComponent(text.slice(5)), "base64").toString("utf8");
  const parsed = JSON.parse(text) as Capture | Capture[] | { batch: Capture[] };
  return Array.isArray(parsed) ? parsed : "batch" in parsed ? parsed.batch : [parsed];
}

/** A tab's record of analytics.js fetches and of every request to `host`, answered as PostHog does. */
function recorder(host: string) {
  const seen = { scripts: [] as string[], posthog: [] as string[], captures: [] as Capture[] };
  const beforeLoad = async (context: BrowserContext) => {
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "webdriver", { get: () => false }));
    context.on("request", (request) => {
      if (new URL(request.url()).pathname === "/analytics.js") seen.scripts.push(request.url());
    });
    await context.route(`${host}/**`, async (route) => {
      seen.posthog.push(route.request().url());
      seen.captures.push(...capturedEvents(route.request().postDataBuffer()));
      await route.fulfill({ status: 200, contentType: "application/json", body: '{"status":1}' });
    });
  };
  return { seen, beforeLoad };
}

const ours = (captures: Capture[]) => captures.filter((capture) => capture.event.startsWith("loyalnest_dashboard_"));

describe("the dashboard's PostHog", () => {
  it("is off by default: posthog-js is never fetched and nothing reaches PostHog", async () => {
    const before = await api<Settings>("GET", "/settings");
    expect(before.body.posthog).toBeNull();
    const { seen, beforeLoad } = recorder(dash.stack.standins.url);
    const tab = await dash.open("/customers", { userAgent: MERCHANT_CHROME, beforeLoad });
    await expect.poll(() => tab.admin.title.textContent()).toBe("Customers");
    await tab.admin.nav.getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => tab.admin.title.textContent()).toBe("Rewards");
    await tab.page.waitForTimeout(3_000); // longer than posthog-js waits before sending its queue
    expect(seen.scripts).toEqual([]);
    expect(seen.posthog).toEqual([]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it("turned on, sends the screens viewed and a save to the shop's project, without the app's addresses", async () => {
    const on = await api<Settings>("PUT", "/settings", { analytics: { posthog_enabled: true, posthog_project_api_key: KEY } });
    expect(on.status).toBe(200);
    const { posthog } = (await api<Settings>("GET", "/settings")).body;
    expect(posthog).toMatchObject({ api_key: KEY, distinct_id: expect.stringMatching(/^ln_staff_[0-9a-f]{32}$/) });

    const { seen, beforeLoad } = recorder(posthog!.host);
    const tab = await dash.open("/customers", { userAgent: MERCHANT_CHROME, beforeLoad });
    await expect.poll(() => tab.admin.title.textContent()).toBe("Customers");
    await tab.admin.nav.getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => tab.app.getByLabel("Store name").count()).toBe(1);
    await tab.app.getByLabel("Store name").fill("PostHog Nest");
    await tab.admin.saveBar.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => tab.admin.toasts.getByText("Saved").count()).toBe(1);

    await expect.poll(() => ours(seen.captures).map((c) => [c.event, c.properties.screen]), SENT).toEqual([
      ["loyalnest_dashboard_viewed", "/customers"],
      ["loyalnest_dashboard_viewed", "/settings"],
      ["loyalnest_dashboard_saved", "/settings"],
    ]);
    expect(seen.scripts, "posthog-js loaded once, from beside the app").toHaveLength(1);
    for (const capture of ours(seen.captures)) {
      expect(capture.properties.token, "the shop's project key").toBe(KEY);
      expect(capture.properties.distinct_id ?? capture.distinct_id, "the staff member's keyed hash").toBe(posthog!.distinct_id);
    }
    const sent = JSON.stringify(seen.captures);
    // Shopify's first load carries the session token, the shop and the host in the app's query.
    expect(sent, "no query of the app's address").not.toMatch(/id_token|[?&]shop=|[?&]host=|embedded=/);
    expect(sent, "no store name typed").not.toContain("PostHog Nest");
    expect(String(ours(seen.captures)[0]!.properties.$current_url)).not.toContain("?");
    expect(seen.posthog.every((url) => !url.includes("/decide") && !url.includes("/flags")), "no feature flags asked for").toBe(true);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });
});
