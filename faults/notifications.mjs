// Notifications under the fault schedule: the demo shop sends points_earned by email through
// the SendGrid stand-in (which outlives wrangler dev's crashes, as SendGrid would). Every
// earning ledger entry must reach its customer exactly once, in the language their orders carry
// (customer_locale), whatever the outages, crashes and duplicated deliveries did on the way.
import { DEV_CREDENTIALS } from "../scripts/provider-standins.mjs";
import { customerLocale } from "./shopify-payloads.mjs";

const NOTIFICATION_TYPES = ["points_earned", "reward_issued", "tier_changed", "referral_completed", "points_expiring", "badge_earned"];
// core/ledger-events.ts countsAsEarned: the kinds a points_earned notification tells of (when positive).
const EARNING_KINDS = new Set(["earn", "adjustment", "campaign", "signup", "newsletter", "review", "birthday", "social_follow", "goal_spend"]);
const STORE_LANGUAGES = ["en", "es", "fr", "de"];

/**
 * SendGrid connected with the stand-ins' dev key; points_earned by email, every other type and
 * channel off. SendGrid's own weather: its first answers are 503s and 429s (Retry-After 2 s), so
 * sends are retried while the rest of the schedule runs.
 */
export async function connectNotifications({ url, signer, shop, standinsUrl }) {
  const headers = { authorization: `Bearer ${signer.sessionToken(shop)}`, "content-type": "application/json" };
  const put = async (path, body) => {
    const response = await fetch(`${url}/v1/api${path}`, { method: "PUT", headers, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  };
  await put("/integrations/sendgrid", { api_key: DEV_CREDENTIALS.sendgrid.api_key, from_email: "rewards@demo-shop.example", from_name: "Demo Rewards" });
  for (const type of NOTIFICATION_TYPES) {
    await put(`/notifications/templates/${type}`, { channels: { email: type === "points_earned", sms: false, whatsapp: false, klaviyo: false } });
  }
  for (const fault of [
    { provider: "sendgrid", mode: "status", status: 503, times: 40, operation: "send" },
    { provider: "sendgrid", mode: "throttle", retryAfter: "2", times: 20, operation: "send" },
  ]) {
    const response = await fetch(`${standinsUrl}/__standins/faults`, { method: "POST", body: JSON.stringify(fault) });
    if (!response.ok) throw new Error(`the stand-ins refused a fault: ${await response.text()}`);
  }
}

/** The language a customer's notifications must be in: their orders' locale among the shop's languages. */
function expectedLanguage(customerId) {
  const base = customerLocale(customerId).toLowerCase().split(/[-_]/)[0];
  return STORE_LANGUAGES.includes(base) ? base : "en";
}

/** Waits (up to timeoutMs) for every earning entry's email; then compares sends with the ledgers. */
export async function checkNotifications({ standins, shop, ledgers, timeoutMs }) {
  const check = { name: "one email per earning entry, in the customer's language", checked: 0, mismatches: [] };
  const expected = new Map();
  for (const [customerId, entries] of ledgers) {
    for (const e of entries) {
      if (e.points > 0 && EARNING_KINDS.has(e.kind)) expected.set(`${shop}:${customerId}:entry:${e.id}:email`, expectedLanguage(customerId));
    }
  }
  if (expected.size === 0) {
    check.mismatches.push("no earning entries to check: the ledgers came back empty");
    return { check, figures: null };
  }
  const accepted = () => standins.requests({ provider: "sendgrid", operation: "send" }).filter((r) => r.accepted);
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  let sends = accepted();
  while (Date.now() < deadline && [...expected.keys()].some((ref) => !sends.some((r) => r.body?.custom_args?.loyalnest_reference === ref))) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    sends = accepted();
  }
  const waitedMs = Date.now() - started;
  const byRef = new Map();
  for (const r of sends) {
    const ref = r.body?.custom_args?.loyalnest_reference;
    if (typeof ref !== "string" || !ref.startsWith(`${shop}:`)) continue;
    byRef.set(ref, [...(byRef.get(ref) ?? []), r]);
  }
  for (const [ref, language] of expected) {
    check.checked++;
    const got = byRef.get(ref) ?? [];
    if (got.length === 0) check.mismatches.push(`no email for ${ref}`);
    if (got.length > 1) check.mismatches.push(`${got.length} emails for ${ref}`);
    const sentIn = got[0]?.body?.custom_args?.loyalnest_language;
    if (got.length > 0 && sentIn !== language) check.mismatches.push(`${ref}: written in ${sentIn}, the customer buys in ${language}`);
  }
  for (const ref of byRef.keys()) if (!expected.has(ref)) check.mismatches.push(`an email for ${ref}, which is no earning entry`);
  const tried = standins.requests({ provider: "sendgrid", operation: "send" }).length;
  return { check, figures: { expected: expected.size, accepted: sends.length, tried, waitedMs } };
}
