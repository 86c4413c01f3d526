// Shoppers redeeming and following the shop, merchants adjusting, during the fault run. A share of the customers
// (the spenders) are funded by a merchant adjustment, then redeem rewards and are adjusted up
// and down at random moments of the delivery, some requests retried with their Idempotency-Key,
// some sent as concurrent pairs, a few meant to be refused. What the app answered is written in
// the book, the oracle's only source for what happened.
//
// Spending never dips into points earned by orders: a spender spends only what confirmed
// adjustments gave them, less everything already sent to be spent (a failed redemption's points
// are not counted back). So a refund or cancellation always finds the points it reverses, as
// without spending, and the balance stays predictable: the oracle's earn/reversal model, plus
// applied adjustments, less the redemptions that ended issued.
import { createRandom } from "./random.mjs";

const OPS_PER_SPENDER = { min: 3, max: 7 };
const FUNDING_HUNDREDS = { min: 20, max: 50 };
/** Unanswered for this long, a request is reported as never answered. */
export const CLIENT_GIVE_UP_MS = 150_000;

/** Rewards the run adds through the merchant API beside the two every shop starts with. */
export const ADDED_REWARDS = {
  pointsToMoney: {
    type: "points_to_money",
    points_cost: 100,
    min_points: 100,
    max_points: 1_500,
    code_expiry_days: 30,
    translations: { en: { title: "Points to money", description: "$1 off per 100 points" } },
  },
  // No balance reaches it: every redemption of it must be refused and leave nothing behind.
  outOfReach: {
    type: "fixed_amount",
    points_cost: 9_000_000,
    value: "90000.00",
    code_expiry_days: 30,
    translations: { en: { title: "Out of reach", description: "More points than anyone has" } },
  },
};

/** Spenders and what each will do, reproducible from the seed; budgets are checked as it runs. */
export function planSpending({ seed, oracle, spenders: count }) {
  const random = createRandom(seed ^ 0x5bead);
  // Customers with two paid orders or more: the projection learns of them early, so the
  // funding adjustment (sent once the merchant's customer list shows them) comes early.
  const candidates = random.shuffle([...oracle.customers].filter(([, c]) => c.earnOrders.size >= 2).map(([id]) => id));
  return candidates.slice(0, count).map((customerId) => {
    const ops = Array.from({ length: random.int(OPS_PER_SPENDER.min, OPS_PER_SPENDER.max) }, () => ({
      at: 0.02 + random.next() * 0.93,
      jitterMs: random.int(0, 1_500),
      op: planOp(random),
    })).sort((a, b) => a.at - b.at);
    return { customerId, funding: random.int(FUNDING_HUNDREDS.min, FUNDING_HUNDREDS.max) * 100, fundingRetried: random.chance(0.3), ops };
  });
}

function planOp(random) {
  const roll = random.next();
  if (roll < 0.56) {
    const reward = random.pick(["fiveOff", "fiveOff", "freeShipping", "pointsToMoney"]);
    const shape = pickWeighted(random, { single: 0.5, retried: 0.2, sameKeyPair: 0.12, pair: 0.18 });
    return { type: "redeem", reward, points: reward === "pointsToMoney" ? random.int(1, 15) * 100 : undefined, shape };
  }
  if (roll < 0.84) {
    const points = random.chance(0.6) ? -random.int(1, 40) * 10 : random.int(5, 100) * 10;
    return { type: "adjust", points, shape: pickWeighted(random, { single: 0.65, retried: 0.25, sameKeyPair: 0.1 }) };
  }
  if (roll < 0.92) {
    // The default program offers 50 points each for instagram and facebook, once per network.
    return { type: "follow", network: random.pick(["instagram", "facebook"]), shape: pickWeighted(random, { single: 0.4, retried: 0.2, pair: 0.2, sameKeyPair: 0.2 }) };
  }
  return { type: "probe", what: random.pick(["overdraw", "outOfReach", "keyReused"]) };
}

function pickWeighted(random, weights) {
  let roll = random.next() * Object.values(weights).reduce((a, b) => a + b, 0);
  for (const [name, weight] of Object.entries(weights)) if ((roll -= weight) < 0) return name;
  return Object.keys(weights).at(-1);
}

export function createSpendingBook() {
  return {
    /** key → { key, customerId, rewardId, points, shape, answers: [{ status, body } | null] } */
    redemptions: new Map(),
    /** key → { key, customerId, points, reason, user, shape, answers } */
    adjustments: new Map(),
    /** key → { key, customerId, network, shape, answers } */
    follows: new Map(),
    /** Requests meant to be refused: { what, customerId, key, answer } */
    probes: [],
    /** Redemptions sent while Shopify held its answers, just before wrangler dev was SIGKILLed. */
    crashKeys: new Set(),
    /** What the oracle's budget rule skipped, by op type. */
    skipped: {},
  };
}

/**
 * Runs the plan against the app. `untilProgress(fraction)` resolves once that share of the
 * deliveries is done; `outage.down` says whether Postgres is stopped; `sql` reads the
 * projection, where a merchant finds a customer before adjusting them. Returns { rewards,
 * done, redeemDuringCrash(count), holdWhile(work) }.
 */
export async function startSpending({ plan, client, book, seed, untilProgress, outage, sql, shop, merchantUsers = 4 }) {
  const rewards = await catalog(client);
  const listed = watchCustomerList({ sql, shop });
  let held = Promise.resolve();
  const spenders = new Map(plan.map((p) => [p.customerId, { budget: 0 }]));
  let userTurn = 0;
  const nextUser = () => `merchant-${userTurn++ % merchantUsers}`;
  const keyOf = (customerId, label) => `f${seed}-${customerId}-${label}`;

  async function redeemOnce({ customerId, key, rewardId, points, shape }) {
    await held;
    const record = book.redemptions.get(key) ?? { key, customerId, rewardId, points, shape, answers: [] };
    book.redemptions.set(key, record);
    if (outage.down) record.sentWhilePostgresDown = true;
    const answer = await client.redeem({ customerId, key, rewardId, points });
    record.answers.push(answer && { status: answer.status, body: answer.body, attempts: answer.attempts });
    return answer;
  }

  async function adjustOnce({ customerId, key, points, reason, shape, user = nextUser() }) {
    await held;
    const record = book.adjustments.get(key) ?? { key, customerId, points, reason, user, shape, answers: [] };
    book.adjustments.set(key, record);
    if (outage.down) record.sentWhilePostgresDown = true;
    const answer = await client.adjust({ customerId, key, points, reason, user: record.user });
    record.answers.push(answer && { status: answer.status, body: answer.body, attempts: answer.attempts });
    // Points given count once confirmed, and once per key.
    if (points > 0 && answer?.status === 200 && !record.credited) {
      record.credited = true;
      spenders.get(customerId).budget += points;
    }
    return answer;
  }

  async function followOnce({ customerId, key, network, shape }) {
    await held;
    const record = book.follows.get(key) ?? { key, customerId, network, shape, answers: [] };
    book.follows.set(key, record);
    const answer = await client.follow({ customerId, key, network });
    record.answers.push(answer && { status: answer.status, body: answer.body, attempts: answer.attempts });
    return answer;
  }

  /** A follow: once, retried with its key, two keys at once, or one key twice at once. */
  async function follow(customerId, n, { network, shape }) {
    const request = { customerId, key: keyOf(customerId, `f${n}`), network, shape };
    if (shape === "pair") await Promise.all([followOnce(request), followOnce({ ...request, key: `${request.key}b` })]);
    else if (shape === "sameKeyPair") await Promise.all([followOnce(request), followOnce(request)]);
    else {
      await followOnce(request);
      if (shape === "retried") await followOnce(request);
    }
  }

  const spend = (customerId, points, what) => {
    const spender = spenders.get(customerId);
    if (spender.budget < points) {
      book.skipped[what] = (book.skipped[what] ?? 0) + 1;
      return false;
    }
    spender.budget -= points;
    return true;
  };

  async function redeem(customerId, n, { reward, points, shape }) {
    const rewardId = rewards[reward].reward_id;
    const cost = points ?? rewards[reward].points_cost;
    const key = keyOf(customerId, `r${n}`);
    const request = { customerId, key, rewardId, points, shape };
    if (shape === "pair") {
      if (!spend(customerId, 2 * cost, "redeem pair")) return;
      await Promise.all([redeemOnce(request), redeemOnce({ ...request, key: `${key}b` })]);
    } else if (shape === "sameKeyPair") {
      if (!spend(customerId, cost, "redeem")) return;
      await Promise.all([redeemOnce(request), redeemOnce(request)]);
    } else {
      if (!spend(customerId, cost, "redeem")) return;
      await redeemOnce(request);
      if (shape === "retried") await redeemOnce(request);
    }
  }

  async function adjust(customerId, n, { points, shape }) {
    if (points < 0 && !spend(customerId, -points, "remove points")) return;
    const request = { customerId, key: keyOf(customerId, `a${n}`), points, reason: points < 0 ? "fault run: points removed" : "fault run: goodwill points", shape };
    if (shape === "sameKeyPair") {
      const user = nextUser();
      await Promise.all([adjustOnce({ ...request, user }), adjustOnce({ ...request, user })]);
    } else {
      await adjustOnce(request);
      if (shape === "retried") await adjustOnce(request);
    }
  }

  async function probe(customerId, n, what) {
    await held;
    const key = keyOf(customerId, `p${n}`);
    if (what === "overdraw") {
      const answer = await client.adjust({ customerId, key, points: -10_000_000, reason: "fault run: more than anyone has", user: nextUser() });
      book.probes.push({ what, customerId, key, answer });
    } else if (what === "outOfReach") {
      const answer = await client.redeem({ customerId, key, rewardId: rewards.outOfReach.reward_id });
      book.probes.push({ what, customerId, key, answer });
    } else {
      // A key already answered for another reward, sent with a different body.
      const used = [...book.redemptions.values()].find((r) => r.customerId === customerId && r.rewardId !== rewards.fiveOff.reward_id && r.answers.some((a) => a?.status < 300 || a?.status === 502));
      if (!used) return void (book.skipped["key reused"] = (book.skipped["key reused"] ?? 0) + 1);
      const answer = await client.redeem({ customerId, key: used.key, rewardId: rewards.fiveOff.reward_id });
      book.probes.push({ what, customerId, key: used.key, answer });
    }
  }

  async function runSpender({ customerId, funding, fundingRetried, ops }) {
    await listed.includes(customerId);
    await adjust(customerId, 0, { points: funding, shape: fundingRetried ? "retried" : "single" });
    for (const [i, { at, jitterMs, op }] of ops.entries()) {
      await untilProgress(at);
      await sleep(jitterMs);
      if (op.type === "redeem") await redeem(customerId, i + 1, op);
      else if (op.type === "adjust") await adjust(customerId, i + 1, op);
      else if (op.type === "follow") await follow(customerId, i + 1, op);
      else await probe(customerId, i + 1, op.what);
    }
  }

  const running = [Promise.all(plan.map(runSpender)).finally(listed.stop)];
  return {
    rewards,
    /** Resolves once every request has been answered or given up. */
    done: async () => {
      while (running.length) await running.shift();
    },
    /**
     * Nothing new is sent while `work` runs (requests already sent go on). The refunds-while-
     * down probe runs so: its 10-s bound is about the refund path, and under `wrangler dev`
     * spending while Postgres is down slows that path for reasons of local dev. Every
     * redemption and adjustment adds events that ledger-events retries while Postgres is down,
     * each adjustment logs Hyperdrive's connection warning through wrangler's Node process, and
     * miniflare's queue broker awaits a log call to that process for every retried message, so
     * ledger-events batches came 5–7 s apart instead of 1–2 s. Measured (300 customers, 40
     * spenders): a refund sent before its order applied after 3.6 s without spenders, after
     * more than 40 s with them; full runs without the hold took 5–23 s for the two refunds.
     * Spending resumes while Postgres is still down.
     */
    async holdWhile(work) {
      let release;
      held = new Promise((resolve) => (release = resolve));
      try {
        return await work();
      } finally {
        release();
      }
    },
    /** Fires `count` $5-off redemptions from spenders who can afford them; does not wait for them. */
    redeemDuringCrash(count) {
      const cost = rewards.fiveOff.points_cost;
      const chosen = [...spenders].filter(([, s]) => s.budget >= cost).slice(0, count);
      for (const [customerId] of chosen) {
        spend(customerId, cost, "redeem");
        const key = keyOf(customerId, `crash${book.crashKeys.size}`);
        book.crashKeys.add(key);
        running.push(redeemOnce({ customerId, key, rewardId: rewards.fiveOff.reward_id, shape: "inFlightAtCrash" }));
      }
      return chosen.length;
    },
  };
}

/**
 * The merchant's customer list (the projection): `includes(id)` resolves once the customer is
 * in it, as a merchant finds a customer before adjusting them. One query a second for all the
 * customers still awaited; none while Postgres is down.
 */
function watchCustomerList({ sql, shop, everyMs = 1_000 }) {
  const awaited = new Map();
  let stopped = false;
  (async () => {
    while (!stopped) {
      if (awaited.size > 0) {
        const rows = await sql`SELECT customer_id FROM customers WHERE shop = ${shop} AND customer_id = ANY(${[...awaited.keys()]})`.catch(() => []);
        for (const { customer_id } of rows) {
          awaited.get(customer_id)?.();
          awaited.delete(customer_id);
        }
      }
      await sleep(everyMs);
    }
  })();
  return {
    includes: (customerId) => new Promise((resolve) => awaited.set(customerId, resolve)),
    stop: () => {
      stopped = true;
    },
  };
}

/** The two rewards every new shop offers, and the ones this run adds. */
async function catalog(client) {
  const offered = await client.storefrontRewards();
  const fiveOff = offered.find((r) => r.type === "fixed_amount" && r.points_cost === 500);
  const freeShipping = offered.find((r) => r.type === "free_shipping");
  if (!fiveOff || !freeShipping) throw new Error(`the shop does not offer its default rewards: ${JSON.stringify(offered)}`);
  const added = {};
  for (const [name, reward] of Object.entries(ADDED_REWARDS)) {
    added[name] = { reward_id: await client.addReward(reward), points_cost: reward.points_cost };
  }
  return { fiveOff, freeShipping, ...added };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
