// The spending calls as the widget and the dashboard make them: a redemption and a social
// follow (App Proxy signed, with an Idempotency-Key) and a merchant adjustment (session token,
// with an Idempotency-Key).
// A request that gets no answer of the app's own (connection refused or reset while wrangler
// dev is down, a timeout, a 5xx without our envelope, a 429, a body that cannot be read to its
// end) is sent again with the same key, as a shopper's widget or a merchant's browser would,
// until the app answers or a while passes.
const REQUEST_TIMEOUT_MS = 20_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 4_000;
/** A 404 for a customer the projection does not know yet is tried again after 2 s, then less often. */
const UNKNOWN_CUSTOMER_RETRY_MS = { first: 2_000, max: 10_000 };

/**
 * @param {{ url: () => string, signer: ReturnType<import("./shopify-signing.mjs").createSigner>, shop: string,
 *   giveUpAfterMs: number, stats: ReturnType<typeof createClientStats> }} options
 */
export function createSpendingClient({ url, signer, shop, giveUpAfterMs, stats }) {
  /**
   * Sends until `settled(status, body)` accepts an answer; null when none came in time. Only
   * a JSON body read to its end is an answer: headers alone (the body cut off by a reset or
   * by our timeout) say nothing of what the app did.
   */
  async function untilAnswered(label, send, settled) {
    const started = Date.now();
    let waits = 0;
    for (let attempt = 0; ; attempt++) {
      stats.requests++;
      let status = null;
      let body = null;
      const sentAt = Date.now();
      try {
        const response = await send();
        const text = await response.text();
        try {
          body = JSON.parse(text);
          status = response.status;
        } catch {
          stats.transport[`${response.status} not JSON`] = (stats.transport[`${response.status} not JSON`] ?? 0) + 1;
        }
      } catch (error) {
        const code = error?.cause?.code ?? error?.name;
        stats.transport[code] = (stats.transport[code] ?? 0) + 1;
      }
      if (status !== null) {
        const verdict = settled(status, body);
        if (verdict === "answer") {
          (stats.latencies[label] ??= []).push(Date.now() - sentAt);
          return { status, body, attempts: attempt + 1 };
        }
        stats.retried[`${label} ${status}`] = (stats.retried[`${label} ${status}`] ?? 0) + 1;
        if (verdict === "later") {
          await sleep(Math.min(UNKNOWN_CUSTOMER_RETRY_MS.first * 1.5 ** waits++, UNKNOWN_CUSTOMER_RETRY_MS.max));
          if (Date.now() - started > giveUpAfterMs) return null;
          continue;
        }
      }
      if (Date.now() - started > giveUpAfterMs) return null;
      await sleep(Math.min(BACKOFF_FIRST_MS * 2 ** attempt, BACKOFF_MAX_MS));
    }
  }

  return {
    /** → { status, body, attempts } with status 200 | 202 | 502 (ours) | 4xx, or null (never answered). */
    redeem({ customerId, key, rewardId, points }) {
      const body = JSON.stringify(points === undefined ? { reward_id: rewardId } : { reward_id: rewardId, points });
      return untilAnswered(
        "redeem",
        () =>
          fetch(signer.proxyUrl("/rewards/redeem", { shop, customerId }), {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": key },
            body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          }),
        (status, answer) => {
          // 200, 202 and 502 are answers only with the redemption they name (a bare 502 is not the app's).
          if (status === 200 || status === 202 || status === 502) return answer?.redemption_id ? "answer" : "again";
          if (status === 429 || status >= 500) return "again";
          return answer?.error ? "answer" : "again";
        },
      );
    },

    /** → { status, body, attempts }: 200 (applied or duplicate) or 4xx; a 404 unknown customer is waited out. */
    adjust({ customerId, key, points, reason, user }) {
      return untilAnswered(
        "adjust",
        () =>
          fetch(`${url()}/v1/api/customers/${customerId}/adjust`, {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": key, authorization: `Bearer ${signer.sessionToken(shop, user)}` },
            body: JSON.stringify({ points, reason }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          }),
        (status, answer) => {
          if (status === 200) return answer?.entry_id ? "answer" : "again";
          if (status === 404 && answer?.error?.code === "customer_not_found") return "later";
          if (status === 429 || status >= 500) return "again";
          return answer?.error ? "answer" : "again";
        },
      );
    },

    /** → { status, body, attempts }: 200 (applied, duplicate or limit_reached) or 4xx. */
    follow({ customerId, key, network }) {
      return untilAnswered(
        "follow",
        () =>
          fetch(signer.proxyUrl("/actions/social-follow", { shop, customerId }), {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": key },
            body: JSON.stringify({ network }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          }),
        (status, answer) => {
          if (status === 200) return answer?.outcome ? "answer" : "again";
          if (status === 429 || status >= 500) return "again";
          return answer?.error ? "answer" : "again";
        },
      );
    },

    /** The shopper's redemptions and newest ledger entries, or null when the app does not answer. */
    async history(customerId) {
      const answer = await untilAnswered(
        "history",
        () => fetch(signer.proxyUrl("/customer/history", { shop, customerId, extra: { limit: "100" } }), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
        (status, answer) => (status === 200 ? (Array.isArray(answer?.redemptions) ? "answer" : "again") : status === 429 || status >= 500 ? "again" : "answer"),
      );
      return answer?.status === 200 ? answer.body : null;
    },

    /** The shop's catalog as the widget sees it. */
    async storefrontRewards() {
      const response = await fetch(signer.proxyUrl("/widget/config", { shop, customerId: null }), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`widget config: ${response.status} ${await response.text()}`);
      return (await response.json()).rewards;
    },

    /** A reward added through the merchant API; returns its id. */
    async addReward(reward) {
      const response = await fetch(`${url()}/v1/api/rewards`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${signer.sessionToken(shop, "catalog-editor")}` },
        body: JSON.stringify(reward),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await response.json().catch(() => null);
      if (response.status !== 201) throw new Error(`adding a reward: ${response.status} ${JSON.stringify(body)}`);
      return body.reward.reward_id;
    },
  };
}

export function createClientStats() {
  /** latencies: label → ms of each request the app answered (the answered attempt alone). */
  return { requests: 0, transport: {}, retried: {}, latencies: {} };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
