// Notifications under the fault schedule, on a shop of their own (like the refunds probe, kept
// out of the oracle's books): its orders are paid while the main delivery runs, through the
// Postgres outage and the SIGKILL, each webhook delivered twice (half of them at once), and
// the shop sends points_earned by email through the SendGrid stand-in, which outlives our
// crashes as SendGrid would and answers 503s and 429s now and then. Every earning ledger entry
// must reach its customer exactly once, in the language their orders carry (customer_locale).
//
// Measured with the demo shop's whole workload emailing (5,359 emails): one sent twice, across
// the SIGKILL; and the doubled work held the projection back past the suite's bounds on this
// 2-core machine, hence a shop of its own with a bounded load.
//
// One duplicate is inherent and allowed, stated: a send SendGrid accepted just as wrangler dev
// was killed, before the account recorded it. Its claim lapses and the message is tried again
// (SendGrid has no idempotency key to stop it). Any other second email is a mismatch.
import { sendWebhook } from "../scripts/send-webhook.mjs";
import { DEV_CREDENTIALS } from "../scripts/provider-standins.mjs";
import { customerLocale, orderJson } from "./shopify-payloads.mjs";

export const NOTIFY_SHOP = "faults-notify.myshopify.com";
const NOTIFICATION_TYPES = ["points_earned", "reward_issued", "tier_changed", "referral_completed", "points_expiring", "badge_earned"];
// core/ledger-events.ts countsAsEarned: the kinds a points_earned notification tells of (when positive).
const EARNING_KINDS = new Set(["earn", "adjustment", "campaign", "signup", "newsletter", "review", "birthday", "social_follow", "goal_spend"]);
const STORE_LANGUAGES = ["en", "es", "fr", "de"];
const CUSTOMERS = 40;
const ORDERS_PER_CUSTOMER = 5;
const BATCHES = 20;
/** The orders go out between these fractions of the main delivery: across the outage (15–42%) and the crash (55%). */
const FROM = 0.05;
const TO = 0.7;
/** A send accepted this long before the SIGKILL may have died unrecorded with the process. */
const CRASH_WINDOW_MS = 10_000;
const DELIVERY_GIVE_UP_MS = 150_000;

/** The shop installed, SendGrid connected with the stand-ins' dev key, points_earned by email only, and SendGrid's weather. */
export async function setUpNotificationShop({ url, signer, standinsUrl }) {
  const installed = await fetch(`${url}/auth/token-exchange`, { method: "POST", headers: { authorization: `Bearer ${signer.sessionToken(NOTIFY_SHOP)}` } });
  if (!installed.ok) throw new Error(`notifications shop install: ${installed.status} ${await installed.text()}`);
  const headers = { authorization: `Bearer ${signer.sessionToken(NOTIFY_SHOP)}`, "content-type": "application/json" };
  const put = async (path, body) => {
    const response = await fetch(`${url}/v1/api${path}`, { method: "PUT", headers, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  };
  await put("/integrations/sendgrid", { api_key: DEV_CREDENTIALS.sendgrid.api_key, from_email: "rewards@faults-notify.example", from_name: "Faults Rewards" });
  for (const type of NOTIFICATION_TYPES) {
    await put(`/notifications/templates/${type}`, { channels: { email: type === "points_earned", sms: false, whatsapp: false, klaviyo: false } });
  }
  for (const fault of [
    { provider: "sendgrid", mode: "status", status: 503, times: 10, operation: "send" },
    { provider: "sendgrid", mode: "throttle", retryAfter: "2", times: 5, operation: "send" },
  ]) {
    const response = await fetch(`${standinsUrl}/__standins/faults`, { method: "POST", body: JSON.stringify(fault) });
    if (!response.ok) throw new Error(`the stand-ins refused a fault: ${await response.text()}`);
  }
}

/** Pays the shop's orders in batches as the main delivery progresses; `done` resolves with what was sent. */
export function startNotificationTraffic({ url, secret, seed, untilProgress }) {
  const base = 9_200_000_000_000_000_000n + BigInt(seed % 1_000_000) * 10_000n;
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => String(base + BigInt(i)));
  const orders = [];
  for (let k = 0; k < CUSTOMERS * ORDERS_PER_CUSTOMER; k++) {
    const orderId = String(base + 1_000n + BigInt(k));
    const subtotal = `${(k % 17) + 3}.${String((k * 7) % 100).padStart(2, "0")}`;
    orders.push(orderJson({ orderId, customerId: customers[k % CUSTOMERS], subtotal, lineItemId: String(base + 5_000n + BigInt(k)), cancelled: false }));
  }
  const figures = { deliveries: 0, givenUp: 0 };
  const deliver = async (body) => {
    const deadline = Date.now() + DELIVERY_GIVE_UP_MS;
    for (;;) {
      const response = await sendWebhook({ url, secret, topic: "orders/paid", shop: NOTIFY_SHOP, body }).catch((error) => ({ status: 0, body: String(error) }));
      if (response.status === 200) return void figures.deliveries++;
      if (Date.now() > deadline) return void figures.givenUp++;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  const done = (async () => {
    const perBatch = Math.ceil(orders.length / BATCHES);
    for (let b = 0; b < BATCHES; b++) {
      await untilProgress(FROM + ((TO - FROM) * b) / BATCHES);
      await Promise.all(
        orders.slice(b * perBatch, (b + 1) * perBatch).map(async (body, i) => {
          // Twice each: every other one as a simultaneous pair, the rest one after the other.
          if (i % 2 === 0) await Promise.all([deliver(body), deliver(body)]);
          else {
            await deliver(body);
            await deliver(body);
          }
        }),
      );
    }
    return figures;
  })();
  return { customers, orders: orders.length, done };
}

/** The language a customer's notifications must be in: their orders' locale among the shop's languages. */
function expectedLanguage(customerId) {
  const base = customerLocale(customerId).toLowerCase().split(/[-_]/)[0];
  return STORE_LANGUAGES.includes(base) ? base : "en";
}

/** Waits (up to timeoutMs) for every earning entry's email, then compares the stand-in's sends with the shop's ledgers. */
export async function checkNotifications({ url, signer, standins, customers, killedAt, timeoutMs }) {
  const check = { name: "one email per earning entry, in the customer's language", checked: 0, mismatches: [] };
  const expected = new Map();
  for (const customerId of customers) {
    const response = await fetch(`${url}/v1/api/customers/${customerId}?limit=500`, { headers: { authorization: `Bearer ${signer.sessionToken(NOTIFY_SHOP)}` } });
    if (!response.ok) {
      check.mismatches.push(`customer ${customerId}: merchant API answered ${response.status}`);
      continue;
    }
    for (const e of (await response.json()).transactions) {
      if (e.points > 0 && EARNING_KINDS.has(e.kind)) expected.set(`${NOTIFY_SHOP}:${customerId}:entry:${e.id}:email`, expectedLanguage(customerId));
    }
  }
  if (expected.size === 0) {
    check.mismatches.push("no earning entries to check: the shop's ledgers came back empty");
    return { check, figures: null };
  }
  const accepted = () => standins.requests({ provider: "sendgrid", operation: "send" }).filter((r) => r.accepted && r.body?.custom_args?.loyalnest_reference?.startsWith(`${NOTIFY_SHOP}:`));
  const started = Date.now();
  let sends = accepted();
  const missing = () => [...expected.keys()].filter((ref) => !sends.some((r) => r.body.custom_args.loyalnest_reference === ref));
  while (Date.now() - started < timeoutMs && missing().length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    sends = accepted();
  }
  const byRef = new Map();
  for (const r of sends) byRef.set(r.body.custom_args.loyalnest_reference, [...(byRef.get(r.body.custom_args.loyalnest_reference) ?? []), r]);
  let acrossCrash = 0;
  for (const [ref, language] of expected) {
    check.checked++;
    const got = byRef.get(ref) ?? [];
    if (got.length === 0) check.mismatches.push(`no email for ${ref}`);
    const first = got[0];
    const inFlightAtKill = killedAt !== null && first && first.at <= killedAt && killedAt - first.at <= CRASH_WINDOW_MS;
    if (got.length === 2 && inFlightAtKill) acrossCrash++;
    else if (got.length > 1) check.mismatches.push(`${got.length} emails for ${ref} (the first ${killedAt === null ? "" : `${((first.at - killedAt) / 1000).toFixed(1)} s from the SIGKILL`})`);
    const sentIn = first?.body?.custom_args?.loyalnest_language;
    if (first && sentIn !== language) check.mismatches.push(`${ref}: written in ${sentIn}, the customer buys in ${language}`);
  }
  for (const ref of byRef.keys()) if (!expected.has(ref)) check.mismatches.push(`an email for ${ref}, which is no earning entry`);
  const tried = standins.requests({ provider: "sendgrid", operation: "send" }).filter((r) => r.body?.custom_args?.loyalnest_reference?.startsWith(`${NOTIFY_SHOP}:`)).length;
  return { check, figures: { expected: expected.size, accepted: sends.length, tried, acrossCrash, waitedMs: Date.now() - started } };
}
