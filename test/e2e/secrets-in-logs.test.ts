// Secrets hygiene (issue 9 part 6): a full run of `wrangler dev`, every line it writes captured
// (stdout and stderr, the Worker's, the objects' and the queues' console lines among them),
// driven with this test's own distinctive personal data and secrets through the happy paths
// and the error paths (bad HMAC, bad JSON, Postgres down, Shopify refusing the access token);
// then not one of those strings may appear anywhere in what was written.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ACCESS_TOKEN, DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { startPrivateCluster } from "../../scripts/postgres.mjs";
import { orderBody, proxyUrl, sessionToken, useCredentials, webhookHeaders, webhookRequest } from "../helpers/shopify";
import { freePort } from "../../scripts/free-port.mjs";

const shop: string = DEMO_SHOP;
const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-secrets-"));
const tag = crypto.randomUUID().slice(0, 6);
const digits = String(Math.floor(1000 + Math.random() * 8999));
// Distinctive: none of these can appear in a log line by coincidence.
const pii = {
  email: `zephyrine.q${tag}@secrets-test.example`,
  phone: `+1 613 555 ${digits}`,
  phoneE164: `+1613555${digits}`,
  firstName: `Zephyrine${tag}`,
  lastName: `Quillfeather${tag}`,
};
const customerId = String(300_000_000_000 + Math.floor(Math.random() * 600_000_000_000));
let nextOrder = 8_000_000_000_000n + BigInt(Date.now());

let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
let stack: Awaited<ReturnType<typeof startDevStack>>;
let captured = "";
let origin: string;
let vars: Record<string, string>;
const secrets: Record<string, string> = {};

// Where wrangler writes its debug log (WRANGLER_LOG_PATH, read by the wrangler dev process).
const wranglerLog = join(persistTo, "wrangler.log");

beforeAll(async () => {
  process.env.WRANGLER_LOG_PATH = wranglerLog;
  cluster = await startPrivateCluster("secrets");
  const port = await freePort();
  vars = readDevVars();
  origin = `http://127.0.0.1:${port}`;
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY!, apiSecret: vars.SHOPIFY_API_SECRET!, origin });
  stack = await startDevStack({
    port,
    persistTo,
    quiet: true,
    emulatorPort: 0,
    database: "loyalnest_secrets",
    postgres: cluster,
    onOutput: (chunk: string) => (captured += chunk),
  });
});

afterAll(async () => {
  await stack?.stop();
  // LOYALNEST_CAPTURE_TO=<file> keeps what wrangler dev wrote, to read after a failure.
  if (process.env.LOYALNEST_CAPTURE_TO) writeFileSync(process.env.LOYALNEST_CAPTURE_TO, captured);
  await cluster?.destroy();
  rmSync(persistTo, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
}

/** An orders/paid body for our customer carrying their email, phone and name, as Shopify sends them. */
function paidOrder(subtotal: string, extra = ""): string {
  const id = String(nextOrder++);
  const customer = `{"id":${customerId},"admin_graphql_api_id":"gid://shopify/Customer/${customerId}","email":"${pii.email}","phone":"${pii.phoneE164}","first_name":"${pii.firstName}","last_name":"${pii.lastName}"}`;
  return orderBody({ id, customerId, subtotal })
    .replace(/"customer":\{[^}]*\}/, `"customer":${customer},"email":"${pii.email}","phone":"${pii.phone}","billing_address":{"name":"${pii.firstName} ${pii.lastName}","phone":"${pii.phone}"}`)
    .replace(/"line_items":\[\]/, `"line_items":[]${extra}`);
}

async function post(topic: string, body: string, overrides: Record<string, string | null> = {}) {
  return fetch(await webhookRequest(topic, shop, body, overrides));
}

async function merchant(path: string, init: RequestInit = {}) {
  secrets.sessionToken = secrets.sessionToken ?? (await sessionToken(shop, { sub: `staff-${tag}` }));
  return fetch(`${origin}/v1/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${secrets.sessionToken}`, "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });
}

describe("a full run's logs", () => {
  it("hold none of the run's personal data or secrets, on the happy and the error paths", async () => {
    secrets.apiSecret = vars.SHOPIFY_API_SECRET!;
    secrets.encryptionKey = vars.ENCRYPTION_KEY!;
    secrets.accessToken = DEMO_ACCESS_TOKEN;

    // Happy paths: a customer with email, phone and name; points from an order; a redemption
    // that issues a discount code at the Shopify emulator; merchant reads and writes.
    const customer = JSON.stringify({
      id: 0,
      admin_graphql_api_id: `gid://shopify/Customer/${customerId}`,
      email: pii.email,
      phone: pii.phoneE164,
      first_name: pii.firstName,
      last_name: pii.lastName,
      created_at: "2026-11-20T10:00:00Z",
      default_address: { phone: pii.phone, name: `${pii.firstName} ${pii.lastName}` },
    }).replace(`"id":0`, `"id":${customerId}`);
    expect((await post("customers/create", customer)).status).toBe(200);
    expect((await post("orders/paid", paidOrder("120.00"))).status).toBe(200);
    const config = (await (await fetch(await proxyUrl("/widget/config", { shop, customerId }))).json()) as { rewards: { reward_id: string; type: string }[] };
    const reward = config.rewards.find((r) => r.type === "fixed_amount")!;
    const redeemed = await fetch(await proxyUrl("/rewards/redeem", { shop, customerId }), {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ reward_id: reward.reward_id }),
    });
    const redemption = (await redeemed.json()) as { discount_code: string | null };
    expect(redeemed.status, JSON.stringify(redemption)).toBe(200);
    expect(redemption.discount_code).toMatch(/^LN-/);
    secrets.discountCode = redemption.discount_code!;
    // The code used in an order (orders/paid carries it back), in its upper and lower case.
    expect((await post("orders/paid", paidOrder("30.00", `,"discount_codes":[{"code":"${secrets.discountCode.toLowerCase()}","amount":"5.00","type":"fixed_amount"}]`))).status).toBe(200);
    expect((await merchant(`/customers?search=${encodeURIComponent(pii.lastName)}`)).status).toBe(200);
    // The detail answers once the projection holds the customer (the ledger-events queue).
    expect((await until(() => merchant(`/customers/${customerId}`), (r) => r.status === 200)).status).toBe(200);
    expect((await merchant(`/customers/${customerId}/adjust`, { method: "POST", body: JSON.stringify({ points: 5, reason: "goodwill" }) })).status).toBe(200);
    expect((await merchant(`/integrations/reviews`, { method: "PUT", body: JSON.stringify({ provider: "judgeme", secret: `judgeme-${tag}-secret` }) })).status).toBe(200);
    secrets.reviewSecret = `judgeme-${tag}-secret`;

    // Error paths: a forged HMAC over a body full of personal data, bad JSON (signed), a payload
    // of the wrong shape, a bad Judge.me signature, a session token for the wrong app.
    const forged = await post("customers/create", customer, { "x-shopify-hmac-sha256": "Zm9yZ2Vk" });
    expect(forged.status).toBe(401);
    const badJson = `{"email":"${pii.email}","phone":"${pii.phone}",`;
    expect((await fetch(`${origin}/v1/api/shopify/webhook`, { method: "POST", headers: await webhookHeaders("orders/paid", shop, badJson), body: badJson })).status).toBe(400);
    expect((await post("orders/paid", JSON.stringify({ id: "x", email: pii.email, phone: pii.phone }))).status).toBe(400);
    const review = JSON.stringify({ review: { id: 1, reviewer: { email: pii.email, name: pii.firstName } } });
    expect((await fetch(`${origin}/v1/api/integrations/judgeme/webhook?shop=${shop}`, { method: "POST", headers: { "judgeme-hmac-sha256": "00", "content-type": "application/json" }, body: review })).status).toBe(401);
    const wrongApp = await sessionToken(shop, {}, { secret: "some-other-apps-secret" });
    expect((await fetch(`${origin}/v1/api/rewards`, { headers: { authorization: `Bearer ${wrongApp}` } })).status).toBe(401);

    // Shopify refuses the access token (an hour passes at the emulator): the redemption fails
    // over the token refresh and its logging.
    await fetch(`${stack.emulator.url}/__emulator/expire-access-tokens?shop=${shop}`, { method: "POST" });
    await fetch(await proxyUrl("/rewards/redeem", { shop, customerId }), {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ reward_id: reward.reward_id }),
    });

    // Postgres down: reporting reads fail (503, logged), the projection and the logs queue
    // retry (logged), earning goes on; then Postgres returns and everything catches up.
    await cluster.stop();
    try {
      expect((await merchant(`/customers?search=${encodeURIComponent(pii.email)}`)).status).toBe(503);
      expect((await merchant(`/logs/audit`)).status).toBe(503);
      expect((await post("orders/paid", paidOrder("10.00"))).status).toBe(200);
      expect((await post("customers/update", customer)).status).toBeLessThan(500);
      await sleep(6_000); // the ledger-events and logs consumers try, fail and log
    } finally {
      await cluster.ensure();
    }
    // Caught up: the merchant's own logs show the run's calls again.
    const logs = await until(
      async () => (await (await merchant(`/logs/api?per_page=250`)).json()) as { total?: number },
      (body) => (body.total ?? 0) > 5,
      90_000,
    );
    expect(logs.total).toBeGreaterThan(5);
    await sleep(3_000);

    // Fail loudly when nothing was captured: an empty capture would pass every check below.
    expect(captured.length, "wrangler dev's output was not captured").toBeGreaterThan(1_000);
    expect(captured, "the error paths were logged").toMatch(/reporting query failed|Postgres unavailable/);

    // wrangler's own log file too (its debug lines included).
    expect(existsSync(wranglerLog), "wrangler's log file was not written").toBe(true);
    const written = captured + readFileSync(wranglerLog, "utf8");
    const forbidden = { ...pii, lastNameLower: pii.lastName.toLowerCase(), ...secrets };
    const found = Object.entries(forbidden)
      .filter(([, value]) => value && written.toLowerCase().includes(value.toLowerCase()))
      .map(([name, value]) => `${name}: ${written.split("\n").filter((line) => line.toLowerCase().includes(value.toLowerCase())).slice(0, 3).join(" | ")}`);
    expect(found).toEqual([]);
  });
});
