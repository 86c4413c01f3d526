// The cron sweeper: re-drives inbox entries left unprocessed (their queue message lost or
// still parked), GDPR requests still open, and dead letters, gives up on inbox entries that never applied, and purges
// what is past its retention, and asks for the discount Function's configuration to be
// published again where a campaign started or ended since the last tick (the configuration
// holds only the campaigns running at publish time) or where tiers or campaigns changed (a
// repeat of the publish their write asked for, should that send have been lost), and asks
// for the release of awards held past a plan's grace wherever the shop may award again (a new
// month began, the plan changed; a repeat is harmless, the release job checks again),
// queues again notifications whose message was lost, and asks for a connectivity check of
// every enabled messaging integration a day after its last one (or 10 minutes after an ask
// whose check never came), and looks after CSV exports (queues/export-lifecycle.ts: files past
// their retention deleted, stalled exports revived or failed). Cron does not fire under `wrangler dev`: the dev script calls
// /cdn-cgi/local/scheduled on a timer.
import { campaignDiscountInputs } from "../core/campaigns";
import { campaignBoundaryBetween } from "../core/discount-function-config";
import { campaignsTouchedBetween } from "../d1/campaigns";
import { claimDue, giveUpStale, purgeInbox, sendToIngest } from "../d1/inbox";
import { claimStaleOpen, expiredBundles, forgetBundle, getGdprRequest } from "../d1/gdpr-requests";
import { shopsWithTiersChangedBetween } from "../d1/vip-tiers";
import { purgeDeadLetters, redriveDeadLetters } from "./dead-letters";
import { sendJobs } from "./jobs";
import { shopsWithHeldAwards, shopUsage } from "../d1/plans";
import { holdsAwards } from "../core/plans";
import { reencryptBatch, type ReencryptResult } from "./reencrypt";
import { claimIntegrationsDue } from "../d1/integrations";
import { LOG_RETENTION_DAYS } from "../core/logs";
import { log } from "../core/log";
import { withReporting } from "../postgres/client";
import { purgeLogsBefore } from "../postgres/logs";
import { foldPointsDaily } from "../postgres/points-daily";
import { redriveStuckNotifications } from "./notification-redrive";
import { sweepExports, type ExportSweep } from "./export-lifecycle";

const DEAD_LETTER_MIN_AGE_MS = 5 * 60_000;
const REENCRYPT_BATCH = 200;
/** Integration checks asked per tick, at most (each is a job of up to 3 provider calls). */
const INTEGRATION_CHECKS_PER_TICK = 100;
/** Log rows deleted per table and tick, at most (see purgeLogsBefore). */
export const LOG_PURGE_BATCH = 5_000;
/** The cron runs every minute: each tick covers (scheduledTime − 60 s, scheduledTime]. */
export const TICK_MS = 60_000;

export interface SweepResult {
  inbox: number;
  deadLetters: number;
  givenUp: number;
  purged: number;
  reencrypted: ReencryptResult;
  /** Shops whose discount configuration this tick asked to publish. */
  discountPublishes: number;
  /** Shops holding awards that may now be given, asked to release them. */
  releases: number;
  /** GDPR requests still open a few minutes after their last try, sent to the jobs queue again. */
  gdprRequests: number;
  /** Log rows past LOG_RETENTION_DAYS deleted this tick; null when Postgres was unreachable. */
  logsPurged: { audit: number; api: number } | null;
  /** Notifications left queued or retrying with no message (queues/notification-redrive.ts), queued again; null when Postgres was unreachable. */
  notificationsRedriven: number | null;
  /** Messaging integrations whose connectivity check this tick asked for (daily, or a lost ask). */
  integrationChecks: number;
  /** Exports expired, uploads aborted, stalled exports revived or failed; null when Postgres was unreachable. */
  exports: ExportSweep | null;
  /** Pending changes folded into points_daily (null: Postgres down). */
  rollupsFolded: number | null;
}

/** Data bundles past their retention leave R2 (the request row stays, without its bundle). */
async function purgeGdprBundles(env: Env, now: number): Promise<number> {
  const expired = await expiredBundles(env, 100, now);
  for (const { id, key } of expired) {
    await env.FILES.delete(key);
    await forgetBundle(env, id);
  }
  return expired.length;
}

async function redriveGdprRequests(env: Env, now: number): Promise<number> {
  const ids = await claimStaleOpen(env, 100, now);
  const rows = ids.length ? await Promise.all(ids.map((id) => getGdprRequest(env, id))) : [];
  await sendJobs(env, rows.filter((r) => r !== undefined).map((r) => ({ type: "gdpr_request" as const, shop: r.shop, requestId: r.id })));
  return ids.length;
}

export async function sweep(env: Env, now = Date.now()): Promise<SweepResult> {
  const givenUp = await giveUpStale(env, now);
  const ids = await claimDue(env, 500, now);
  await sendToIngest(env, ids);
  const deadLetters = await redriveDeadLetters(env, DEAD_LETTER_MIN_AGE_MS, 100, now);
  const purged = (await purgeInbox(env, now)) + (await purgeDeadLetters(env, now)) + (await purgeGdprBundles(env, now));
  const reencrypted = await reencryptBatch(env, REENCRYPT_BATCH);
  const discountPublishes = await requestDiscountPublishes(env, now - TICK_MS, now);
  const releases = await requestReleases(env, now);
  const gdprRequests = await redriveGdprRequests(env, now);
  const logsPurged = await purgeExpiredLogs(env, now);
  const notificationsRedriven = await redriveNotifications(env, now);
  const integrationChecks = await requestIntegrationChecks(env, now);
  const exports = await sweepExports(env, now);
  const rollupsFolded = await foldRollups(env);
  return { inbox: ids.length, deadLetters, givenUp, purged, reencrypted, discountPublishes, releases, gdprRequests, logsPurged, notificationsRedriven, integrationChecks, exports, rollupsFolded };
}

async function requestIntegrationChecks(env: Env, now: number): Promise<number> {
  const due = await claimIntegrationsDue(env, INTEGRATION_CHECKS_PER_TICK, now);
  await sendJobs(env, due.map((d) => ({ type: "check_integration" as const, ...d })));
  return due.length;
}

async function redriveNotifications(env: Env, now: number): Promise<number | null> {
  try {
    return await withReporting(env, null, (sql) => redriveStuckNotifications(env, sql, now));
  } catch (error) {
    log.warn("notifications: re-drive skipped, Postgres unavailable", String(error));
    return null;
  }
}

/** Shops holding awards whose state this month lets them award again (the month rolled, the plan changed). */
export async function shopsToRelease(env: Env, now: number): Promise<string[]> {
  const shops = await shopsWithHeldAwards(env);
  const states = await Promise.all(shops.map(async (shop) => ({ shop, state: (await shopUsage(env, shop, { now, fresh: true })).usage.state })));
  return states.filter((s) => !holdsAwards(s.state)).map((s) => s.shop).sort();
}

async function requestReleases(env: Env, now: number): Promise<number> {
  const shops = await shopsToRelease(env, now);
  await sendJobs(env, shops.map((shop) => ({ type: "release_held_awards", shop, after: null })));
  return shops.length;
}

/** audit_logs and api_logs rows older than LOG_RETENTION_DAYS, a bounded batch per tick. */
export async function purgeExpiredLogs(env: Env, now = Date.now(), limit = LOG_PURGE_BATCH): Promise<{ audit: number; api: number } | null> {
  const cutoff = new Date(now - LOG_RETENTION_DAYS * 24 * 60 * 60_000);
  try {
    return await withReporting(env, null, (sql) => purgeLogsBefore(sql, cutoff, limit));
  } catch (error) {
    log.warn("logs: retention purge skipped, Postgres unavailable", String(error));
    return null;
  }
}

/** The analytics' appended changes folded into points_daily (postgres/points-daily.ts); null while Postgres is down. */
export async function foldRollups(env: Env): Promise<number | null> {
  try {
    return await withReporting(env, null, (sql) => foldPointsDaily(sql));
  } catch (error) {
    log.warn("analytics: rollup fold skipped, Postgres unavailable", String(error));
    return null;
  }
}

/**
 * The shops whose discount configuration changes or may be stale in (from, to]: a campaign
 * giving a discount perk started or ended, or a tier or campaign was written. One job each.
 */
export async function shopsToRepublish(env: Env, from: number, to: number): Promise<string[]> {
  const [campaigns, tierShops] = await Promise.all([campaignsTouchedBetween(env, from, to), shopsWithTiersChangedBetween(env, from, to)]);
  const shops = new Set(tierShops);
  for (const campaign of campaigns) {
    const changed = from < Date.parse(campaign.updated_at) && Date.parse(campaign.updated_at) <= to;
    const givesPerk = campaign.discount !== null || campaign.free_shipping;
    if (changed || (givesPerk && campaignBoundaryBetween(campaignDiscountInputs([campaign]), from, to))) shops.add(campaign.shop);
  }
  return [...shops].sort();
}

async function requestDiscountPublishes(env: Env, from: number, to: number): Promise<number> {
  const shops = await shopsToRepublish(env, from, to);
  await sendJobs(env, shops.map((shop) => ({ type: "publish_discount_config", shop })));
  return shops.length;
}
