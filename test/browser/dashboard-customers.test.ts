// The customers screens as a merchant uses them, in the dev admin frame in front of the real
// Worker and Postgres: 50,000 customers in the list (seeded straight into the projection, as the
// bench does) and a few real ones with accounts (made by Shopify's webhooks). Find one by exact
// email and by name, page through the list, open the profile, adjust points (a lost answer
// retried, a double click: each adjusts once), see the balance and the ledger row after a reload,
// find the adjustment in the activity log, raise a GDPR request, approve a held referral; and
// another shop sees none of it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { customerBody, proxyUrl, useCredentials, webhookRequest } from "../helpers/shopify";
import { DEMO_SHOP, startDashboard, type Dashboard } from "./dashboard-harness";

const NAME = "customers";
const OTHER_SHOP = "other-customers-shop.myshopify.com";
const SEEDED = 50_000;
/** Real customers (with accounts), apart from the seeded ids (9 + 12 digits). */
const ZELDA = { id: "7100000001", email: "zelda.quartermaine@example.com", firstName: "Zelda", lastName: "Quartermaine" };
const ADVOCATE = { id: "7100000002", email: "jane.doe@gmail.com" };
const FRIEND = "7100000003";

let dash: Dashboard;

/** `expect.poll` with time for a loaded machine (two cores shared with the dev stack and Chromium). */
const settled = <T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) => expect.poll(read, { timeout: 15_000, interval: 100, ...options });

/** The seeded projection rows: names from two lists (thousands share each), no email a search could find. */
async function seedCustomers(): Promise<void> {
  const sql = postgres(dash.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`
      INSERT INTO customers (shop, customer_id, first_name, last_name, email_blind_index, points_balance, total_points_earned, balance_seq, created_at)
      SELECT ${DEMO_SHOP}, '9' || lpad(i::text, 12, '0'),
             (ARRAY['Ada','Grace','Alan','Linus','Edsger','Barbara','Donald','Margaret','Ken','Frances'])[1 + i % 10],
             (ARRAY['Lovelace','Hopper','Turing','Torvalds','Dijkstra','Liskov','Knuth','Hamilton','Thompson','Allen'])[1 + (i / 10) % 10],
             md5('email' || i), i % 5000, i % 5000, 1, now() - (i || ' minutes')::interval
      FROM generate_series(1, ${SEEDED}) AS i
      ON CONFLICT DO NOTHING`;
    await sql`ANALYZE customers`;
  } finally {
    await sql.end();
  }
}

async function deliver(topic: string, body: string): Promise<void> {
  const response = await fetch(await webhookRequest(topic, DEMO_SHOP, body));
  if (response.status !== 200) throw new Error(`${topic}: ${response.status} ${await response.text()}`);
}

/** A paid order as Shopify sends it, with the buyer's email and shipping address (the fraud checks read both). */
function paidOrder(o: { id: string; customerId: string; subtotal: string; email: string; address?: string }): string {
  return JSON.stringify({
    admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
    name: `#${o.id.slice(-4)}`,
    currency: "USD",
    subtotal_price: o.subtotal,
    total_price: o.subtotal,
    financial_status: "paid",
    cancelled_at: null,
    email: o.email,
    browser_ip: "198.51.100.1",
    shipping_address: o.address ? { address1: o.address, zip: "10001", country_code: "US" } : null,
    note_attributes: [],
    customer: { admin_graphql_api_id: `gid://shopify/Customer/${o.customerId}`, email: o.email, created_at: new Date().toISOString() },
    line_items: [],
  }).replace(/^\{/, `{"id":${o.id},`);
}

async function merchantGet<T = any>(path: string, shop = DEMO_SHOP): Promise<{ status: number; body: T }> {
  const response = await fetch(`${dash.stack.url}/v1/api${path}`, { headers: { authorization: `Bearer ${dash.sessionToken(shop)}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls the API until `check` holds (the projection trails the accounts by the ledger-events queue). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((next) => setTimeout(next, 250));
  }
}

// The shop's Postgres rows start empty: the run's shared stack makes its database afresh
// (dashboard-stack.ts), so no projection remembers a referral decided in an earlier run.
beforeAll(async () => {
  dash = await startDashboard({ name: NAME, extraShops: [OTHER_SHOP], path: "/customers" });
  useCredentials({ apiKey: dash.apiKey, apiSecret: dash.apiSecret, origin: dash.stack.url });
  await dash.installShop(OTHER_SHOP);
  await seedCustomers();
  await deliver("customers/create", customerBody(ZELDA));
  // A held referral: the advocate's order makes their email known; the friend, bound by the
  // widget's complete call, orders under the same address with a +tag: held by "same_email".
  await deliver("orders/paid", paidOrder({ id: "8800000001", customerId: ADVOCATE.id, subtotal: "10.00", email: ADVOCATE.email, address: "9 Elm Road" }));
  // The advocate's code, as the widget asks for it.
  const created = await fetch(await proxyUrl("/referrals/create", { shop: DEMO_SHOP, customerId: ADVOCATE.id }), { method: "POST" });
  const { code } = (await created.json()) as { code?: string };
  if (created.status !== 200 || !code) throw new Error(`no referral code for the advocate: ${created.status}`);
  const complete = await fetch(await proxyUrl("/referrals/complete", { shop: DEMO_SHOP, customerId: FRIEND }), {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.7, 23.227.38.1" },
    body: JSON.stringify({ code }),
  });
  if (complete.status !== 200) throw new Error(`referral complete: ${complete.status} ${await complete.text()}`);
  await deliver("orders/paid", paidOrder({ id: "8800000002", customerId: FRIEND, subtotal: "30.00", email: "JaneDoe+promo@googlemail.com" }));
  await eventually(() => merchantGet(`/customers/${ZELDA.id}`), (r) => r.status === 200, "the real customer in the projection");
  await eventually(() => merchantGet<{ referrals: { id: string }[] }>("/referrals?status=held"), (r) => r.body.referrals?.some((x) => x.id === FRIEND), "the held referral in the projection");
}, 300_000);

afterAll(async () => {
  await dash?.close();
});

// A failure keeps what the merchant saw: a screenshot and the app's text, with the page's errors.
afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !dash) return;
  const name = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  await dash.screenshot(`customers-failed-${name}`).catch(() => {});
  const text = await dash.app.locator("body").innerText().catch((error) => `(no text: ${error})`);
  console.error(`--- app text at failure (${context.task.name}):\n${text}\n--- errors: ${JSON.stringify(dash.errors)}`);
});

describe("customers among 50,000", () => {
  it("pages through the list 50 at a time, and finds one customer by exact email and by name", async () => {
    const app = await dash.goto("/customers");
    const table = app.getByRole("table", { name: "Customers, newest first" });
    await settled(() => app.getByText(/^Customers: 50,00\d$/).count(), { timeout: 15_000 }).toBe(1);
    expect(await table.getByRole("row").count()).toBe(51);
    await app.getByRole("button", { name: "Next" }).click();
    await settled(() => app.getByText(/^Page 2 of /).count()).toBe(1);
    expect(await table.getByRole("row").count()).toBe(51);

    const search = app.getByRole("searchbox", { name: "Search customers" });
    await search.fill(ZELDA.email.toUpperCase());
    await search.press("Enter");
    await settled(() => app.getByText(`Matches for “${ZELDA.email.toUpperCase()}”: 1`).count(), { timeout: 15_000 }).toBe(1);
    await settled(() => table.getByRole("row").count()).toBe(2);
    expect(await table.getByRole("row").nth(1).textContent()).toContain(ZELDA.email);

    // Part of an email is no search for emails: exact only.
    await search.fill("zelda.quartermaine@example");
    await search.press("Enter");
    await settled(() => app.getByText("No customers match this search").count(), { timeout: 15_000 }).toBe(1);

    await search.fill("quarterm");
    await search.press("Enter");
    await settled(() => app.getByText("Matches for “quarterm”: 1").count(), { timeout: 15_000 }).toBe(1);
    // A name thousands share: paged too.
    await search.fill("Lovelace");
    await search.press("Enter");
    // Its 5,000 matches are counted up to a bound: a floor, with a page past the last counted.
    await settled(() => app.getByText(/^Matches for “Lovelace”: 1,000\+$/).count(), { timeout: 15_000 }).toBe(1);
    expect(await table.getByRole("row").count()).toBe(51);
    await settled(() => app.getByText(/^Page 1 of 21$/).count()).toBe(1);
    await dash.screenshot("customers-search");
    expect(dash.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it("opens the profile, adjusts points once through a lost answer and a double click, and the balance and ledger survive a reload", async () => {
    let app = await dash.goto("/customers");
    await app.getByRole("searchbox", { name: "Search customers" }).fill(ZELDA.email);
    await app.getByRole("button", { name: "Search", exact: true }).click();
    await app.getByRole("link", { name: "Zelda Quartermaine" }).click();
    await settled(() => dash.admin.title.textContent(), { timeout: 15_000 }).toContain("Zelda Quartermaine");
    const balance = () => app.locator("dt:has-text('Balance') + dd").textContent();
    await settled(balance).toBe("200"); // the signup bonus
    await settled(() => app.locator("dt:has-text('VIP tier') + dd").textContent()).toBe("Bronze");

    // Bad input: shown beside its field, nothing sent.
    await app.getByRole("button", { name: "Adjust points" }).click();
    const dialog = app.getByRole("dialog", { name: "Adjust points" });
    await dialog.getByLabel("Points").fill("0");
    await dialog.getByRole("button", { name: "Adjust" }).click();
    await settled(() => dialog.getByText("Enter a whole number of points other than 0.").count()).toBe(1);
    // The API's own message beside its field: a reason over 500 characters.
    await dialog.getByLabel("Points").fill("150");
    await dialog.getByLabel("Reason").fill("x".repeat(501));
    await dialog.getByRole("button", { name: "Adjust" }).click();
    await settled(() => dialog.getByRole("alert").textContent()).toMatch(/500/);
    expect(await dialog.getByLabel("Reason").getAttribute("aria-invalid")).toBe("true");

    // The first answer is lost on the way back (the adjustment applied); the retry carries the same key.
    const keys: string[] = [];
    await dash.page.route("**/v1/api/customers/*/adjust", async (route) => {
      keys.push(route.request().headers()["idempotency-key"] ?? "");
      if (keys.length === 1) {
        await route.fetch();
        await route.abort("connectionreset");
      } else {
        await route.continue();
      }
    });
    await dialog.getByLabel("Reason").fill("Sorry about the late parcel");
    await dialog.getByRole("button", { name: "Adjust" }).click();
    await settled(() => dialog.getByText(/could not be reached/).count(), { timeout: 15_000 }).toBe(1);
    await dialog.getByRole("button", { name: "Adjust" }).click();
    await settled(() => dash.admin.toasts.getByText("Points adjusted. New balance: 350").count(), { timeout: 15_000 }).toBe(1);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await dash.page.unroute("**/v1/api/customers/*/adjust");
    await settled(balance).toBe("350");

    // A double click on a removal: one adjustment.
    await app.getByRole("button", { name: "Adjust points" }).click();
    await dialog.getByLabel("Points").fill("-50");
    await dialog.getByLabel("Reason").fill("Duplicate goodwill");
    await dialog.getByRole("button", { name: "Adjust" }).dblclick();
    await settled(balance, { timeout: 15_000 }).toBe("300");

    app = await dash.reload();
    await settled(() => app.locator("dt:has-text('Balance') + dd").textContent(), { timeout: 15_000 }).toBe("300");
    const ledger = app.getByRole("table", { name: "Points history, newest first" });
    const adjustments = ledger.getByRole("row").filter({ hasText: "Adjustment" });
    expect(await adjustments.count()).toBe(2);
    expect(await adjustments.nth(0).textContent()).toMatch(/Adjustment.*-50.*300.*Duplicate goodwill/);
    expect(await adjustments.nth(1).textContent()).toMatch(/Adjustment.*\+150.*350.*Sorry about the late parcel/);
    await dash.screenshot("customer-profile");

    // The account agrees: two adjustment entries, the balance their sum with the bonus.
    const detail = await merchantGet<{ customer: { points_balance: number }; transactions: { kind: string; points: number }[] }>(`/customers/${ZELDA.id}`);
    expect(detail.body.customer.points_balance).toBe(300);
    expect(detail.body.transactions.filter((t) => t.kind === "adjustment").map((t) => t.points)).toEqual([-50, 150]);
    // Only the two failures the test made: the 400 of the long reason and the lost answer.
    expect(dash.errors.filter((e) => !/favicon/.test(e))).toEqual([expect.stringMatching(/400 \(Bad Request\).*\/adjust/), expect.stringMatching(/ERR_CONNECTION_RESET.*\/adjust/)]);
  }, 120_000);

  it("finds the adjustments in the activity log by customer and action, and refuses bad filters beside them", async () => {
    await eventually(
      () => merchantGet<{ total: number }>(`/logs/audit?action=points.adjust&subject_type=customer&subject_id=${ZELDA.id}`),
      (r) => r.body.total === 2,
      "the adjustments' audit rows",
    );
    // The profile links to its customer's activity.
    const profile = await dash.goto(`/customers/${ZELDA.id}`);
    await profile.getByRole("link", { name: "Activity for this customer" }).click();
    const app = profile;
    const table = app.getByRole("table", { name: "Activity, newest first" });
    await settled(() => table.getByRole("row").count(), { timeout: 15_000 }).toBe(3);
    expect(await app.getByLabel("Customer id").inputValue()).toBe(ZELDA.id);
    expect(await table.getByRole("row").nth(1).textContent()).toMatch(/Staff 1.*points\.adjust.*Customer 7100000001.*points: -50.*Duplicate goodwill/);

    // Bad filters: refused beside their fields, nothing asked of the API.
    await app.getByLabel("Customer id").fill("zelda");
    await app.getByRole("button", { name: "Filter", exact: true }).click();
    await settled(() => app.getByText("A customer id is digits only.").count()).toBe(1);
    await app.getByLabel("Customer id").fill(ZELDA.id);
    await app.getByLabel("From").fill("2026-12-05");
    await app.getByLabel("To (included)").fill("2026-12-01");
    await app.getByRole("button", { name: "Filter", exact: true }).click();
    await settled(() => app.getByText("The end date must not be before the start date.").count()).toBe(1);

    // By action and dates: today's adjustments; an action this customer has none of, nothing.
    const today = new Date().toISOString().slice(0, 10);
    await app.getByLabel("From").fill(today);
    await app.getByLabel("To (included)").fill(today);
    await app.getByLabel("Action").selectOption("referral.approve");
    await app.getByRole("button", { name: "Filter", exact: true }).click();
    await settled(() => app.getByText("No activity matches these filters").count(), { timeout: 15_000 }).toBe(1);
    await app.getByLabel("Action").selectOption("points.adjust");
    await app.getByRole("button", { name: "Filter", exact: true }).click();
    await settled(() => table.getByRole("row").count(), { timeout: 15_000 }).toBe(3);
    // Yesterday only: none.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await app.getByLabel("From").fill(yesterday);
    await app.getByLabel("To (included)").fill(yesterday);
    await app.getByRole("button", { name: "Filter", exact: true }).click();
    await settled(() => app.getByText("No activity matches these filters").count(), { timeout: 15_000 }).toBe(1);
    await app.getByLabel("To (included)").fill(today);
    await app.getByRole("button", { name: "Filter", exact: true }).click();
    await settled(() => table.getByRole("row").count(), { timeout: 15_000 }).toBe(3);
    await dash.screenshot("logs-filtered");
  });

  it("raises a GDPR data request for a customer and lists it; a bad id is refused beside its field", async () => {
    const app = await dash.goto("/gdpr");
    await app.getByLabel("Customer id").fill("not-an-id");
    await app.getByRole("button", { name: "Request data" }).click();
    await settled(() => app.getByText("A customer id is digits only.").count()).toBe(1);
    await app.getByLabel("Customer id").fill(ZELDA.id);
    await app.getByRole("button", { name: "Request data" }).click();
    await settled(() => dash.admin.toasts.getByText("Data request recorded").count(), { timeout: 15_000 }).toBe(1);
    const table = app.getByRole("table", { name: "GDPR requests, newest first" });
    await settled(() => table.getByRole("row").filter({ hasText: "Customer data" }).filter({ hasText: "Staff 1" }).count(), { timeout: 15_000 }).toBe(1);
    const listed = await merchantGet<{ requests: { type: string; requested_by: string }[] }>("/gdpr/requests");
    expect(listed.body.requests).toEqual([expect.objectContaining({ type: "data_request", requested_by: "1" })]);
  });

  it("approves a held referral: both sides are paid and it leaves the held list", async () => {
    const app = await dash.goto("/referrals");
    const held = app.getByRole("table", { name: "Referrals held by the fraud checks, newest first" });
    const row = held.getByRole("row").filter({ hasText: FRIEND });
    await settled(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.textContent()).toContain("Same email as the advocate");
    await dash.screenshot("referrals-held");
    await row.getByRole("button", { name: `Approve the referral of customer ${FRIEND}` }).click();
    await settled(() => dash.admin.toasts.getByText("Referral approved: both customers get their rewards").count(), { timeout: 15_000 }).toBe(1);
    // Decided: no second decision offered, whatever the projection says yet.
    await settled(() => row.getByRole("button").count()).toBe(0);
    expect(await row.textContent()).toContain("Completed");

    const friend = await merchantGet<{ transactions: { kind: string; points: number }[] }>(`/customers/${FRIEND}`);
    expect(friend.body.transactions.filter((t) => t.kind === "referral").map((t) => t.points)).toEqual([50]);
    await eventually(() => merchantGet<{ referrals: unknown[] }>("/referrals?status=held"), (r) => r.body.referrals.length === 0, "the approval in the projection");
    const after = await dash.goto("/referrals");
    await settled(() => after.getByText("No referrals are waiting for your review").count(), { timeout: 15_000 }).toBe(1);
    await after.getByRole("tab", { name: "Completed" }).click();
    await settled(() => after.getByRole("table", { name: "Completed referrals, newest first" }).getByRole("row").filter({ hasText: FRIEND }).count(), { timeout: 15_000 }).toBe(1);
  });
});

describe("another shop", () => {
  it("sees none of this shop's customers, profiles or referrals", async () => {
    const tab = await dash.open("/customers", { shop: OTHER_SHOP });
    try {
      await settled(() => tab.app.getByText("No customers yet").count(), { timeout: 15_000 }).toBe(1);
      await tab.app.getByRole("searchbox", { name: "Search customers" }).fill(ZELDA.email);
      await tab.app.getByRole("button", { name: "Search", exact: true }).click();
      await settled(() => tab.app.getByText("No customers match this search").count(), { timeout: 15_000 }).toBe(1);
      await tab.goto(`/customers/${ZELDA.id}`);
      await settled(() => tab.app.getByText("This customer is not in your store").count(), { timeout: 15_000 }).toBe(1);
      await tab.goto("/referrals");
      await settled(() => tab.app.getByText("No referrals are waiting for your review").count(), { timeout: 15_000 }).toBe(1);
      await tab.app.getByRole("tab", { name: "All" }).click();
      await settled(() => tab.app.getByText("No referrals here").count(), { timeout: 15_000 }).toBe(1);
      await tab.goto("/logs");
      await settled(() => tab.app.getByText("No activity yet").count(), { timeout: 15_000 }).toBe(1);
    } finally {
      await tab.close();
    }
  });
});
