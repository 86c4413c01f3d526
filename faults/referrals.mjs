// Referrals under the fault schedule, on a shop of their own (like the notifications shop, kept
// out of the main oracle's books): advocates share codes; each friend is bound twice at once,
// by the widget's complete call and by their first order's cart attribute (the order delivered
// twice more, one of them alongside), through the Postgres outage and the SIGKILL; every fifth
// friend's order is then cancelled. Each referral must end with one reward per side (both
// taken back for a cancelled order), in the accounts, in the advocates' lists and in the
// reporting projection.
import { sendWebhook } from "../scripts/send-webhook.mjs";

export const REFERRAL_SHOP = "faults-referrals.myshopify.com";
const ADVOCATES = 10;
const FRIENDS_PER_ADVOCATE = 4;
/** The friends' traffic goes out between these fractions of the main delivery (outage 15–42%, crash 55%). */
const FROM = 0.1;
const TO = 0.65;
const BATCHES = 8;
const GIVE_UP_MS = 150_000;
const REWARD = 50;
const POINTS_PER_UNIT = 10;

const customerJson = (id, email) => `{"id":${id},"admin_graphql_api_id":"gid://shopify/Customer/${id}","email":"${email}","created_at":"${new Date().toISOString()}"}`;

function orderJson({ orderId, customerId, email, subtotal, code, cancelled = false }) {
  const attributes = code ? `[{"name":"_loyalnest_referral","value":"${code}"}]` : "[]";
  return (
    `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}","name":"#${orderId.slice(-6)}","email":"${email}",` +
    `"currency":"USD","subtotal_price":"${subtotal}","total_price":"${subtotal}","financial_status":"${cancelled ? "voided" : "paid"}",` +
    `"cancelled_at":${cancelled ? '"2026-11-20T10:00:00Z"' : "null"},"browser_ip":"198.51.100.${Number(BigInt(orderId) % 250n)}",` +
    `"note_attributes":${attributes},"customer":${customerJson(customerId, email)},"line_items":[]}`
  );
}

/** Retries until `ok` (a 2xx, or an answer that is final), as Shopify and a shopper's widget would. */
async function untilAnswered(send, ok) {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    const answer = await send().catch((error) => ({ status: 0, body: String(error) }));
    if (ok(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`no answer within ${GIVE_UP_MS / 1000} s: last ${answer.status} ${String(answer.body).slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Installs the shop; each advocate pays an order of their own and asks for their code. */
export async function setUpReferralShop({ url, signer, secret, seed }) {
  const installed = await fetch(`${url}/auth/token-exchange`, { method: "POST", headers: { authorization: `Bearer ${signer.sessionToken(REFERRAL_SHOP)}` } });
  if (!installed.ok) throw new Error(`referral shop install: ${installed.status} ${await installed.text()}`);
  const base = 9_300_000_000_000_000_000n + BigInt(seed % 1_000_000) * 10_000n;
  const advocates = [];
  for (let a = 0; a < ADVOCATES; a++) {
    const id = String(base + BigInt(a));
    const subtotal = `${10 + a}.00`;
    const body = orderJson({ orderId: String(base + 5_000n + BigInt(a)), customerId: id, email: `advocate${a}@faults-referrals.example`, subtotal });
    const paid = await sendWebhook({ url, secret, topic: "orders/paid", shop: REFERRAL_SHOP, body });
    if (paid.status !== 200) throw new Error(`referral shop: advocate order answered ${paid.status} ${paid.body}`);
    const created = await fetch(signer.proxyUrl("/referrals/create", { shop: REFERRAL_SHOP, customerId: id }), { method: "POST" });
    const answer = await created.json().catch(() => ({}));
    if (created.status !== 200 || !answer.code) throw new Error(`referral shop: /referrals/create answered ${created.status} ${JSON.stringify(answer)}`);
    advocates.push({ id, code: answer.code, ownPoints: (10 + a) * POINTS_PER_UNIT });
  }
  const friends = [];
  for (let f = 0; f < ADVOCATES * FRIENDS_PER_ADVOCATE; f++) {
    const id = String(base + 1_000n + BigInt(f));
    friends.push({
      id,
      advocate: advocates[f % ADVOCATES],
      orderId: String(base + 6_000n + BigInt(f)),
      email: `friend${f}@faults-referrals.example`,
      subtotal: `${20 + (f % 7)}.${String((f * 13) % 100).padStart(2, "0")}`,
      cancelled: f % 5 === 4,
    });
  }
  return { base, advocates, friends };
}

/** The friends' traffic as the main delivery progresses; `done` resolves when every call was answered. */
export function startReferralTraffic({ url, signer, secret, setup, untilProgress }) {
  const figures = { webhooks: 0, completes: 0, failures: [] };
  const webhook = (topic, body) =>
    untilAnswered(
      () => sendWebhook({ url, secret, topic, shop: REFERRAL_SHOP, body }),
      (a) => a.status === 200,
    ).then(() => void figures.webhooks++);
  const complete = (friend) =>
    untilAnswered(
      async () => {
        const response = await fetch(signer.proxyUrl("/referrals/complete", { shop: REFERRAL_SHOP, customerId: friend.id }), {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": `203.0.113.${Number(BigInt(friend.id) % 250n)}` },
          body: JSON.stringify({ code: friend.advocate.code, device_id: `device-${friend.id}` }),
        });
        return { status: response.status, body: await response.text() };
      },
      // Bound, or already bound by the order (the same code answers 200 too): anything else is final and wrong.
      (a) => a.status === 200 || (a.status >= 400 && a.status < 500 && a.status !== 429),
    ).then((a) => {
      figures.completes++;
      if (a.status !== 200) figures.failures.push(`friend ${friend.id}: complete answered ${a.status} ${a.body.slice(0, 120)}`);
    });
  const done = (async () => {
    const perBatch = Math.ceil(setup.friends.length / BATCHES);
    for (let b = 0; b < BATCHES; b++) {
      await untilProgress(FROM + ((TO - FROM) * b) / BATCHES);
      await Promise.all(
        setup.friends.slice(b * perBatch, (b + 1) * perBatch).map(async (friend) => {
          const paid = orderJson({ orderId: friend.orderId, customerId: friend.id, email: friend.email, subtotal: friend.subtotal, code: friend.advocate.code });
          await Promise.all([complete(friend), webhook("orders/paid", paid), webhook("orders/paid", paid)]);
          await webhook("orders/paid", paid);
          if (friend.cancelled) {
            const cancelled = orderJson({ orderId: friend.orderId, customerId: friend.id, email: friend.email, subtotal: friend.subtotal, code: friend.advocate.code, cancelled: true });
            await Promise.all([webhook("orders/cancelled", cancelled), webhook("orders/cancelled", cancelled)]);
          }
        }),
      );
    }
    return figures;
  })();
  return { done };
}

const earned = (subtotal) => Math.floor(Number(subtotal.replace(".", "")) / 10);

/**
 * Waits (up to timeoutMs) for the advocates' side, then compares every account's balance and
 * referral entries, the advocates' lists and the projection's rows with what the traffic implies.
 */
export async function checkReferrals({ url, signer, sql, setup, figures, timeoutMs }) {
  const check = { name: "one referral per friend, each side rewarded once (taken back when cancelled)", checked: 0, mismatches: [...figures.failures] };
  const proxy = async (path, customerId) => {
    const response = await fetch(signer.proxyUrl(path, { shop: REFERRAL_SHOP, customerId }));
    if (!response.ok) throw new Error(`${path} for ${customerId}: ${response.status}`);
    return response.json();
  };
  const expectedStatus = (friend) => (friend.cancelled ? "reversed" : "completed");
  const advocateExpected = (advocate) => advocate.ownPoints + REWARD * setup.friends.filter((f) => f.advocate === advocate && !f.cancelled).length;
  // The advocates' side follows the friends' outboxes through the queue: wait for it to settle.
  const started = Date.now();
  const advocatesSettled = async () => {
    for (const advocate of setup.advocates) {
      const { customer } = await proxy("/customer", advocate.id);
      if (customer.points_balance !== advocateExpected(advocate)) return false;
    }
    return true;
  };
  while (Date.now() - started < timeoutMs && !(await advocatesSettled().catch(() => false))) await new Promise((resolve) => setTimeout(resolve, 2_000));
  const projected = async () => sql`SELECT referral_id, status, advocate_id FROM referrals WHERE shop = ${REFERRAL_SHOP}`;
  while (Date.now() - started < timeoutMs && (await projected()).filter((r) => r.status === "completed" || r.status === "reversed").length < setup.friends.length) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }

  for (const friend of setup.friends) {
    check.checked++;
    const { customer } = await proxy("/customer", friend.id);
    const expected = friend.cancelled ? 0 : earned(friend.subtotal) + REWARD;
    if (customer.points_balance !== expected) check.mismatches.push(`friend ${friend.id}: balance ${customer.points_balance}, expected ${expected}`);
    const { transactions } = await proxy("/customer/history", friend.id);
    const referralEntries = transactions.filter((t) => t.kind === "referral");
    if (referralEntries.length !== 1 || referralEntries[0].points !== REWARD) {
      check.mismatches.push(`friend ${friend.id}: referral entries ${JSON.stringify(referralEntries.map((t) => t.points))}, expected one of ${REWARD}`);
    }
  }
  for (const advocate of setup.advocates) {
    check.checked++;
    const { customer } = await proxy("/customer", advocate.id);
    if (customer.points_balance !== advocateExpected(advocate)) {
      check.mismatches.push(`advocate ${advocate.id}: balance ${customer.points_balance}, expected ${advocateExpected(advocate)}`);
    }
    // The list names no friend (opaque ids): its statuses must be those of the advocate's friends.
    const listed = ((await proxy("/referrals", advocate.id)).referrals ?? []).map((r) => r.status).sort();
    const mine = setup.friends.filter((f) => f.advocate === advocate).map(expectedStatus).sort();
    if (JSON.stringify(listed) !== JSON.stringify(mine)) check.mismatches.push(`advocate ${advocate.id}'s list: ${listed.join(", ")}; expected ${mine.join(", ")}`);
  }
  const rows = new Map((await projected()).map((r) => [r.referral_id, r]));
  for (const friend of setup.friends) {
    check.checked++;
    const row = rows.get(friend.id);
    if (row?.status !== expectedStatus(friend) || row?.advocate_id !== friend.advocate.id) {
      check.mismatches.push(`projection: referral ${friend.id} is ${row ? `${row.status} for ${row.advocate_id}` : "missing"}, expected ${expectedStatus(friend)} for ${friend.advocate.id}`);
    }
  }
  if (rows.size !== setup.friends.length) check.mismatches.push(`projection holds ${rows.size} referrals, expected ${setup.friends.length}`);
  return { check, figures: { friends: setup.friends.length, cancelled: setup.friends.filter((f) => f.cancelled).length, waitedMs: Date.now() - started, webhooks: figures.webhooks, completes: figures.completes } };
}
