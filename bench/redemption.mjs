// The redemption and adjustment phases: shoppers on four shops (the demo shop and three more,
// installed by token exchange as Shopify installs an app), each funded by one paid order; the
// redemptions as the widget sends them (App Proxy signed, an Idempotency-Key per click) and the
// adjustments as the dashboard sends them (session token, an Idempotency-Key); then the check
// that every code answered exists at Shopify (the emulator) and every balance is what was spent.
//
// Four shops, because the emulator throttles as Shopify does a Standard plan: 100 cost points a
// second per shop, 10 a discount create, so one shop makes at most 10 codes a second. 20
// redemptions a second across the platform is 5 a shop.
import { randomUUID } from "node:crypto";
import { pool } from "./load.mjs";
import { appProxyPath, orderPaidWebhook, pointsForCents, SHOP } from "./shopify.mjs";
import { sessionToken } from "./reporting-data.mjs";

export const REDEMPTION_SHOPS = [SHOP, "bench-two.myshopify.com", "bench-three.myshopify.com", "bench-four.myshopify.com"];
export const REDEEM_PATH = "/proxy/v1/api/rewards/redeem";
const WEBHOOK_PATH = "/v1/api/shopify/webhook";
/** One paid order of $100 each: 1,000 points, two $5-off rewards of 500. */
const FUNDING_CENTS = 10_000;

/** Installs the shops other than the demo shop (token exchange against the emulator). */
export async function installShops(baseUrl, apiKey, secret) {
  for (const shop of REDEMPTION_SHOPS.filter((s) => s !== SHOP)) {
    const response = await fetch(`${baseUrl}/auth/token-exchange`, {
      method: "POST",
      headers: { authorization: `Bearer ${sessionToken(apiKey, secret, shop, "1")}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`installing ${shop}: ${response.status} ${await response.text()}`);
  }
}

/** Each shop's "$5 off for 500 points" (a default reward of every new shop), as the widget lists it. */
export async function fiveOffRewards(baseUrl, secret) {
  const rewards = new Map();
  for (const shop of REDEMPTION_SHOPS) {
    const response = await fetch(baseUrl + appProxyPath(secret, "/proxy/v1/api/widget/config", { customerId: "", shop }), { signal: AbortSignal.timeout(10_000) });
    const body = await response.json().catch(() => null);
    const reward = body?.rewards?.find((r) => r.type === "fixed_amount" && r.points_cost === 500);
    if (!reward) throw new Error(`${shop} offers no $5 off for 500 points: ${response.status} ${JSON.stringify(body)}`);
    rewards.set(shop, reward);
  }
  return rewards;
}

/**
 * Pays one order for each shopper; throws unless every one is answered "applied" with its
 * points. Shoppers: [{ shop, customerId }]. Returns each shopper's balance.
 */
export async function fundShoppers(baseUrl, secret, shoppers, nextOrderId) {
  const failures = [];
  await pool(shoppers, 10, async (shopper) => {
    const { body, headers } = orderPaidWebhook(secret, { orderId: nextOrderId(), customerId: shopper.customerId, cents: FUNDING_CENTS, shop: shopper.shop });
    const response = await fetch(baseUrl + WEBHOOK_PATH, { method: "POST", body, headers, signal: AbortSignal.timeout(30_000) });
    const answer = await response.json().catch(() => null);
    if (response.status !== 200 || answer?.outcome !== "applied") failures.push(`${shopper.shop} ${shopper.customerId}: ${response.status} ${JSON.stringify(answer)}`);
    shopper.balance = pointsForCents(FUNDING_CENTS);
  });
  if (failures.length) throw new Error(`funding the redemption shoppers: ${failures.length} failed, e.g. ${failures[0]}`);
}

/**
 * The redemption request as the widget sends it; `nextShopper()` gives { shop, customerId }.
 * `book` records each answer: a 200 with an issued code is the only good one (a 202 means
 * Shopify did not confirm, a 502 that it failed: with the emulator answering, both are errors).
 */
export function redeemRequest({ secret, rewards, nextShopper, book }) {
  return {
    method: "POST",
    setupRequest(req, context) {
      const shopper = nextShopper();
      context.shopper = shopper;
      book.sent(shopper);
      const body = JSON.stringify({ reward_id: rewards.get(shopper.shop).reward_id });
      const headers = { "content-type": "application/json", "idempotency-key": randomUUID() };
      return { ...req, path: appProxyPath(secret, REDEEM_PATH, { customerId: shopper.customerId, shop: shopper.shop }), headers, body };
    },
    onResponse(status, body, context) {
      book.answered(context.shopper, status, body);
    },
  };
}

/** What the redemption phase was answered, for the row's outcomes and the check after it. */
export function createRedemptionBook() {
  const phase = { issued: [], unexpected: 0, wrongPoints: 0, samples: [], unanswered: 0 };
  const inFlight = new Set();
  return {
    phase,
    sent(shopper) {
      inFlight.add(shopper);
    },
    /** Requests still unanswered when the phase stopped may or may not have made a code. */
    endPhase() {
      for (const shopper of inFlight) shopper.uncertain = true;
      phase.unanswered = inFlight.size;
      inFlight.clear();
      return phase;
    },
    answered(shopper, status, text) {
      inFlight.delete(shopper);
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {}
      if (status === 200 && body?.redemption?.status === "issued" && /^LN-/.test(body.discount_code ?? "")) {
        phase.issued.push({ ...shopper, code: body.discount_code, balance: body.points_balance });
        shopper.redeemed = (shopper.redeemed ?? 0) + 1;
        return;
      }
      // Non-2xx answers are already errors of the load runner; a 2xx that is not an issued code is one here.
      if (status >= 200 && status < 300) {
        phase.unexpected++;
        if (phase.samples.length < 5) phase.samples.push(`${status} ${String(text).slice(0, 200)}`);
      }
    },
  };
}

/**
 * After the phase: each code answered is one discount at Shopify for that customer (when the
 * emulator is ours to ask), and a sample of the shoppers' balances is exactly what the codes
 * cost. Shoppers with a request still unanswered when the phase stopped are left out.
 */
export async function verifyRedemptions({ baseUrl, secret, emulatorUrl, book, shoppers, sample = 40 }) {
  const problems = [];
  let discountsChecked = null;
  if (emulatorUrl) {
    discountsChecked = 0;
    for (const shop of REDEMPTION_SHOPS) {
      const { discounts } = await (await fetch(`${emulatorUrl}/__emulator/discounts?shop=${shop}`)).json();
      const byCode = new Map(discounts.map((d) => [d.code, d]));
      const answered = book.phase.issued.filter((r) => r.shop === shop);
      for (const r of answered) {
        discountsChecked++;
        const discount = byCode.get(r.code);
        if (!discount) problems.push(`${shop} ${r.customerId}: code ${r.code} answered, not at Shopify`);
        else if (discount.input.context?.customers?.add?.[0] !== `gid://shopify/Customer/${r.customerId}`) problems.push(`${shop}: ${r.code} is for ${discount.input.context?.customers?.add?.[0]}`);
      }
      // Warm-up redemptions and this phase's; nothing else made codes on these shops. A request
      // unanswered when the phase stopped may have made one more.
      const expected = answered.length + shoppers.filter((s) => s.shop === shop && s.warmup).reduce((n, s) => n + (s.redeemed ?? 0), 0);
      const unanswered = shoppers.filter((s) => s.shop === shop && s.uncertain).length;
      if (discounts.length < expected || discounts.length > expected + unanswered) {
        problems.push(`${shop}: ${discounts.length} discounts at Shopify, ${expected} codes answered (${unanswered} requests unanswered)`);
      }
    }
  }
  const settled = shoppers.filter((s) => !s.warmup && s.redeemed && !s.uncertain);
  const step = Math.max(1, Math.floor(settled.length / sample));
  const sampled = settled.filter((_, i) => i % step === 0).slice(0, sample);
  await pool(sampled, 10, async (s) => {
    const response = await fetch(baseUrl + appProxyPath(secret, "/proxy/v1/api/customer", { customerId: s.customerId, shop: s.shop }), { signal: AbortSignal.timeout(10_000) });
    const balance = (await response.json().catch(() => null))?.customer?.points_balance;
    const expected = s.balance - 500 * s.redeemed;
    if (balance !== expected) problems.push(`${s.shop} ${s.customerId}: balance ${balance}, expected ${expected}`);
  });
  return { ok: problems.length === 0 && sampled.length > 0, discountsChecked, balancesSampled: sampled.length, problems };
}

/**
 * A shopper following the shop on a network, as the widget sends it: `nextFollow()` gives
 * { shopper, network }, each pair once, so every answer should be `applied` with the
 * network's points (the default program: 50).
 */
export function followRequest({ secret, nextFollow, onAnswer }) {
  return {
    method: "POST",
    setupRequest(req, context) {
      const follow = nextFollow();
      context.follow = follow;
      const headers = { "content-type": "application/json", "idempotency-key": randomUUID() };
      const path = appProxyPath(secret, "/proxy/v1/api/actions/social-follow", { customerId: follow.shopper.customerId, shop: follow.shopper.shop });
      return { ...req, path, headers, body: JSON.stringify({ network: follow.network }) };
    },
    onResponse(status, body, context) {
      onAnswer?.(context.follow, status, body);
    },
  };
}

/** A merchant's +10 points, as the dashboard sends it: one staff user per shop. */
export function adjustRequest({ apiKey, secret, nextShopper, onAnswer }) {
  return {
    method: "POST",
    setupRequest(req, context) {
      const shopper = nextShopper();
      context.shopper = shopper;
      const headers = {
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
        authorization: `Bearer ${sessionToken(apiKey, secret, shopper.shop, "bench-staff")}`,
      };
      return { ...req, path: `/v1/api/customers/${shopper.customerId}/adjust`, headers, body: JSON.stringify({ points: 10, reason: "bench: goodwill" }) };
    },
    onResponse(status, body, context) {
      onAnswer?.(context.shopper, status, body);
    },
  };
}

/**
 * Adjusting needs the customer in the reporting projection (404 before): waits until the
 * merchant API knows each shopper, asking as one staff user per shop.
 */
export async function waitUntilKnown(baseUrl, apiKey, secret, shoppers, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let unknown = [...shoppers];
  while (unknown.length && Date.now() < deadline) {
    const still = [];
    await pool(unknown, 5, async (s) => {
      const response = await fetch(`${baseUrl}/v1/api/customers/${s.customerId}?limit=1`, {
        headers: { authorization: `Bearer ${sessionToken(apiKey, secret, s.shop, "bench-staff")}` },
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (response.status !== 200) still.push(s);
    });
    unknown = still;
    if (unknown.length) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  if (unknown.length) throw new Error(`${unknown.length} shoppers still unknown to the merchant API after ${timeoutMs / 1000} s`);
}
