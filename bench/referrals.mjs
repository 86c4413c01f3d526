// The referral phase: friends' first orders arriving with an advocate's code in their cart
// attribute, as the widget sets it from a referral link. Each delivery binds and completes a
// referral inside the friend's account (the code looked up in D1, the advocate's identity and
// the shop's velocity counts asked first), so it is the slow path of orders/paid. Then the
// check: every friend holds their order's points plus the referral's 50, once, and every
// advocate their 50 per friend (given by their own account from the friends' outboxes).
import { createHmac, randomUUID } from "node:crypto";
import { API_VERSION, appProxyPath, formatCents, pointsForCents, SHOP } from "./shopify.mjs";

export const REFERRAL_REWARD = 50;
const FRIEND_CENTS = 4_200;

/** Advocates with a code each (POST /proxy/v1/api/referrals/create, as the widget asks). */
export async function createAdvocates(baseUrl, secret, ids) {
  const advocates = [];
  for (const id of ids) {
    const response = await fetch(baseUrl + appProxyPath(secret, "/proxy/v1/api/referrals/create", { customerId: id }), { method: "POST", signal: AbortSignal.timeout(10_000) });
    const body = await response.json().catch(() => null);
    if (response.status !== 200 || !body?.code) throw new Error(`referral code for ${id}: ${response.status} ${JSON.stringify(body)}`);
    advocates.push({ id, code: body.code });
  }
  return advocates;
}

/** A friend's first paid order carrying the advocate's code (cart attribute), signed as Shopify signs it. */
export function referralOrderRequest({ secret, nextFriend, onAnswer }) {
  return {
    method: "POST",
    setupRequest(req, context) {
      const friend = nextFriend();
      context.friend = friend;
      const body =
        `{"id":${friend.orderId},"admin_graphql_api_id":"gid://shopify/Order/${friend.orderId}","subtotal_price":"${formatCents(FRIEND_CENTS)}","currency":"USD",` +
        `"note_attributes":[{"name":"_loyalnest_referral","value":"${friend.advocate.code}"}],` +
        `"customer":{"id":${friend.customerId},"admin_graphql_api_id":"gid://shopify/Customer/${friend.customerId}","email":"friend-${friend.customerId}@bench.example"}}`;
      const headers = {
        "content-type": "application/json",
        "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
        "x-shopify-topic": "orders/paid",
        "x-shopify-shop-domain": SHOP,
        "x-shopify-webhook-id": randomUUID(),
        "x-shopify-api-version": API_VERSION,
      };
      return { ...req, path: "/v1/api/shopify/webhook", headers, body };
    },
    onResponse(status, body, context) {
      onAnswer?.(context.friend, status, body);
    },
  };
}

/** What each friend's answer must say: applied, with the order's points and the referral's 50. */
export function friendPoints() {
  return pointsForCents(FRIEND_CENTS) + REFERRAL_REWARD;
}

/**
 * After the phase: every friend whose order was answered holds its points and one referral
 * reward; one sent but unanswered when the phase stopped holds either that or nothing (it may
 * have been applied after the client stopped waiting); every advocate holds 50 per friend who
 * holds their reward, once the outboxes have reached them.
 */
export async function verifyReferrals({ baseUrl, secret, sent, answered, advocates, timeoutMs = 60_000 }) {
  const balance = async (customerId) => {
    const response = await fetch(baseUrl + appProxyPath(secret, "/proxy/v1/api/customer", { customerId }), { signal: AbortSignal.timeout(10_000) });
    return (await response.json()).customer?.points_balance ?? null;
  };
  const problems = [];
  const rewarded = new Map(advocates.map((a) => [a.id, 0]));
  for (const friend of sent) {
    const got = await balance(friend.customerId);
    const wasAnswered = answered.has(friend);
    if (got === friendPoints()) rewarded.set(friend.advocate.id, rewarded.get(friend.advocate.id) + 1);
    else if (wasAnswered || (got !== 0 && got !== null)) problems.push(`friend ${friend.customerId}: ${got} points, expected ${friendPoints()}${wasAnswered ? "" : " or none (unanswered)"}`);
  }
  const deadline = Date.now() + timeoutMs;
  let behind = advocates;
  while (behind.length > 0 && Date.now() < deadline) {
    const balances = await Promise.all(behind.map((a) => balance(a.id)));
    behind = behind.filter((a, i) => balances[i] !== rewarded.get(a.id) * REFERRAL_REWARD);
    if (behind.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const a of behind) problems.push(`advocate ${a.id}: ${await balance(a.id)} points, expected ${rewarded.get(a.id) * REFERRAL_REWARD} for ${rewarded.get(a.id)} friends`);
  if (answered.size === 0) problems.push("no friend's order was answered: nothing to check");
  return { ok: problems.length === 0, friends: answered.size, unanswered: sent.length - answered.size, advocates: advocates.length, problems: problems.slice(0, 5), problemCount: problems.length };
}
