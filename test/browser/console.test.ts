// The admin console as platform staff use it: the built console (dashboard/console-assets/console),
// served by the real Worker from its static assets behind its Access check, as in production, with
// the dev console server (scripts/console-server.mjs) playing Cloudflare Access in front (a session
// token the Access stand-in signs, put in the header Access adds), over real Postgres, in Chromium. A superadmin finds the demo shop,
// adjusts a customer's points and changes the shop's plan, and each action is then in the audit
// log (read through GET /admin/logs); the last superadmin cannot remove themself; an analytics
// admin added on the users screen sees no adjust or plan button and a clear 403 on admin users;
// when the Access session expires, the console says so and comes through Access again by itself,
// with what the admin had typed still in its form, applied once when sent.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import { chromium } from "playwright-core";
import { startConsoleServer, DEV_ADMIN_EMAIL } from "../../scripts/console-server.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { customerBody, useCredentials, webhookRequest } from "../helpers/shopify";
import { CHROMIUM_ARGS, DEMO_SHOP, SCREENSHOTS, startDashboard, type Dashboard } from "./dashboard-harness";
import locales from "../../dashboard/src/locales/console";
import { buildDashboard, CONSOLE_DIST } from "../../dashboard/build.mjs";

const NAME = "console";
const CUSTOMER = { id: "7300000001", email: "console.customer@example.com", firstName: "Cora", lastName: "Console" };
const ANALYST = { username: "ana.lytics", email: "ana@loyalnest.dev" };

type ConsoleServer = Awaited<ReturnType<typeof startConsoleServer>>;
let dash: Dashboard;
let superServer: ConsoleServer;
let analystServer: ConsoleServer | undefined;
let expiringServer: ConsoleServer | undefined;
let brokenServer: ConsoleServer | undefined;
let draftServer: ConsoleServer | undefined;
// Content-Security-Policy refusals the console's page reports (its CSP must not break it).
const cspViolations: string[] = [];
let browser: Browser;
let page: Page;

const settled = <T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) => expect.poll(read, { timeout: 20_000, interval: 150, ...options });

/** GET /admin/... as the superadmin, straight to the Worker with an Access token (not through the console). */
async function adminGet<T>(path: string): Promise<T> {
  const token = await (await fetch(`${dash.stack.access.url}/__access/token?email=${DEV_ADMIN_EMAIL}`)).text();
  const response = await fetch(`${dash.stack.url}/admin${path}`, { headers: { "cf-access-jwt-assertion": token } });
  if (response.status !== 200) throw new Error(`GET /admin${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function auditEntries(action: string): Promise<Record<string, unknown>[]> {
  const body = await adminGet<{ entries: Record<string, unknown>[] }>(`/logs?type=audit&shop=${DEMO_SHOP}&action=${action}`);
  return body.entries;
}

beforeAll(async () => {
  // The harness rebuilds the dashboard when its sources changed; the console's folder can be
  // missing on its own (a checkout built before the console moved there).
  if (!existsSync(resolve(CONSOLE_DIST, "index.html"))) await buildDashboard({ apiKey: "" });
  dash = await startDashboard({ name: NAME });
  useCredentials({ apiKey: dash.apiKey, apiSecret: dash.apiSecret, origin: dash.stack.url });
  const created = await fetch(await webhookRequest("customers/create", DEMO_SHOP, customerBody(CUSTOMER)));
  if (created.status !== 200) throw new Error(`customers/create: ${created.status} ${await created.text()}`);
  superServer = await startConsoleServer({ port: 0, workerOrigin: dash.stack.url, accessOrigin: dash.stack.access.url });
  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" })).newPage();
  page.on("console", (message) => {
    if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await analystServer?.close();
  await expiringServer?.close();
  await brokenServer?.close();
  await draftServer?.close();
  await superServer?.close();
  await dash?.close();
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !page) return;
  await page.screenshot({ path: `${SCREENSHOTS}/console-failed-${context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`, fullPage: true }).catch(() => {});
  console.error(`--- console text at failure:\n${await page.locator("body").innerText().catch(() => "")}`);
});

describe("the admin console", () => {
  it("has the same string keys in en, es and fr", () => {
    const keys = (lang: "en" | "es" | "fr") => Object.keys(locales[lang]).sort();
    expect(keys("es")).toEqual(keys("en"));
    expect(keys("fr")).toEqual(keys("en"));
  });

  it("a superadmin finds a merchant, adjusts a customer's points and changes the plan; each is in the audit log", async () => {
    await page.goto(`${superServer.url}/console/`);
    await settled(() => page.getByText(`Signed in as ${DEV_ADMIN_EMAIL} (Superadmin)`).count()).toBe(1);
    // The overview's numbers and its trend table.
    // The browser tests share one stack, a shop per file: the count is the Worker's, not 1.
    const installed = (await adminGet<{ merchants: { installed: number } }>("/overview")).merchants.installed;
    expect(installed).toBeGreaterThanOrEqual(1);
    await settled(() => page.locator('[data-number="merchants_installed"]').innerText()).toBe(installed.toLocaleString("en-US"));

    await page.getByRole("link", { name: "Merchants" }).click();
    await page.getByRole("searchbox", { name: "Search by shop domain" }).fill(DEMO_SHOP.split(".")[0]!);
    await page.getByRole("button", { name: "Search by shop domain" }).click();
    await page.getByRole("link", { name: DEMO_SHOP }).click();
    await settled(() => page.locator('[data-field="plan"]').count()).toBe(1);
    const before = /\((\w+)\)$/.exec(await page.locator('[data-field="plan"]').innerText())![1]!;
    const target = before === "growth" ? "pro" : "growth";

    // A wrong customer id: the refusal beside the field, nothing applied.
    await page.getByLabel("Customer id").fill("7399999999");
    await page.getByLabel("Points (negative to remove)").fill("250");
    await page.getByLabel("Reason").first().fill("goodwill after a late delivery");
    await page.getByRole("button", { name: "Adjust points" }).click();
    await settled(() => page.getByRole("alert").filter({ hasText: "no customer 7399999999" }).count()).toBe(1);

    // The real customer (once the projection has them: the route looks their profile up there).
    await page.getByLabel("Customer id").fill(CUSTOMER.id);
    const applied = page.getByText(/^250 points applied; balance [\d,]+\.$/);
    for (const deadline = Date.now() + 40_000; ; ) {
      await page.getByRole("button", { name: "Adjust points" }).click();
      await settled(async () => (await applied.count()) + (await page.getByRole("alert").count())).toBeGreaterThan(0);
      if ((await applied.count()) === 1) break;
      expect(await page.getByRole("alert").innerText()).toContain(`no customer ${CUSTOMER.id}`);
      if (Date.now() > deadline) throw new Error("the customer never reached the projection");
      await page.waitForTimeout(1000);
    }
    // The form starts afresh (a new Idempotency-Key for the next adjustment).
    expect(await page.getByLabel("Customer id").inputValue()).toBe("");

    // A reason left out: the server's 400 beside the Reason field.
    await page.getByLabel("Customer id").fill(CUSTOMER.id);
    await page.getByLabel("Points (negative to remove)").fill("5");
    await page.getByRole("button", { name: "Adjust points" }).click();
    await settled(() => page.getByRole("alert").filter({ hasText: "say why" }).count()).toBe(1);
    expect(await page.getByLabel("Reason").first().getAttribute("aria-invalid")).toBe("true");
    // Submitted twice at once (a double click that beats the button's loading state): one
    // Idempotency-Key, so one adjustment.
    await page.getByLabel("Reason").first().fill("second goodwill");
    await page.getByLabel("Customer id").locator("xpath=ancestor::form").evaluate((form: HTMLFormElement) => {
      form.requestSubmit();
      form.requestSubmit();
    });
    await settled(() => page.getByText(/^5 points applied; balance [\d,]+\.$/).count()).toBe(1);

    // The picker offers the server's catalogue (GET /admin/plans), nothing hard-coded.
    const catalogue = await adminGet<{ plans: { id: string; name: string }[] }>("/plans");
    await settled(() => page.getByLabel("Plan").locator("option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(catalogue.plans.map((p) => p.id));
    expect(await page.getByLabel("Plan").locator("option").first().innerText()).toContain(catalogue.plans[0]!.name);
    await page.getByLabel("Plan").selectOption(target);
    await page.locator('input[name="plan_reason"]').fill("upgrade agreed with the merchant");
    await page.getByRole("button", { name: "Change plan" }).click();
    await settled(() => page.getByText(`Plan changed from ${before} to ${target}.`).count()).toBe(1);
    await settled(() => page.locator('[data-field="plan"]').innerText()).toContain(`(${target})`);

    await page.screenshot({ path: `${SCREENSHOTS}/console-merchant.png`, fullPage: true });

    // Both actions in the audit log, by this admin.
    const me = await adminGet<{ id: string }>("/me");
    const adjust = await settled(async () => (await auditEntries("points.adjust")).length, { timeout: 40_000 }).toBe(2).then(() => auditEntries("points.adjust"));
    expect(adjust.map((e) => (e.after as { points?: number } | null)?.points).sort()).toEqual([250, 5]);
    expect(adjust[1]).toMatchObject({ actor_type: "admin", actor_id: me.id, subject_type: "customer", subject_id: CUSTOMER.id });
    const plan = await settled(async () => (await auditEntries("plan.change")).length, { timeout: 40_000 }).toBe(1).then(() => auditEntries("plan.change"));
    expect(plan[0]).toMatchObject({ actor_type: "admin", actor_id: me.id, before: { plan: before }, after: { plan: target } });

    // And on the console's logs screen.
    await page.getByRole("link", { name: "Logs" }).click();
    await page.getByLabel("Action").fill("plan.change");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await settled(() => page.getByRole("cell", { name: "plan.change" }).count()).toBe(1);
    await page.getByRole("link", { name: "Overview" }).click();
    await settled(() => page.locator("canvas[data-series]").count()).toBe(1);
    // The chart holds the numbers its table shows (the issued column counts the two adjustments).
    const series = JSON.parse((await page.locator("canvas[data-series]").getAttribute("data-series"))!) as { labels: string[]; datasets: { data: number[] }[] };
    const table = page.getByRole("table", { name: "Points per day" });
    const rows = await table.locator("tbody tr").allInnerTexts();
    expect(rows.map((r) => r.split("\t")[0])).toEqual(series.labels);
    expect(rows.map((r) => Number(r.split("\t")[1]!.replace(/,/g, "")))).toEqual(series.datasets[0]!.data);
    expect(series.datasets[0]!.data.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(255);
    await page.screenshot({ path: `${SCREENSHOTS}/console-overview.png`, fullPage: true });
    expect(cspViolations).toEqual([]);
  }, 180_000);

  it("the Worker serves the console's page only behind Access, unframeable and uncached", async () => {
    // Straight to the Worker, with no Access header: the JSON refusal, no HTML.
    for (const path of ["/console/", `/console/merchants/${DEMO_SHOP}`, "/console/console.js"]) {
      const refused = await fetch(`${dash.stack.url}${path}`, { redirect: "manual" });
      expect(refused.status, path).toBe(401);
      const body = await refused.text();
      expect(body, path).not.toContain("<html");
      expect(JSON.parse(body).error.code, path).toBe("missing_access_token");
    }
    // Through Access (the console server): a deep link answers the page, with its headers.
    const response = await page.goto(`${superServer.url}/console/merchants/${DEMO_SHOP}`);
    expect(response!.status()).toBe(200);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["cache-control"]).toBe("no-store");
    await settled(() => page.locator('[data-field="plan"]').count()).toBe(1);
    expect(cspViolations).toEqual([]);
  }, 60_000);

  it("when the Access session expires, the console says so and signs in again through Access", async () => {
    expiringServer = await startConsoleServer({ port: 0, workerOrigin: dash.stack.url, accessOrigin: dash.stack.access.url });
    await page.goto(`${expiringServer.url}/console/`);
    await settled(() => page.getByText(`Signed in as ${DEV_ADMIN_EMAIL} (Superadmin)`).count()).toBe(1);
    expect(expiringServer.signIns()).toBe(1);

    await expiringServer.expireSession();
    // The next /admin call meets the Worker's 401 token_expired.
    // A full page load (a client-side route change fires no load event).
    const reloaded = page.waitForEvent("load", { timeout: 20_000 });
    // The message shows for a moment before the reload: watched from before the click, in the page.
    const told = page
      .getByRole("alert")
      .filter({ hasText: "Your Cloudflare Access sign-in has expired (token_expired)." })
      .filter({ hasText: "Taking you through Access again…" })
      .waitFor({ state: "visible", timeout: 20_000 });
    await page.getByRole("link", { name: "Merchants" }).click();
    await told;
    // Then the page loads again through Access, which signs in afresh, on the same screen.
    await reloaded;
    await settled(() => expiringServer!.signIns()).toBe(2);
    expect(new URL(page.url()).pathname).toBe("/console/merchants");
    await settled(() => page.getByRole("searchbox", { name: "Search by shop domain" }).count()).toBe(1);
    await settled(() => page.getByText(`Signed in as ${DEV_ADMIN_EMAIL} (Superadmin)`).count()).toBe(1);
    expect(await page.getByRole("alert").filter({ hasText: "expired" }).count()).toBe(0);
  }, 60_000);

  it("an Access that keeps refusing /admin gets one reload, then a button, not a reload loop", async () => {
    // An Access application over /console only (the README says both): /admin calls come without the header.
    brokenServer = await startConsoleServer({ port: 0, workerOrigin: dash.stack.url, accessOrigin: dash.stack.access.url, coveredPaths: ["/console"] });
    let loads = 0;
    const countLoad = () => (loads += 1);
    page.on("load", countLoad);
    try {
      await page.goto(`${brokenServer.url}/console/`);
      await settled(() => page.getByRole("button", { name: "Sign in again" }).count()).toBe(1);
      expect(await page.getByText("Cloudflare Access did not let this request through (missing_access_token).").count()).toBe(1);
      expect(await page.getByText("Signing in again just now did not help.", { exact: false }).count()).toBe(1);
      expect(loads).toBe(2);
      await page.waitForTimeout(2_500); // longer than the console's reload delay: no third load comes
      expect(loads).toBe(2);
    } finally {
      page.off("load", countLoad);
    }
  }, 60_000);

  it("keeps what the admin typed when Access expired through the sign-in, and applies the adjustment once when sent", async () => {
    // A server of its own: a new origin, so this tab's session storage starts empty.
    draftServer = await startConsoleServer({ port: 0, workerOrigin: dash.stack.url, accessOrigin: dash.stack.access.url });
    await page.goto(`${draftServer.url}/console/merchants/${DEMO_SHOP}`);
    await settled(() => page.getByRole("button", { name: "Adjust points" }).count()).toBe(1);
    const [customerId, points, reason] = [page.getByLabel("Customer id"), page.getByLabel("Points (negative to remove)"), page.getByLabel("Reason").first()];
    await customerId.fill(CUSTOMER.id);
    await points.fill("17");
    await reason.fill("typed before the session ran out");

    await draftServer.expireSession();
    const reloaded = page.waitForEvent("load", { timeout: 20_000 });
    await page.getByRole("button", { name: "Adjust points" }).click(); // meets Access's 401: nothing applied
    await reloaded;
    await settled(() => draftServer!.signIns()).toBe(2);
    await settled(() => customerId.inputValue()).toBe(CUSTOMER.id);
    expect(await points.inputValue()).toBe("17");
    expect(await reason.inputValue()).toBe("typed before the session ran out");

    await page.getByRole("button", { name: "Adjust points" }).click();
    await settled(() => page.getByText(/^17 points applied; balance [\d,]+\.$/).count()).toBe(1);
    expect(await customerId.inputValue()).toBe("");
    const seventeens = async () => (await auditEntries("points.adjust")).filter((e) => (e.after as { points?: number } | null)?.points === 17).length;
    await settled(seventeens, { timeout: 40_000 }).toBe(1);
    // Saved, the draft is gone: a reload shows an empty form.
    await page.reload();
    await settled(() => page.getByRole("button", { name: "Adjust points" }).count()).toBe(1);
    expect(await customerId.inputValue()).toBe("");
    expect(await seventeens()).toBe(1);
  }, 90_000);

  it("refuses to remove the last superadmin, and adds an analytics admin who sees no adjust or plan button", async () => {
    await page.goto(`${superServer.url}/console/users`);
    await page.getByRole("button", { name: /^Remove / }).click();
    await settled(() => page.getByText("last_superadmin").count()).toBe(1);

    await page.getByLabel("Username").fill(ANALYST.username);
    await page.getByLabel("Email").fill(ANALYST.email);
    await page.getByLabel("Role", { exact: true }).selectOption("analytics");
    await page.getByRole("button", { name: "Add admin" }).click();
    await settled(() => page.getByText(`Admin ${ANALYST.username} added.`).count()).toBe(1);

    analystServer = await startConsoleServer({ port: 0, workerOrigin: dash.stack.url, accessOrigin: dash.stack.access.url, adminEmail: ANALYST.email });
    await page.goto(`${analystServer.url}/console/merchants/${DEMO_SHOP}`);
    await settled(() => page.getByText(`Signed in as ${ANALYST.email} (Analytics)`).count()).toBe(1);
    await settled(() => page.locator('[data-field="plan"]').count()).toBe(1);
    expect(await page.getByRole("button", { name: "Adjust points" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Change plan" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Admin users" }).count()).toBe(0);

    // Typed by hand, the users screen says plainly that the role may not.
    await page.goto(`${analystServer.url}/console/users`);
    await settled(() => page.getByText("Your role may not do this (permission_denied).").count()).toBe(1);
  }, 120_000);
});
