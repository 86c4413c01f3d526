// `npm run test:faults`: proof under load and faults. Generated order events go to a real
// `wrangler dev` while Postgres is stopped and restarted and wrangler dev is killed and
// restarted (with redemptions waiting on Shopify); meanwhile spenders redeem rewards and are
// adjusted by merchants while the Shopify emulator fails now and then. Then balances, ledgers,
// the Postgres projection, the D1 inbox, Shopify's discounts, the emails at the SendGrid
// stand-in and the referrals of a shop of their own are compared with an oracle
// computed from the events and from what the app answered and finally reported.
// Exits non-zero on any mismatch.
// Options: --seed N  --events N  --customers M  --spenders S  --concurrency C
//          --keep (keep the state dir)  --verbose (wrangler's output)
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchCatchUp } from "./catch-up.mjs";
import { checkBalances, checkInbox, checkLedgers, checkProjection, checkRollups } from "./checks.mjs";
import { crashWithRedemptionsInFlight } from "./crash-mid-redemption.mjs";
import { createDeliveryStats, deliverAll, planDeliveries } from "./delivery.mjs";
import { generateEvents } from "./events.mjs";
import { expectedState } from "./oracle.mjs";
import { waitForQuiescence } from "./quiescence.mjs";
import { waitForRedemptionsSettled } from "./redemptions-settled.mjs";
import { printChecks, printRun, printSpending, printSpendingPlan, printWorkload } from "./report.mjs";
import { defaultSchedule, runSchedule } from "./schedule.mjs";
import { installProbeShop, probeRefundsWhileDown } from "./refunds-while-down.mjs";
import { checkNotifications, setUpNotificationShop, startNotificationTraffic } from "./notifications.mjs";
import { checkReferrals, setUpReferralShop, startReferralTraffic } from "./referrals.mjs";
import { flattenTierMultipliers } from "./flat-tiers.mjs";
import { createEmulatorFaults, faultsMet, startShopifyWeather } from "./shopify-weather.mjs";
import { createSigner } from "./shopify-signing.mjs";
import { CLIENT_GIVE_UP_MS, createSpendingBook, planSpending, startSpending } from "./spending.mjs";
import { checkAnswers, checkExercised, checkReportingSpending, checkShopifyDiscounts } from "./spending-checks.mjs";
import { createClientStats, createSpendingClient } from "./spending-client.mjs";
import { spendingFigures } from "./spending-figures.mjs";
import { spendingOutcome, withSpending } from "./spending-oracle.mjs";
import { runDeadline, watchForStall } from "./watchdog.mjs";

// wrangler dev logs every request at info: measurable on 2 cores.
process.env.WRANGLER_LOG ??= "warn";
const DATABASE = "loyalnest_faults";
const DELIVERY_GIVE_UP_MS = 150_000;
const CATCH_UP_TIMEOUT_MS = 150_000;
const QUIESCENCE_TIMEOUT_MS = 180_000;
// The whole run takes ~13 minutes here (under 11 in CI): past this, it stops with the reason.
const RUN_DEADLINE_MS = 40 * 60_000;
// No webhook acknowledged for this long: the app stopped answering (see faults/watchdog.mjs).
const STALL_MS = 120_000;
// The last redemptions settle ~30 s after their last try, later when lookups failed (backoff).
const SETTLE_TIMEOUT_MS = 360_000;
// A notification whose queue message a crash lost is queued again by the sweeper after 3
// minutes (queues/notification-redrive.ts); the dev ticker runs it every minute.
const NOTIFICATIONS_TIMEOUT_MS = 300_000;
// The advocates' side follows the friends' outboxes; after an outage the outbox resends within a minute.
const REFERRALS_TIMEOUT_MS = 180_000;

const options = parseOptions(process.argv.slice(2));
const { createApp, DEMO_SHOP, readDevVars } = await import("./app.mjs");

const runStarted = Date.now();
const seed = options.seed;
const generated = generateEvents({ seed, events: options.events, customers: options.customers });
const oracle = expectedState(generated.events, generated.customers);
const plan = planDeliveries(generated.events, seed);
const spendingPlan = planSpending({ seed, oracle, spenders: options.spenders });
printWorkload({ seed, options, generated, plan });
printSpendingPlan(spendingPlan);

// tmpfs when there is one: local Durable Object and D1 commits wait on fsync, which a busy disk
// makes the bottleneck. A SIGKILL still loses nothing the process had committed.
const persistTo = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "loyalnest-faults-"));
let app;
let exitCode = 1;
// wrangler dev runs in its own process group: Ctrl-C would leave it (and Postgres) running.
const stopEverything = async (code) => {
  await app?.stop().catch(() => {});
  await app?.destroyPostgres().catch(() => {});
  console.log(`state kept in ${persistTo}`);
  process.exit(code);
};
process.once("SIGINT", () => stopEverything(130));
const deadline = runDeadline({
  ms: RUN_DEADLINE_MS,
  onExpired: (message) => {
    console.error(`\n${message}\n${wranglerTail()}`);
    void stopEverything(1);
  },
});
try {
  console.log("\nstarting the stack (a Postgres cluster of its own, fresh state in", persistTo + ")…");
  app = await createApp({ persistTo, database: DATABASE, verbose: options.verbose });
  const vars = readDevVars();
  const signer = createSigner({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: app.url });
  await installProbeShop({ url: app.url, signer });
  await flattenTierMultipliers({ url: app.url, signer, shop: DEMO_SHOP });
  await setUpNotificationShop({ url: app.url, signer, standinsUrl: app.standins.url });
  const referralSetup = await setUpReferralShop({ url: app.url, signer, secret: vars.SHOPIFY_API_SECRET, seed });
  console.log(`serving ${app.url}; delivering…`);

  const stats = createDeliveryStats();
  const progress = createProgress();
  const clientStats = createClientStats();
  const client = createSpendingClient({ url: () => app.url, signer, shop: DEMO_SHOP, giveUpAfterMs: CLIENT_GIVE_UP_MS, stats: clientStats });
  const book = createSpendingBook();
  const shopifyFaults = createEmulatorFaults({ emulatorUrl: app.emulator.url, shop: DEMO_SHOP });
  const outage = { down: false };
  const spending = await startSpending({ plan: spendingPlan, client, book, seed, untilProgress: progress.until, outage, sql: app.sql, shop: DEMO_SHOP });
  const weather = startShopifyWeather({ faults: shopifyFaults, seed });
  const notificationTraffic = startNotificationTraffic({ url: app.url, secret: vars.SHOPIFY_API_SECRET, seed, untilProgress: progress.until });
  const referralTraffic = startReferralTraffic({ url: app.url, signer, secret: vars.SHOPIFY_API_SECRET, setup: referralSetup, untilProgress: progress.until });
  const ctx = {
    app,
    progress: progress.fraction,
    untilProgress: progress.until,
    catchUp: null,
    crash: null,
    refundsWhileDown: { name: "refunds applied while Postgres was down", checked: 0, mismatches: ["the probe never ran"] },
    async stopPostgres() {
      await app.stopPostgres();
      outage.down = true;
    },
    async probeRefundsWhileDown() {
      const probe = () => probeRefundsWhileDown({ url: app.url, signer, secret: vars.SHOPIFY_API_SECRET, sql: app.sql, seed });
      ctx.refundsWhileDown = await spending.holdWhile(probe).catch((error) => ({
        name: "refunds applied while Postgres was down",
        checked: 1,
        mismatches: [`the probe failed: ${error.message}`],
      }));
    },
    postgresRestarted() {
      outage.down = false;
      ctx.catchUp = watchCatchUp({ sql: app.sql, shop: DEMO_SHOP, orderGids: awardsAcknowledged(stats), timeoutMs: CATCH_UP_TIMEOUT_MS });
    },
    async crashAndRestart() {
      ctx.crash = await crashWithRedemptionsInFlight({ app, weather, faults: shopifyFaults, spending, shop: DEMO_SHOP });
    },
  };
  const started = Date.now();
  const schedule = runSchedule(defaultSchedule(), ctx, started);
  // A failed step (the restart after the SIGKILL, say) ends the deliveries at once, with its reason.
  const stopDelivering = new AbortController();
  schedule.catch((error) => stopDelivering.abort(new Error(`a fault step failed: ${error?.stack ?? error}\n${wranglerTail()}`)));
  const stopWatching = watchForStall({ stats, stallMs: STALL_MS, controller: stopDelivering, describe: wranglerTail });
  deadline.phase("delivering");
  await deliverAll({
    slots: plan.slots,
    url: () => app.url,
    signer,
    shop: DEMO_SHOP,
    stats,
    concurrency: options.concurrency,
    giveUpAfterMs: DELIVERY_GIVE_UP_MS,
    onSlotDone: progress.report,
    signal: stopDelivering.signal,
  }).finally(stopWatching);
  const deliveryMs = Date.now() - started;
  progress.report(1, 1);
  deadline.phase("finishing the fault schedule and the side traffic");
  const timeline = await schedule;
  await weather.stop();
  await spending.done();
  const notificationDeliveries = await notificationTraffic.done;
  const referralDeliveries = await referralTraffic.done;
  const catchUp = await ctx.catchUp;
  deadline.phase("delivered; waiting for every redemption to settle");
  const settled = await waitForRedemptionsSettled({ client, customerIds: spendingPlan.map((p) => p.customerId), timeoutMs: SETTLE_TIMEOUT_MS });
  const outcome = spendingOutcome({ book, histories: settled.histories });
  const expected = withSpending(oracle, outcome);
  const finalStatuses = new Map([...outcome.redemptions.values()].filter((r) => r.final).map((r) => [r.id, r.final.status]));
  deadline.phase("settled; waiting for quiescence");
  const quiescence = await waitForQuiescence({ app, shop: DEMO_SHOP, oracle: expected, finalStatuses, timeoutMs: QUIESCENCE_TIMEOUT_MS });
  printRun({ stats, deliveryMs, events: generated.events.length, timeline, catchUp, quiescence });

  const delivered = { name: "every delivery acknowledged (2xx)", checked: plan.figures.deliveries, mismatches: stats.givenUp ? [`${stats.givenUp} deliveries given up`] : [] };
  const settledCheck = {
    name: "every redemption settled",
    checked: outcome.redemptions.size,
    mismatches: settled.settled ? [] : [`${settled.pendingLeft} redemptions still pending after ${SETTLE_TIMEOUT_MS / 1000} s (customers ${settled.customersLeft.slice(0, 5).join(", ")})`],
  };
  const answers = checkAnswers({ book, outcome, rewards: spending.rewards });
  const balances = await checkBalances({ signer, shop: DEMO_SHOP, oracle: expected });
  const { check: ledgerCheck, ledgers } = await checkLedgers({ url: app.url, signer, shop: DEMO_SHOP, oracle: expected });
  const { check: projection } = await checkProjection({ sql: app.sql, shop: DEMO_SHOP, oracle: expected, ledgers });
  const reportingSpending = await checkReportingSpending({ sql: app.sql, shop: DEMO_SHOP, outcome });
  const rollups = await checkRollups({ sql: app.sql, shop: DEMO_SHOP });
  deadline.phase("waiting for every earning entry's email");
  const { check: notifications, figures: notificationFigures } = await checkNotifications({
    url: app.url,
    signer,
    standins: app.standins,
    customers: notificationTraffic.customers,
    killedAt: ctx.crash?.killedAt ?? null,
    timeoutMs: NOTIFICATIONS_TIMEOUT_MS,
  });
  if (notificationDeliveries.givenUp) notifications.mismatches.push(`${notificationDeliveries.givenUp} of the notification shop's deliveries given up`);
  if (notificationFigures) {
    console.log(
      `notifications: ${notificationTraffic.orders} orders delivered twice each (${notificationDeliveries.deliveries} deliveries); ` +
        `${notificationFigures.expected} emails expected, ${notificationFigures.accepted} accepted of ${notificationFigures.tried} tries, ` +
        `${notificationFigures.acrossCrash} sent twice across the SIGKILL; waited ${(notificationFigures.waitedMs / 1000).toFixed(1)} s`,
    );
  }
  deadline.phase("waiting for every referral's advocate side");
  const { check: referrals, figures: referralFigures } = await checkReferrals({ url: app.url, signer, sql: app.sql, setup: referralSetup, figures: referralDeliveries, timeoutMs: REFERRALS_TIMEOUT_MS });
  console.log(
    `referrals: ${referralFigures.friends} friends bound by the widget and their order at once (${referralFigures.cancelled} orders then cancelled); ` +
      `${referralFigures.webhooks} webhooks and ${referralFigures.completes} complete calls answered; waited ${(referralFigures.waitedMs / 1000).toFixed(1)} s`,
  );
  const { check: discounts, figures: discountFigures } = await checkShopifyDiscounts({ emulatorUrl: app.emulator.url, sql: app.sql, shop: DEMO_SHOP, outcome, rewards: spending.rewards });
  const { figures: spent, exercised } = spendingFigures({ book, outcome, crash: ctx.crash, faultsMet: faultsMet(app.emulator.requests, DEMO_SHOP), discountCodes: discountFigures.codes });
  printSpending({ figures: spent, settled, weather: weather.figures, clientStats, discounts: discountFigures });
  deadline.phase("reading D1 after stopping the app");
  await app.stop();
  const { check: inbox, figures: inboxFigures } = await checkInbox({ d1Query: app.d1Query, oracle, shop: DEMO_SHOP }).catch((error) => ({
    check: { name: "D1 inbox settled, order index complete", checked: 0, mismatches: [`could not read D1: ${error.message}`] },
    figures: null,
  }));
  const quiet = { name: "quiescence within 3 minutes", checked: 1, mismatches: quiescence.quiet ? [] : [`${quiescence.behind} customers' projection or redemptions still behind`] };
  const checks = [delivered, quiet, ctx.refundsWhileDown, settledCheck, answers, balances, ledgerCheck, projection, reportingSpending, rollups, notifications, referrals, discounts, inbox, checkExercised(exercised)];
  const mismatches = printChecks(checks, inboxFigures, Date.now() - runStarted);
  exitCode = mismatches === 0 ? 0 : 1;
} catch (error) {
  console.error("\nfaults: the run failed:", error);
} finally {
  deadline.clear();
  await app?.stop().catch(() => {});
  await app?.destroyPostgres().catch(() => {});
  if (exitCode === 0 && !options.keep) rmSync(persistTo, { recursive: true, force: true });
  else console.log(`state kept in ${persistTo}`);
}
process.exit(exitCode);

// --- helpers ---------------------------------------------------------------------------------

/** The tail of wrangler dev's log (the Worker's console lines among it), for a failure's message. */
function wranglerTail() {
  const tail = app?.output?.() ?? "";
  return tail ? `the tail of wrangler dev's log:\n${tail.slice(-4_000)}` : "(wrangler dev logged nothing)";
}

/** Customer orders with points whose orders/paid had a 2xx so far. */
function awardsAcknowledged(stats) {
  const gids = [];
  for (const event of generated.events) {
    if (event.topic !== "orders/paid" || !stats.firstAck.has(event.index) || !event.fact.customerId) continue;
    if (oracle.customers.get(event.fact.customerId).earnOrders.has(event.orderGid)) gids.push(event.orderGid);
  }
  return gids;
}

function createProgress() {
  let done = 0;
  let total = 1;
  const waiters = [];
  const fraction = () => done / total;
  return {
    fraction,
    report(d, t) {
      done = d;
      total = t;
      for (const w of waiters.filter((w) => fraction() >= w.at)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    until: (at) => (fraction() >= at ? Promise.resolve() : new Promise((resolve) => waiters.push({ at, resolve }))),
  };
}

function parseOptions(argv) {
  const value = (name, fallback) => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
    return n;
  };
  return {
    seed: value("--seed", Math.floor(Math.random() * 1_000_000)),
    events: value("--events", 10_000),
    customers: value("--customers", 1_000),
    spenders: value("--spenders", 120),
    concurrency: value("--concurrency", 24),
    keep: argv.includes("--keep"),
    verbose: argv.includes("--verbose"),
  };
}
