// `npm run bench`: the performance budgets of DESIGN.md, each printed beside a floor measured
// in the same run. Starts a fresh stack (or measures a running one with --url), drives it with
// autocannon from this process over loopback, prints one table and writes it to
// bench/results/<timestamp>.json. See bench/README.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { errorCount, measure, pool } from "./load.mjs";
import { appProxyPath, orderPaidWebhook, pointsForCents, readApiSecret, readDevVar, rng } from "./shopify.mjs";
import { SEARCH_CUSTOMERS, searchPath, seedReportingData, sessionToken } from "./reporting-data.mjs";
import { EXPORT_BUDGET_MS, EXPORT_CUSTOMERS, measureExport, seedExportShop } from "./export.mjs";
import {
  REDEEM_PATH,
  REDEMPTION_SHOPS,
  adjustRequest,
  followRequest,
  createRedemptionBook,
  fiveOffRewards,
  fundShoppers,
  installShops,
  redeemRequest,
  verifyRedemptions,
  waitUntilKnown,
} from "./redemption.mjs";
import { ROOT, startStack, stopAllStacks } from "./stack.mjs";
import { requireDevVars } from "../scripts/dev-vars.mjs";
import { MAIN_THREAD, cpuPerRequest, cpuSnapshot, otherLoad } from "./cpu.mjs";
import { formatGrid, formatTable } from "./table.mjs";
import { createAdvocates, friendPoints, referralOrderRequest, verifyReferrals } from "./referrals.mjs";
import { measureWidget } from "./widget.mjs";
import { CPU_SLOWDOWN, LAUNCHER_BUDGET_MS, measureWidgetFirstPaint } from "./widget-first-paint.mjs";

const USAGE = `usage: npm run bench [-- options]
  --url <http://127.0.0.1:8787>  measure a running app instead of starting one (floors need
                                 it started with --var BENCH_FLOOR:on, else they print n/a)
  --quick                        short phases (a smoke run of the harness, not a measurement)
  --strict                       exit 1 when a budget fails (default: report and exit 0)
  --breakdown                    also measure two partial webhook paths (a redelivery answered
                                 "duplicate", a bad HMAC answered 401) to see where time goes
  --keep                         keep the temp persist dir of the started stack`;

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    quick: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    breakdown: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const CUSTOMER_COUNT = 1_000;
const FLOOR_KEYS = 1_000;
const WEBHOOK_RATE = 100;
const SAMPLE = 50;
const REDELIVER = 10;
const PHASES = args.quick
  ? { rateSeconds: 4, saturatedSeconds: 3, floorSeconds: 3, storefrontSeconds: 3, pacedSeconds: 3, breakdownSeconds: 2, searchSeconds: 3, analyticsSeconds: 3, redeemSeconds: 4, adjustSeconds: 3, followSeconds: 3, referralSeconds: 3, settleMs: 1_000, alarmEchoMs: 3_000 }
  : { rateSeconds: 15, saturatedSeconds: 10, floorSeconds: 10, storefrontSeconds: 10, pacedSeconds: 8, breakdownSeconds: 5, searchSeconds: 10, analyticsSeconds: 10, redeemSeconds: 15, adjustSeconds: 10, followSeconds: 10, referralSeconds: 10, settleMs: 2_000, alarmEchoMs: 16_000 };
// search: a few merchants searching; DESIGN.md gives the search budget no concurrency. They are
// paced inside the merchant API's rate limits (core/rate-limits.ts: 600 per user and 3,000 per
// shop a minute), which a closed loop of 4 connections (~400 req/s locally) would pass.
const SEARCH_MERCHANTS = 4;
const SEARCH_RATE = 36; // req/s over all merchants: 9 each, 540 a minute
// analytics: merchants opening the Analytics screen (one request each, then reading it), 2 a
// second over the same 4 users. DESIGN.md gives analytics no figure; the issue asks for queries
// that "stay fast" at 50,000 customers and a million ledger rows, held here to ANALYTICS_P95_MS.
const ANALYTICS_RATE = 2;
const ANALYTICS_P95_MS = 1_000;

// redemptions: DESIGN.md's 20 a second, spread over the shops (see bench/redemption.mjs), each
// shopper redeeming once; adjustments: a few merchants' clicks, one staff user per shop.
const REDEEM_RATE = 20;
const REDEEM_SHOPPERS_PER_SHOP = 100;
const ADJUST_RATE = 10;
const ADJUST_SHOPPERS_PER_SHOP = 10;
// social follows: an earning action from the widget, each (shopper, network) once.
const FOLLOW_RATE = 20;
// referrals: friends' first orders with a referral code, over a few advocates.
const REFERRAL_RATE = 20;
const REFERRAL_ADVOCATES = 10;
const FOLLOW_NETWORKS = ["instagram", "facebook"];
// The widget in Chromium: fresh tabs (each a first visit) after one that warms Chromium.
const FIRST_PAINT_TABS = args.quick ? 3 : 7;

const CONNECTIONS = { search: 4, analytics: 2, rate: 20, saturated: 50, doFloor: 50, storefront: 100, storefrontPaced: 20, workerFloor: 100, breakdown: 50, redeem: 8, adjust: 4, follow: 8, referral: 8 };
/** The fixed rate is sent as 10 autocannon instances of 10 req/s, 100 ms apart (see load.mjs). */
const RATE_STREAMS = 10;

const WEBHOOK_PATH = "/v1/api/shopify/webhook";
const CUSTOMER_PATH = "/proxy/v1/api/customer";

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- Run identity: ids unique to this run, so --url against a long-lived app still verifies ----

const startedAt = new Date();
const runTag = String(startedAt.getTime()); // 13 digits
const customerId = (i) => `${runTag}${String(i).padStart(4, "0")}`; // 17 digits
const customers = Array.from({ length: CUSTOMER_COUNT }, (_, i) => customerId(i));
const warmupCustomers = Array.from({ length: 20 }, (_, i) => customerId(CUSTOMER_COUNT + i));
let orderSeq = 0;
const nextOrderId = () => `${runTag}${String(++orderSeq).padStart(6, "0")}`;
const random = rng(Number(runTag.slice(-9)));
const pick = (list) => list[Math.floor(random() * list.length)];
// A started stack uses .dev.vars (created from the example when absent, as `npm run dev` does);
// read it only once it is there and complete.
if (!args.url) {
  try {
    if (requireDevVars().created) log("created .dev.vars from .dev.vars.example");
  } catch (error) {
    log(`bench failed: ${error.message}`);
    process.exit(1);
  }
}
const secret = readApiSecret(ROOT);

/** Every order this run sent, and what each customer's balance must be. */
class OrderBook {
  expected = new Map(); // customerId -> points from orders answered "applied"
  lastApplied = new Map(); // customerId -> { orderId, cents }
  uncertain = new Set(); // customers with an order that was not answered 200 "applied"
  inFlight = new Map();
  phase = null;

  startPhase() {
    this.phase = { applied: 0, unexpected: 0, wrongPoints: 0, samples: [] };
    return this.phase;
  }

  sent(orderId, customerId, cents) {
    const order = { orderId, customerId, cents, points: pointsForCents(cents) };
    this.inFlight.set(orderId, order);
    return order;
  }

  answered(order, status, body) {
    if (!order || !this.inFlight.delete(order.orderId)) return;
    if (status !== 200) {
      this.uncertain.add(order.customerId);
      return; // counted as non-2xx by the load runner
    }
    let parsed = null;
    try {
      parsed = JSON.parse(body);
    } catch {}
    if (parsed?.outcome !== "applied") {
      this.uncertain.add(order.customerId);
      this.phase.unexpected++;
      if (this.phase.samples.length < 5) this.phase.samples.push(String(body).slice(0, 200));
      return;
    }
    this.phase.applied++;
    if (parsed.points !== order.points) this.phase.wrongPoints++;
    this.expected.set(order.customerId, (this.expected.get(order.customerId) ?? 0) + order.points);
    this.lastApplied.set(order.customerId, { orderId: order.orderId, cents: order.cents });
  }

  /** Orders still unanswered when a phase stopped may or may not have been applied. */
  endPhase() {
    const unanswered = this.inFlight.size;
    for (const order of this.inFlight.values()) this.uncertain.add(order.customerId);
    this.inFlight.clear();
    return { ...this.phase, unanswered };
  }
}
const book = new OrderBook();

function webhookRequest(nextCustomer) {
  return {
    method: "POST",
    path: WEBHOOK_PATH,
    setupRequest(req, context) {
      const customerId = nextCustomer();
      const cents = 500 + Math.floor(random() * 19_500); // $5.00 – $199.99
      const orderId = nextOrderId();
      const { body, headers } = orderPaidWebhook(secret, { orderId, customerId, cents });
      context.order = book.sent(orderId, customerId, cents);
      return { ...req, body, headers };
    },
    onResponse(status, body, context) {
      book.answered(context.order, status, body);
    },
  };
}

function storefrontRequest() {
  return {
    method: "GET",
    path: CUSTOMER_PATH,
    // A fresh signature and timestamp per request, as Shopify's proxy sends them.
    setupRequest: (req) => ({ ...req, path: appProxyPath(secret, CUSTOMER_PATH, { customerId: pick(customers) }) }),
  };
}

async function storefrontBalance(baseUrl, customerId) {
  const res = await fetch(baseUrl + appProxyPath(secret, CUSTOMER_PATH, { customerId }), { signal: AbortSignal.timeout(10_000) });
  const body = await res.json().catch(() => null);
  return { status: res.status, balance: body?.customer?.points_balance ?? null };
}

/**
 * Visibility: right after the webhooks' 200s, the storefront API shows exactly what was sent.
 * A few already-applied orders are redelivered first (same order id, new webhook id): each
 * distinct order id must count once.
 */
async function verifyVisibility(baseUrl, label) {
  const candidates = customers.filter((c) => book.expected.has(c) && !book.uncertain.has(c));
  const step = Math.max(1, Math.floor(candidates.length / SAMPLE));
  const offset = label === "after saturated" ? Math.floor(step / 2) : 0; // a different sample
  const sample = candidates.filter((_, i) => i % step === offset).slice(0, SAMPLE);
  const redelivered = { sent: 0, duplicate: 0, other: [] };
  await pool(sample.slice(0, REDELIVER), 5, async (customerId) => {
    const { orderId, cents } = book.lastApplied.get(customerId);
    const { body, headers } = orderPaidWebhook(secret, { orderId, customerId, cents });
    const res = await fetch(baseUrl + WEBHOOK_PATH, { method: "POST", body, headers, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    redelivered.sent++;
    if (res.status === 200 && JSON.parse(text).outcome === "duplicate") redelivered.duplicate++;
    else redelivered.other.push(`${res.status} ${text.slice(0, 200)}`);
  });
  const mismatches = [];
  await pool(sample, 10, async (customerId) => {
    const { status, balance } = await storefrontBalance(baseUrl, customerId);
    const expected = book.expected.get(customerId);
    if (status !== 200 || balance !== expected) mismatches.push({ customerId, status, expected, balance });
  });
  const ok = sample.length > 0 && mismatches.length === 0 && redelivered.duplicate === redelivered.sent;
  return { label, ok, sampled: sample.length, matched: sample.length - mismatches.length, mismatches, redelivered, uncertainExcluded: book.uncertain.size };
}

// --- The run -------------------------------------------------------------------------------

let stack = null;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (!args.url) {
    log("stopping the stack…");
    // Also a stack still starting (a signal during start-up), not only `stack`.
    await stopAllStacks().catch((e) => log(`stop failed: ${e}`));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));

async function main() {
  log("widget bundle: building a copy with widget/build.mjs…");
  const widget = await measureWidget();
  log(widget.gzipBytes ? `  ${(widget.chunks ?? []).map((c) => `${c.name} ${c.gzipBytes} bytes gzipped, ${c.brotliBytes} brotli (${c.rawBytes} raw)`).join("; ")}` : `  n/a: ${widget.error}`);
  let baseUrl;
  if (args.url) {
    baseUrl = args.url.replace(/\/+$/, "");
    const health = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) }).catch((e) => e);
    if (!(health instanceof Response) || !health.ok) {
      const detail = health instanceof Response ? `${health.status} ${await health.text().catch(() => "")}` : String(health);
      throw new Error(`${baseUrl}/health is not answering: ${detail}`);
    }
    log(`measuring the running app at ${baseUrl}`);
  } else {
    stack = await startStack({ keep: args.keep });
    baseUrl = stack.url;
  }
  const floorsOn = await fetch(`${baseUrl}/bench/floor/worker`, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.ok)
    .catch(() => false);
  if (!floorsOn) log("floors are off (start the app with --var BENCH_FLOOR:on): floor rows print n/a");

  const phases = {};
  const warmup = {};
  const cpu = () => cpuSnapshot(stack?.pgid, stack?.port);
  const run = async (name, description, options, into = phases) => {
    log(`${description}…`);
    const before = cpu();
    const t0 = performance.now();
    const m = await measure({ url: baseUrl, ...options });
    const after = cpu();
    m.cpuMsPerRequest = stack ? cpuPerRequest(before, after, m.responses) : null;
    m.otherLoad = stack ? otherLoad(before, after, (performance.now() - t0) / 1000, cpus().length) : null;
    into[name] = m;
    log(`  ${m.rps} req/s, p50 ${m.p50} ms, p95 ${m.p95} ms, p99 ${m.p99} ms, ${m.responses} responses, ${errorCount(m)} errors`);
    return m;
  };
  const webhookPhase = async (name, description, options, nextCustomer, into = phases) => {
    book.startPhase();
    const m = await run(name, description, { ...options, request: webhookRequest(nextCustomer) }, into);
    m.outcomes = book.endPhase();
    return m;
  };

  // The idle stack's own CPU use, for reading the per-request CPU figures at low rates.
  const idleStart = cpu();
  await sleep(2_000);
  const idleCpuMsPerSecond = stack ? cpuPerRequest(idleStart, cpu(), 2) : null;

  // Warm-up: isolates compiled, the D1 shop/program caches filled, and every object the
  // measured phases touch created beforehand (creating an object costs several warm writes),
  // so warm paths are compared with warm paths. Nothing here arms alarms except 20 webhooks.
  if (floorsOn) {
    await run("workerGet", "warm-up: bare Worker GET, 10 conns, 2 s", { connections: 10, duration: 2, request: { method: "GET", path: "/bench/floor/worker" } }, warmup);
    let key = 0;
    await run("doCreate", `warm-up: first write to each of ${FLOOR_KEYS} floor objects, 20 conns`, {
      connections: 20,
      amount: FLOOR_KEYS,
      request: { method: "POST", setupRequest: (req) => ({ ...req, path: `/bench/floor/do-write/k${key++ % FLOOR_KEYS}` }) },
    }, warmup);
  }
  let nextNew = 0;
  await run("customerCreate", `warm-up: first storefront read of each of ${CUSTOMER_COUNT} customers (creates its object), 20 conns`, {
    connections: 20,
    amount: CUSTOMER_COUNT,
    request: {
      method: "GET",
      path: CUSTOMER_PATH,
      setupRequest: (req) => ({ ...req, path: appProxyPath(secret, CUSTOMER_PATH, { customerId: customers[nextNew++ % CUSTOMER_COUNT] }) }),
    },
  }, warmup);
  let nextWarm = 0;
  await webhookPhase("webhook", "warm-up: 20 orders/paid to 20 other customers", { connections: 5, amount: 20 }, () => warmupCustomers[nextWarm++ % warmupCustomers.length], warmup);
  await sleep(PHASES.settleMs);

  // The widget as a shopper's browser meets it, on the warm stack before the load phases.
  log(`widget in Chromium at ${CPU_SLOWDOWN}× CPU slowdown: ${FIRST_PAINT_TABS} fresh tabs (bench/widget-first-paint.mjs)…`);
  const firstPaint = await measureWidgetFirstPaint({ baseUrl, secret, customerId: customerId(9_000), orderId: nextOrderId(), tabs: FIRST_PAINT_TABS, log });
  log(`  ${firstPaintLine(firstPaint)}`);
  await sleep(PHASES.settleMs);

  // c. storefront beside the bare Worker floor.
  if (floorsOn) {
    await run("floorWorker", `floor: bare Worker GET, ${CONNECTIONS.workerFloor} conns, ${PHASES.floorSeconds} s`, {
      connections: CONNECTIONS.workerFloor,
      duration: PHASES.floorSeconds,
      request: { method: "GET", path: "/bench/floor/worker" },
    });
  }
  await run("storefront", `storefront GET ${CUSTOMER_PATH}, ${CONNECTIONS.storefront} conns, ${PHASES.storefrontSeconds} s`, {
    connections: CONNECTIONS.storefront,
    duration: PHASES.storefrontSeconds,
    request: storefrontRequest(),
  });
  // The same read at a pace (100 shoppers, one request a second each): service time, not queueing.
  await run("storefrontPaced", `storefront GET at ${WEBHOOK_RATE} req/s paced, ${PHASES.pacedSeconds} s`, {
    connections: CONNECTIONS.storefrontPaced,
    overallRate: 100,
    streams: RATE_STREAMS,
    duration: PHASES.pacedSeconds,
    request: storefrontRequest(),
  });
  await sleep(PHASES.settleMs);

  // b. webhook → visible points at a fixed rate, then the storefront check.
  await webhookPhase(
    "webhookRate",
    `webhook → points visible: orders/paid at ${WEBHOOK_RATE}/s over ${CUSTOMER_COUNT} customers, ${PHASES.rateSeconds} s ` +
      `(${RATE_STREAMS} staggered streams, ${CONNECTIONS.rate} conns)`,
    { connections: CONNECTIONS.rate, overallRate: WEBHOOK_RATE, streams: RATE_STREAMS, duration: PHASES.rateSeconds },
    () => pick(customers),
  );
  const verification = [await verifyVisibility(baseUrl, "after 100/s")];

  // Each applied effect arms its object's alarm 15 s ahead (OUTBOX_RESEND_AFTER_MS); let the
  // echo of the fixed-rate phase pass so the saturated phase meets the state the floor met.
  log(`waiting ${PHASES.alarmEchoMs / 1000} s for the outbox alarms armed by that phase…`);
  const echoStart = cpu();
  await sleep(PHASES.alarmEchoMs);
  // Work the fixed-rate orders caused after their 200s (alarms, the rest of the queue → Postgres).
  phases.webhookRate.echoCpuMsPerOrder = stack ? cpuPerRequest(echoStart, cpu(), phases.webhookRate.responses) : null;

  if (args.breakdown) {
    // Partial webhook paths, none of which arms an alarm: a redelivery (HMAC, parse, zod, the
    // cached shop/program, the DO RPC and its idempotency lookup, no effect) and a bad HMAC
    // (the request, the body and one HMAC, then a 401).
    const applied = [...book.lastApplied].filter(([c]) => customers.includes(c));
    let i = 0;
    const duplicates = { unexpected: 0 };
    await run("webhookDuplicate", `breakdown: redelivered orders/paid (answered "duplicate"), ${CONNECTIONS.breakdown} conns, ${PHASES.breakdownSeconds} s`, {
      connections: CONNECTIONS.breakdown,
      duration: PHASES.breakdownSeconds,
      request: {
        method: "POST",
        path: WEBHOOK_PATH,
        setupRequest(req) {
          const [customerId, { orderId, cents }] = applied[i++ % applied.length];
          return { ...req, ...orderPaidWebhook(secret, { orderId, customerId, cents }) };
        },
        onResponse(status, body) {
          if (status === 200 && !body.includes('"outcome":"duplicate"')) duplicates.unexpected++;
        },
      },
    });
    phases.webhookDuplicate.outcomes = { unexpected: duplicates.unexpected, wrongPoints: 0, samples: [] };
    await run("webhookBadHmac", `breakdown: orders/paid with a bad HMAC (answered 401), ${CONNECTIONS.breakdown} conns, ${PHASES.breakdownSeconds} s`, {
      connections: CONNECTIONS.breakdown,
      duration: PHASES.breakdownSeconds,
      expectStatus: 401,
      request: {
        method: "POST",
        path: WEBHOOK_PATH,
        setupRequest: (req) => ({ ...req, ...orderPaidWebhook("not-the-secret", { orderId: nextOrderId(), customerId: pick(customers), cents: 2500 }) }),
      },
    });
    await sleep(PHASES.settleMs);
  }

  // b (cont.). saturated webhook throughput, compared with the bare DO write floor measured
  // just before it, so both meet the machine in the same state as far as possible.
  if (floorsOn) {
    await run("floorDoWrite", `floor: bare DO write over ${FLOOR_KEYS} objects, ${CONNECTIONS.doFloor} conns, ${PHASES.floorSeconds} s`, {
      connections: CONNECTIONS.doFloor,
      duration: PHASES.floorSeconds,
      request: { method: "POST", setupRequest: (req) => ({ ...req, path: `/bench/floor/do-write/k${Math.floor(random() * FLOOR_KEYS)}` }) },
    });
    await sleep(PHASES.settleMs);
  }
  await webhookPhase(
    "webhookSaturated",
    `webhook saturated: orders/paid unlimited rate, ${CONNECTIONS.saturated} conns, ${PHASES.saturatedSeconds} s`,
    { connections: CONNECTIONS.saturated, duration: PHASES.saturatedSeconds },
    () => pick(customers),
  );
  await sleep(1_000);
  verification.push(await verifyVisibility(baseUrl, "after saturated"));

  // d. redemptions at 20/s over four shops (the emulator answering), then their check; then
  // merchant adjustments. Shoppers are funded here, after the other phases, so the work of
  // their orders does not land in those.
  const apiKey = readDevVar(ROOT, "SHOPIFY_API_KEY");
  log(`redemption: installing ${REDEMPTION_SHOPS.length - 1} more shops, funding ${REDEEM_SHOPPERS_PER_SHOP} shoppers on each with a paid order…`);
  await installShops(baseUrl, apiKey, secret);
  const rewards = await fiveOffRewards(baseUrl, secret);
  const shoppers = REDEMPTION_SHOPS.flatMap((shop, s) =>
    Array.from({ length: REDEEM_SHOPPERS_PER_SHOP + 2 }, (_, i) => ({ shop, customerId: customerId(2_000 + s * 1_000 + i), warmup: i >= REDEEM_SHOPPERS_PER_SHOP })),
  );
  await fundShoppers(baseUrl, secret, shoppers, nextOrderId);
  await sleep(PHASES.settleMs);
  const warmupShoppers = shoppers.filter((s) => s.warmup);
  const measuredShoppers = interleaveShops(shoppers.filter((s) => !s.warmup));
  let nextWarmShopper = 0;
  const warmRedeemBook = createRedemptionBook();
  await run("redeem", `warm-up: ${warmupShoppers.length} redemptions, 2 a shop`, {
    connections: 2,
    amount: warmupShoppers.length,
    request: redeemRequest({ secret, rewards, nextShopper: () => warmupShoppers[nextWarmShopper++ % warmupShoppers.length], book: warmRedeemBook }),
  }, warmup);
  warmup.redeem.outcomes = warmRedeemBook.endPhase();
  await sleep(PHASES.settleMs);
  let nextRedeemShopper = 0;
  const redeemBook = createRedemptionBook();
  await run("redeem", `redemption ${REDEEM_PATH}: ${REDEEM_RATE}/s paced over ${REDEMPTION_SHOPS.length} shops, ${PHASES.redeemSeconds} s`, {
    connections: CONNECTIONS.redeem,
    overallRate: REDEEM_RATE,
    streams: REDEMPTION_SHOPS.length,
    duration: PHASES.redeemSeconds,
    request: redeemRequest({ secret, rewards, nextShopper: () => measuredShoppers[nextRedeemShopper++ % measuredShoppers.length], book: redeemBook }),
  });
  phases.redeem.outcomes = redeemBook.endPhase();
  const redemptionCheck = await verifyRedemptions({ baseUrl, secret, emulatorUrl: stack?.emulatorUrl, book: redeemBook, shoppers });
  phases.redeem.verification = redemptionCheck;

  const adjustTargets = interleaveShops(REDEMPTION_SHOPS.flatMap((shop) => shoppers.filter((s) => s.shop === shop && !s.warmup).slice(0, ADJUST_SHOPPERS_PER_SHOP)));
  await waitUntilKnown(baseUrl, apiKey, secret, adjustTargets);
  let nextAdjustTarget = 0;
  const adjusted = { unexpected: 0, wrongPoints: 0, samples: [] };
  await run("adjust", `merchant adjustment: ${ADJUST_RATE}/s paced, ${adjustTargets.length} customers on ${REDEMPTION_SHOPS.length} shops, ${PHASES.adjustSeconds} s`, {
    connections: CONNECTIONS.adjust,
    overallRate: ADJUST_RATE,
    streams: 2,
    duration: PHASES.adjustSeconds,
    request: adjustRequest({
      apiKey,
      secret,
      nextShopper: () => adjustTargets[nextAdjustTarget++ % adjustTargets.length],
      onAnswer(_shopper, status, text) {
        if (status !== 200) return; // counted as non-2xx by the load runner
        const body = JSON.parse(text);
        if (body.duplicate !== false || body.points !== 10) {
          adjusted.unexpected++;
          if (adjusted.samples.length < 5) adjusted.samples.push(String(text).slice(0, 200));
        }
      },
    }),
  });
  phases.adjust.outcomes = adjusted;

  const follows = FOLLOW_NETWORKS.flatMap((network) => measuredShoppers.map((shopper) => ({ shopper, network })));
  let nextFollowAt = 0;
  const followed = { unexpected: 0, wrongPoints: 0, exhausted: 0, samples: [] };
  await run("follow", `social follow: ${FOLLOW_RATE}/s paced, each (shopper, network) once, ${PHASES.followSeconds} s`, {
    connections: CONNECTIONS.follow,
    overallRate: FOLLOW_RATE,
    streams: 2,
    duration: PHASES.followSeconds,
    request: followRequest({
      secret,
      nextFollow: () => {
        if (nextFollowAt >= follows.length) followed.exhausted++;
        return follows[nextFollowAt++ % follows.length];
      },
      onAnswer(_follow, status, text) {
        if (status !== 200) return; // counted as non-2xx by the load runner
        const body = JSON.parse(text);
        if (body.outcome !== "applied" || body.points !== 50) {
          followed.unexpected++;
          if (followed.samples.length < 5) followed.samples.push(String(text).slice(0, 200));
        }
      },
    }),
  });
  // More requests than pairs would meet the limit: a bench set-up error, not the app's.
  if (followed.exhausted > 0) followed.unexpected += followed.exhausted;
  phases.follow.outcomes = followed;

  // Referrals: friends' first orders carrying an advocate's code, each a new friend; then every
  // friend's and advocate's balance checked (bench/referrals.mjs).
  const advocates = await createAdvocates(baseUrl, secret, Array.from({ length: REFERRAL_ADVOCATES }, (_, i) => customerId(5_500 + i)));
  const sentFriends = [];
  const answeredFriends = new Set();
  let nextFriend = 0;
  const referred = { unexpected: 0, wrongPoints: 0, samples: [] };
  await run("referral", `referral completion: friends' first orders with an advocate's code, ${REFERRAL_RATE}/s paced, ${PHASES.referralSeconds} s`, {
    connections: CONNECTIONS.referral,
    overallRate: REFERRAL_RATE,
    streams: 2,
    duration: PHASES.referralSeconds,
    request: referralOrderRequest({
      secret,
      nextFriend: () => {
        const friend = { customerId: customerId(6_000 + nextFriend), orderId: nextOrderId(), advocate: advocates[nextFriend % advocates.length] };
        nextFriend++;
        sentFriends.push(friend);
        return friend;
      },
      onAnswer(friend, status, text) {
        if (status !== 200) return; // counted as non-2xx by the load runner
        const body = JSON.parse(text);
        if (body.outcome !== "applied" || body.points !== friendPoints()) {
          referred.unexpected++;
          if (referred.samples.length < 5) referred.samples.push(String(text).slice(0, 200));
          return;
        }
        answeredFriends.add(friend);
      },
    }),
  });
  phases.referral.outcomes = referred;
  phases.referral.verification = await verifyReferrals({ baseUrl, secret, sent: sentFriends, answered: answeredFriends, advocates });

  // e. merchant search over the reporting projection (Postgres through Hyperdrive), on data
  // seeded straight into Postgres: only for a stack this run started (it knows the database).
  if (stack) {
    log(`merchant search: seeding ${SEARCH_CUSTOMERS} customers and a million ledger rows in Postgres…`);
    const seeded = await seedReportingData(stack.pgUrl);
    log(`  seeded in ${seeded.seconds} s`);
    const users = Array.from({ length: SEARCH_MERCHANTS }, (_, i) => String(i + 1));
    let tokens = users.map((user) => sessionToken(apiKey, secret, undefined, user));
    let tokenAt = Date.now();
    let turn = 0;
    // The search's floor: the same rate of bare parameterised statements through the binding
    // (each request opens its client connection; the pool in front of Postgres, as Hyperdrive's,
    // hands it a warm server connection: bench/stack.mjs), so the search's row can be read
    // against what Postgres through the binding costs at all.
    if (floorsOn) {
      await run("floorReporting", `floor: bare Postgres query through Hyperdrive at ${SEARCH_RATE} req/s, ${CONNECTIONS.search} conns, ${PHASES.searchSeconds} s`, {
        connections: CONNECTIONS.search,
        overallRate: SEARCH_RATE,
        duration: PHASES.searchSeconds,
        request: { method: "GET", path: "/bench/floor/pg-param" },
      });
    }
    await run("merchantSearch", `merchant search over ${SEARCH_CUSTOMERS} customers, ${SEARCH_MERCHANTS} merchants at ${SEARCH_RATE} req/s, ${PHASES.searchSeconds} s`, {
      connections: CONNECTIONS.search,
      overallRate: SEARCH_RATE,
      duration: PHASES.searchSeconds,
      request: {
        method: "GET",
        setupRequest: (req) => {
          if (Date.now() - tokenAt > 20_000) [tokens, tokenAt] = [users.map((user) => sessionToken(apiKey, secret, undefined, user)), Date.now()];
          const token = tokens[turn++ % tokens.length];
          return { ...req, path: searchPath(random), headers: { authorization: `Bearer ${token}` } };
        },
      },
    });
    phases.merchantSearch.seeded = seeded;

    // f. export: 50,000 customers of a shop of their own (emails sealed as the app seals them),
    // POST → done, then the file through its link, checked (bench/export.mjs).
    log(`export: seeding ${EXPORT_CUSTOMERS} customers with sealed emails in Postgres…`);
    const exportSeeded = await seedExportShop({ baseUrl, pgUrl: stack.pgUrl, apiKey, secret, encryptionKey: readDevVar(ROOT, "ENCRYPTION_KEY") });
    log(`  seeded in ${exportSeeded.seconds} s; exporting…`);
    phases.export = { ...(await measureExport({ baseUrl, apiKey, secret })), seeded: exportSeeded };
    log(`  ${phases.export.ms === null ? "not measured" : `${phases.export.ms} ms`}, ${phases.export.errors.length} error(s)`);

    // g. analytics over the same data: the dashboard's default view (the last 30 days, ~82,000
    // of the million entries) and the longest window (366 days, the whole ledger), a few
    // merchants opening the screen. Each answer must be a 200 whose figures add up (see
    // analyticsProblem): a wrong or empty answer counts as an error and fails the row.
    for (const [phase, path] of [
      ["analytics30", "/v1/api/analytics"],
      ["analytics366", `/v1/api/analytics?from=${daysAgo(365)}&to=${daysAgo(0)}`],
    ]) {
      const problems = { count: 0, samples: [] };
      await run(phase, `analytics ${path} over ${SEARCH_CUSTOMERS} customers and a million ledger rows, ${ANALYTICS_RATE} req/s, ${PHASES.analyticsSeconds} s`, {
        connections: CONNECTIONS.analytics,
        overallRate: ANALYTICS_RATE,
        duration: PHASES.analyticsSeconds,
        timeout: 30,
        request: {
          method: "GET",
          setupRequest: (req) => {
            if (Date.now() - tokenAt > 20_000) [tokens, tokenAt] = [users.map((user) => sessionToken(apiKey, secret, undefined, user)), Date.now()];
            return { ...req, path, headers: { authorization: `Bearer ${tokens[turn++ % tokens.length]}` } };
          },
          onResponse: (status, body) => {
            if (status !== 200) return;
            const problem = analyticsProblem(body);
            if (problem) {
              problems.count++;
              if (problems.samples.length < 3) problems.samples.push(problem);
            }
          },
        },
      });
      phases[phase].wrongAnswers = problems;
    }
  }

  // Share of the app workerd's CPU spent on its main thread over the whole measured run.
  const end = cpu();
  const appSeconds = (end["workerd app"] ?? 0) - (idleStart["workerd app"] ?? 0);
  const mainThreadShare = stack && appSeconds > 0 ? Number((((end[MAIN_THREAD] ?? 0) - (idleStart[MAIN_THREAD] ?? 0)) / appSeconds).toFixed(3)) : null;

  const serverLog = stack
    ? stack
        .logTail()
        .split("\n")
        .filter((l) => l.trim() && !/Scheduled Workers|To manually trigger|curl "http|For more details|^\s*$/.test(l))
    : [];
  return { baseUrl, floorsOn, widget, firstPaint, phases, warmup, idleCpuMsPerSecond, mainThreadShare, verification, serverLog };
}

/** Shoppers taken shop after shop in turn, so every shop gets its share of any stretch of requests. */
function interleaveShops(shoppers) {
  const byShop = REDEMPTION_SHOPS.map((shop) => shoppers.filter((s) => s.shop === shop));
  const longest = Math.max(...byShop.map((list) => list.length));
  return Array.from({ length: longest }, (_, i) => byShop.map((list) => list[i]).filter(Boolean)).flat();
}

// --- Rows ------------------------------------------------------------------------------------

/** "YYYY-MM-DD" (UTC) `n` days before today. */
function daysAgo(n) {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Why an analytics answer cannot be right, or null: it must carry one day per day of its window,
 * daily figures that sum to its totals, and, over the seeded ledger (earns, redemptions and
 * expiries every day), something issued, redeemed and expired.
 */
function analyticsProblem(body) {
  let a;
  try {
    a = JSON.parse(String(body)).analytics;
  } catch {
    return `not JSON: ${String(body).slice(0, 120)}`;
  }
  if (!a || !Array.isArray(a.daily)) return `no analytics: ${String(body).slice(0, 120)}`;
  const days = Math.round((Date.parse(a.to) - Date.parse(a.from)) / 86_400_000) + 1;
  if (a.daily.length !== days) return `${a.daily.length} daily rows for ${days} days`;
  for (const key of ["issued", "redeemed", "expired", "reversed"]) {
    const sum = a.daily.reduce((total, d) => total + d[key], 0);
    if (sum !== a.points[key]) return `daily ${key} sums to ${sum}, total says ${a.points[key]}`;
  }
  if (!(a.points.issued > 0 && a.points.redeemed > 0 && a.points.expired > 0)) return `nothing counted: ${JSON.stringify(a.points)}`;
  if (!(a.members.total >= 50_000)) return `members ${a.members.total}, seeded 50,000`;
  return null;
}

function buildRows({ floorsOn, widget, firstPaint, phases, verification }) {
  const { floorWorker, floorDoWrite, webhookRate, webhookSaturated, storefront } = phases;
  const ratio = (m, floor) => (!floorsOn ? "n/a" : floor.rps > 0 ? Number((m.rps / floor.rps).toFixed(2)) : null);
  // "FAIL (…)" is a run that cannot be trusted (errors, nothing measured, wrong points): it
  // fails the run. A bare "FAIL" is a budget missed, which fails it only with --strict.
  const clean = (m) =>
    errorCount(m) === 0 && (!m.outcomes || (m.outcomes.unexpected === 0 && m.outcomes.wrongPoints === 0)) && (m.wrongAnswers?.count ?? 0) === 0;
  const broken = (m) => (!m || m.responses === 0 ? "FAIL (no responses)" : !clean(m) ? "FAIL (errors)" : null);
  const verdict = (pass, m, extra = true) => broken(m) ?? (!extra ? "FAIL (visibility)" : pass ? "pass" : "FAIL");
  const label = (m, ok) => broken(m) ?? ok;
  const measured = (m) => ({ rps: m.rps, p50: m.p50, p95: m.p95, p99: m.p99, errors: errorCount(m) });
  const na = (path, budget) => ({ path, rps: "n/a", p50: null, p95: null, p99: null, floorRps: null, ratio: null, budget, result: "n/a" });
  const notYet = (path, budget) => ({ ...na(path, budget), rps: null, result: "not yet measured" });

  const rows = [];
  rows.push(
    floorsOn
      ? { path: `floor: bare Worker GET (${CONNECTIONS.workerFloor} conns)`, ...measured(floorWorker), floorRps: null, ratio: null, budget: "—", result: label(floorWorker, "floor") }
      : na("floor: bare Worker GET", "—"),
  );
  rows.push(
    floorsOn
      ? { path: `floor: bare DO write (${CONNECTIONS.doFloor} conns, ${FLOOR_KEYS} objects)`, ...measured(floorDoWrite), floorRps: null, ratio: null, budget: "—", result: label(floorDoWrite, "floor") }
      : na("floor: bare DO write", "—"),
  );
  rows.push({
    path: `webhook → points visible (${WEBHOOK_RATE}/s, ${CUSTOMER_COUNT} customers)`,
    ...measured(webhookRate),
    floorRps: floorsOn ? floorDoWrite.rps : "n/a",
    ratio: null,
    budget: "p99 < 100 ms",
    result: verdict(webhookRate.p99 !== null && webhookRate.p99 < 100, webhookRate, verification[0].ok),
  });
  const satRatio = ratio(webhookSaturated, floorDoWrite);
  rows.push({
    path: `webhook saturated (${CONNECTIONS.saturated} conns)`,
    ...measured(webhookSaturated),
    floorRps: floorsOn ? floorDoWrite.rps : "n/a",
    ratio: satRatio,
    budget: "≥ 0.5 × DO write floor",
    result: typeof satRatio !== "number" ? (broken(webhookSaturated) ?? "n/a (no floor)") : verdict(satRatio >= 0.5, webhookSaturated, verification[1].ok),
  });
  const { redeem, adjust } = phases;
  rows.push({
    path: `redemption POST ${REDEEM_PATH} (Shopify emulator answering; ${REDEEM_RATE}/s over ${REDEMPTION_SHOPS.length} shops)`,
    ...measured(redeem),
    floorRps: floorsOn ? floorDoWrite.rps : "n/a",
    ratio: null,
    budget: "p99 < 150 ms",
    result: broken(redeem) ?? (!redeem.verification.ok ? "FAIL (codes)" : redeem.p99 !== null && redeem.p99 < 150 ? "pass" : "FAIL"),
  });
  rows.push({
    path: `info: merchant adjustment POST /v1/api/customers/:id/adjust (${ADJUST_RATE}/s)`,
    ...measured(adjust),
    floorRps: floorsOn ? floorDoWrite.rps : "n/a",
    ratio: null,
    budget: "—",
    result: label(adjust, "info"),
  });
  rows.push({
    path: `info: social follow POST /proxy/v1/api/actions/social-follow (${FOLLOW_RATE}/s)`,
    ...measured(phases.follow),
    floorRps: floorsOn ? floorDoWrite.rps : "n/a",
    ratio: null,
    budget: "—",
    result: label(phases.follow, "info"),
  });
  const referral = phases.referral;
  rows.push({
    path: `info: referral completion orders/paid with a code (${REFERRAL_RATE}/s; both sides rewarded)`,
    ...measured(referral),
    floorRps: floorsOn ? floorDoWrite.rps : "n/a",
    ratio: null,
    budget: "—",
    result: broken(referral) ?? (referral.outcomes.unexpected > 0 ? "FAIL (answers)" : !referral.verification.ok ? "FAIL (balances)" : "info"),
  });
  rows.push({
    path: `storefront GET /proxy/v1/api/customer (${CONNECTIONS.storefront} conns)`,
    ...measured(storefront),
    floorRps: floorsOn ? floorWorker.rps : "n/a",
    ratio: ratio(storefront, floorWorker),
    budget: "p99 < 25 ms",
    result: verdict(storefront.p99 !== null && storefront.p99 < 25, storefront),
  });
  rows.push({
    path: `info: storefront at ${WEBHOOK_RATE} req/s paced (${WEBHOOK_RATE} shoppers × 1/s)`,
    ...measured(phases.storefrontPaced),
    floorRps: null,
    ratio: null,
    budget: "—",
    result: label(phases.storefrontPaced, "info"),
  });
  if (phases.webhookDuplicate) {
    rows.push({
      path: `info: webhook redelivery → "duplicate" (${CONNECTIONS.breakdown} conns)`,
      ...measured(phases.webhookDuplicate),
      floorRps: floorsOn ? floorDoWrite.rps : "n/a",
      ratio: ratio(phases.webhookDuplicate, floorDoWrite),
      budget: "—",
      result: label(phases.webhookDuplicate, "info"),
    });
    rows.push({
      path: `info: webhook bad HMAC → 401 (${CONNECTIONS.breakdown} conns)`,
      ...measured(phases.webhookBadHmac),
      floorRps: floorsOn ? floorWorker.rps : "n/a",
      ratio: ratio(phases.webhookBadHmac, floorWorker),
      budget: "—",
      result: label(phases.webhookBadHmac, "info"),
    });
  }
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
  // The row is the first load (widget.js); the panel's chunk is listed, and held to the budget too.
  const chunks = widget.chunks ?? [];
  const later = chunks.slice(1).map((c) => `, then ${c.name} ${kb(c.gzipBytes)}`).join("");
  rows.push(
    widget.gzipBytes
      ? {
          ...notYet(`widget bundle: ${kb(widget.gzipBytes)} gzipped first load (${kb(widget.brotliBytes)} brotli, ${kb(widget.rawBytes)} raw)${later}`, `< ${kb(widget.budgetBytes)} gzipped each`),
          result: widget.error
            ? `FAIL (${widget.error.slice(0, 60)})`
            : chunks.every((c) => c.gzipBytes < widget.budgetBytes) && widget.gzipBytes < widget.budgetBytes
              ? "pass"
              : "FAIL",
        }
      : { ...notYet("widget bundle", "< 15 KB gzipped"), result: `FAIL (${String(widget.error).slice(0, 60)})` },
  );
  rows.push(...firstPaintRows(firstPaint));
  rows.push(notYet("import 50,000 customers with balances", "< 60 s"));
  const exported = phases.export;
  rows.push(
    exported
      ? {
          ...na(`export ${EXPORT_CUSTOMERS.toLocaleString("en")} customers to CSV in R2 (POST → done; ${exported.bytes ?? "?"} bytes, file checked)`, `< ${EXPORT_BUDGET_MS / 1000} s`),
          rps: null,
          p50: exported.ms,
          result: exported.errors.length ? `FAIL (errors: ${exported.errors[0].slice(0, 80)})` : exported.ms === null ? "FAIL (no responses)" : exported.ms < EXPORT_BUDGET_MS ? "pass" : "FAIL",
        }
      : na(`export ${EXPORT_CUSTOMERS.toLocaleString("en")} customers to CSV in R2`, `< ${EXPORT_BUDGET_MS / 1000} s`),
  );
  const search = phases.merchantSearch;
  const pgFloor = phases.floorReporting;
  if (pgFloor) {
    rows.push({ path: `floor: bare Postgres query through Hyperdrive's pool (${SEARCH_RATE} req/s)`, ...measured(pgFloor), floorRps: null, ratio: null, budget: "—", result: label(pgFloor, "floor") });
  }
  rows.push(
    search
      ? {
          path: `merchant customer search (${SEARCH_CUSTOMERS} customers, 1M ledger rows, ${SEARCH_MERCHANTS} merchants at ${SEARCH_RATE} req/s)`,
          ...measured(search),
          floorRps: pgFloor ? pgFloor.rps : "n/a",
          ratio: pgFloor ? ratio(search, pgFloor) : "n/a",
          budget: "p95 < 100 ms",
          result: verdict(search.p95 !== null && search.p95 < 100, search),
        }
      : na("merchant customer search (50,000 customers)", "p95 < 100 ms"),
  );
  for (const [phase, window] of [["analytics30", "last 30 days (default view)"], ["analytics366", "366 days, the whole ledger"]]) {
    const m = phases[phase];
    rows.push(
      m
        ? {
            path: `merchant analytics, ${window} (${SEARCH_CUSTOMERS} customers, 1M ledger rows, ${ANALYTICS_RATE} req/s)`,
            ...measured(m),
            floorRps: floorsOn ? phases.floorWorker.rps : "n/a",
            ratio: floorsOn ? ratio(m, phases.floorWorker) : "n/a",
            budget: `p95 < ${ANALYTICS_P95_MS} ms`,
            result: verdict(m.p95 !== null && m.p95 < ANALYTICS_P95_MS, m),
          }
        : na(`merchant analytics, ${window}`, `p95 < ${ANALYTICS_P95_MS} ms`),
    );
  }
  return rows;
}

/**
 * The widget in Chromium: the median of the fresh tabs in p50 and judged against the budget, the
 * best in the label. A figure that could not be measured fails the run, never prints as 0.
 */
function firstPaintRows(firstPaint) {
  const timed = (what, figure, notMeasured, budget, judge) => ({
    path: `${what} (Chromium, ${CPU_SLOWDOWN}× CPU slowdown; median of ${firstPaint.tabs} fresh tabs${figure ? `, best ${figure.best.toFixed(0)} ms` : ""})`,
    rps: null,
    p50: figure ? figure.median : null,
    p95: null,
    p99: null,
    floorRps: null,
    ratio: null,
    budget,
    result: notMeasured ? `FAIL (not measured: ${notMeasured.slice(0, 80)})` : judge(figure.median),
  });
  return [
    timed("widget: launcher shown after the script starts", firstPaint.launcher, firstPaint.error, `< ${LAUNCHER_BUDGET_MS} ms`, (ms) => (ms < LAUNCHER_BUDGET_MS ? "pass" : "FAIL")),
    timed("info: widget: balance shown after a click on the launcher", firstPaint.balance, firstPaint.error ?? firstPaint.balanceError, "—", () => "info"),
  ];
}

/** Every load's figures, or why there are none, and the others' load meanwhile. */
function firstPaintLine(firstPaint) {
  const list = (values) => `${values.map((ms) => ms.toFixed(0)).join(", ")} ms`;
  const others = firstPaint.othersLoad === null ? "" : `; others' load meanwhile ${(firstPaint.othersLoad * 100).toFixed(0)}%`;
  if (firstPaint.error) return `not measured: ${firstPaint.error}${others}`;
  const balance = firstPaint.balanceError ? `not measured: ${firstPaint.balanceError}` : list(firstPaint.balanceMs);
  return `launcher ${list(firstPaint.launcherMs)}; balance after a click ${balance}${others}`;
}

function printDetails({ firstPaint, phases, warmup, idleCpuMsPerSecond, mainThreadShare, verification, serverLog }) {
  const lines = [];
  lines.push(`widget in Chromium at ${CPU_SLOWDOWN}× CPU slowdown, each fresh tab: ${firstPaintLine(firstPaint)}`);
  const rate = phases.webhookRate;
  if (rate.rps < WEBHOOK_RATE * 0.95) {
    lines.push(`note: the fixed-rate phase reached ${rate.rps} req/s, not ${WEBHOOK_RATE}: the stack could not keep up (each connection waits for its answer)`);
  }
  const w = (m) => (m ? `${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms` : "n/a");
  lines.push(`warm-up (not budgeted): first write to ${FLOOR_KEYS} new floor objects ${w(warmup.doCreate)}; ` +
    `first read of ${CUSTOMER_COUNT} new customer objects ${w(warmup.customerCreate)}`);
  for (const [name, m] of Object.entries({ ...phases, ...Object.fromEntries(Object.entries(warmup).map(([k, v]) => [`warm-up ${k}`, v])) })) {
    // Not a load phase (the export is one timed job): its row carries its own errors.
    if (!Array.isArray(m.errorSamples)) continue;
    if (m.responses === 0) {
      lines.push(`${name}: no responses at all: nothing was measured (${m.timeouts} timeouts, ${m.connErrors} connection errors)`);
      continue;
    }
    const errors = errorCount(m);
    const bad = m.outcomes ? m.outcomes.unexpected + m.outcomes.wrongPoints : 0;
    if (errors === 0 && bad === 0) continue;
    lines.push(`${name}: ${m.non2xx} non-2xx, ${m.connErrors} connection errors, ${m.timeouts} timeouts of ${m.responses + m.timeouts} requests`);
    for (const { count, sample } of m.errorSamples) lines.push(`  ${count} × ${sample}`);
    if (m.outcomes?.unexpected) lines.push(`  ${m.outcomes.unexpected} × 2xx not the answer expected (an order "applied", a code issued, an adjustment applied once), e.g. ${m.outcomes.samples[0]}`);
    if (m.outcomes?.wrongPoints) lines.push(`  ${m.outcomes.wrongPoints} × points differ from 10 per $1`);
  }
  if (!lines.some((l) => / non-2xx, |: no responses at all/.test(l))) lines.push('errors: none (every response 2xx, every webhook answered "applied" with 10 points per $1)');
  for (const v of verification) {
    lines.push(
      `visibility ${v.label}: ${v.matched}/${v.sampled} sampled customers show exactly the points sent; ` +
        `${v.redelivered.duplicate}/${v.redelivered.sent} redelivered orders answered "duplicate" and were not counted twice` +
        (v.uncertainExcluded ? ` (${v.uncertainExcluded} customers with an unanswered order left out of the sample)` : ""),
    );
    for (const mm of v.mismatches.slice(0, 5)) lines.push(`  customer ${mm.customerId}: status ${mm.status}, expected ${mm.expected}, got ${mm.balance}`);
    for (const o of v.redelivered.other.slice(0, 3)) lines.push(`  redelivery answered ${o}`);
  }
  const redeemed = phases.redeem;
  if (redeemed.rps < REDEEM_RATE * 0.95) lines.push(`note: the redemption phase reached ${redeemed.rps} req/s, not ${REDEEM_RATE}`);
  const rv = redeemed.verification;
  lines.push(
    `redemptions: ${redeemed.outcomes.issued.length} codes answered` +
      (rv.discountsChecked === null ? " (the emulator is not ours to ask with --url)" : `, ${rv.discountsChecked - rv.problems.filter((p) => /not at Shopify|is for/.test(p)).length}/${rv.discountsChecked} found at Shopify for their customer, no other discounts`) +
      `; ${rv.balancesSampled} sampled balances ${rv.problems.some((p) => /balance/.test(p)) ? "NOT all" : "all"} exactly what the codes cost` +
      (redeemed.outcomes.unanswered ? ` (${redeemed.outcomes.unanswered} requests unanswered at the phase's end left out)` : ""),
  );
  for (const p of rv.problems.slice(0, 5)) lines.push(`  ${p}`);
  const refv = phases.referral.verification;
  lines.push(
    `referrals: ${refv.friends} answered friends each hold their order's points and one referral reward (${refv.unanswered} unanswered at the phase's end: that or nothing), ` +
      `${refv.advocates} advocates their 50 per rewarded friend${refv.ok ? "" : `: ${refv.problemCount} NOT`}`,
  );
  for (const p of refv.problems) lines.push(`  ${p}`);
  const cpuRows = [
    ["floor: bare Worker GET", phases.floorWorker],
    ["floor: bare DO write", phases.floorDoWrite],
    ["webhook 100/s (during)", phases.webhookRate],
    ["webhook 100/s (next 16 s: alarms, queue)", phases.webhookRate && { cpuMsPerRequest: phases.webhookRate.echoCpuMsPerOrder }],
    ["webhook saturated", phases.webhookSaturated],
    ["webhook redelivery → duplicate", phases.webhookDuplicate],
    ["webhook bad HMAC → 401", phases.webhookBadHmac],
    ["storefront (100 conns)", phases.storefront],
    ["storefront (100/s paced)", phases.storefrontPaced],
    ["redemption (20/s paced)", phases.redeem],
    ["merchant adjustment (10/s paced)", phases.adjust],
    ["referral completion (20/s paced)", phases.referral],
    ["warm-up: create a floor object", warmup.doCreate],
    ["warm-up: create a customer object", warmup.customerCreate],
  ].filter(([, m]) => m?.cpuMsPerRequest);
  if (cpuRows.length) {
    const names = ["workerd app", "workerd proxy", "wrangler", "bench (autocannon)"];
    lines.push("", `CPU-milliseconds per request, by process of the started stack (/proc; ${cpus().length} cores = ${cpus().length * 1000} CPU-ms/s),`);
    lines.push("and the share of the machine other processes used meanwhile (other sessions' work on a shared machine):");
    lines.push(formatGrid(["phase", ...names, "total", "others' load"], cpuRows.map(([label, m]) => {
      const values = names.map((n) => m.cpuMsPerRequest[n] ?? 0);
      const load = typeof m.otherLoad === "number" ? `${(m.otherLoad * 100).toFixed(0)}%` : "";
      return [label, ...values.map((v) => v.toFixed(2)), values.reduce((a, b) => a + b, 0).toFixed(2), load];
    })));
    const floorCpu = phases.floorDoWrite?.cpuMsPerRequest?.["workerd app"];
    const webhookCpu = phases.webhookSaturated?.cpuMsPerRequest?.["workerd app"];
    if (floorCpu && webhookCpu) {
      lines.push(
        `saturated ratio from app CPU per request: floor ${floorCpu.toFixed(2)} ÷ webhook ${webhookCpu.toFixed(2)} = ${(floorCpu / webhookCpu).toFixed(2)} ` +
          "(the app's JavaScript runs on one thread, so this predicts the req/s ratio without the other load; the alarms after are excluded)",
      );
    }
    if (idleCpuMsPerSecond) {
      lines.push(`idle stack: ${names.map((n) => `${n} ${(idleCpuMsPerSecond[n] ?? 0).toFixed(1)}`).join(", ")} CPU-ms per second (included above, spread over the requests)`);
    }
    if (mainThreadShare !== null) {
      lines.push(`workerd app: ${(mainThreadShare * 100).toFixed(1)}% of its CPU on its main thread over the run (the Worker, every Durable Object, local D1 and the queue consumers share that one thread)`);
    }
    lines.push("");
  }
  if (serverLog.length) {
    lines.push(`wrangler dev logged ${serverLog.length} warning/error lines; the last ones:`);
    for (const l of serverLog.slice(-8)) lines.push(`  ${l.slice(0, 240)}`);
  }
  return lines.join("\n");
}

try {
  const outcome = await main();
  const rows = buildRows(outcome);
  const finishedAt = new Date();
  const table = formatTable(rows);
  const details = printDetails(outcome);
  // Rows that cannot be trusted fail the run; missed budgets only with --strict.
  const failures = rows
    .filter((r) => r.result.startsWith("FAIL (") || (args.strict && r.result === "FAIL"))
    .map((r) => `${r.path}: ${r.result === "FAIL" ? `FAIL (budget ${r.budget})` : r.result}`);
  console.log(`\nLoyalNest bench — ${startedAt.toISOString()} — ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ${args.url ? outcome.baseUrl : "fresh local stack"}${args.quick ? " — QUICK (smoke run)" : ""}\n`);
  console.log(table);
  console.log(`\n${details}`);

  const resultsDir = join(ROOT, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${startedAt.toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        seconds: Math.round((finishedAt - startedAt) / 1000),
        machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim(), memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
        failed: failures.length > 0,
        failures,
        target: args.url ? { mode: "url", url: outcome.baseUrl } : { mode: "started", url: outcome.baseUrl },
        quick: args.quick,
        breakdown: args.breakdown,
        config: { customers: CUSTOMER_COUNT, floorKeys: FLOOR_KEYS, webhookRate: WEBHOOK_RATE, rateStreams: RATE_STREAMS, redeemRate: REDEEM_RATE, redemptionShops: REDEMPTION_SHOPS.length, adjustRate: ADJUST_RATE, followRate: FOLLOW_RATE, connections: CONNECTIONS, phases: PHASES, sample: SAMPLE, redelivered: REDELIVER },
        floorsOn: outcome.floorsOn,
        widget: outcome.widget,
        firstPaint: outcome.firstPaint,
        rows,
        verification: outcome.verification,
        phases: outcome.phases,
        warmup: outcome.warmup,
        idleCpuMsPerSecond: outcome.idleCpuMsPerSecond,
        mainThreadShare: outcome.mainThreadShare,
        serverLog: outcome.serverLog.slice(-50),
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`\nwritten: ${file.slice(ROOT.length + 1)}`);
  if (failures.length) {
    log(`FAILED: ${failures.length} row(s):`);
    for (const f of failures) log(`  ${f}`);
  }
  await shutdown(failures.length ? 1 : 0);
} catch (error) {
  if (stopping) await new Promise(() => {}); // a signal is already stopping the stack and exiting
  log(`bench failed: ${error?.stack ?? error}`);
  await shutdown(1);
}
