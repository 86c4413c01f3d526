// jobs: work for Shopify that follows a change here, each message naming what to bring up to
// date rather than carrying the new value. The consumer reads the current state and publishes
// it, so a job is idempotent by construction: a repeat, a redelivery or an old job that arrives
// late publishes what is true now, never what was true when it was sent.
// - publish_discount_config: the discount Function's configuration (the shop's enabled tiers and
//   the campaigns running now) → publishDiscountConfig. Sent after every tier or campaign write
//   and by the cron when a campaign starts or ends.
// - publish_customer_tier: the tier the customer holds now (their object's heldTier) →
//   publishCustomerTier. Sent by the ledger-events consumer for each tier_changed event, while
//   the configuration reads customers' tiers (customerTiersPublished).
// - publish_tier_members: when the configuration starts reading customers' tiers, a
//   publish_customer_tier job for every customer holding one (the projection's tier_changes),
//   a page at a time.
// - publish_widget_settings: the shop's widget settings (branding, labels, surfaces) → the
//   app-data metafield the theme app embed inlines (workers/shopify/widget-settings.ts). Sent
//   after every save of the store settings (requestWidgetSettingsPublish).
// - release_held_awards: the points held past a plan's grace (d1/plans.ts) go to their
//   customers, once the shop may award again (an upgrade, a new month): each customer's
//   object releases its held orders in payment order, exactly once; a page of customers at a
//   time. Needs no Shopify call. Sent by changePlan and by the sweeper every minute while a
//   shop holds awards it may now give, so a lost send or a race with a late hold is repaired.
// - gdpr_request: a GDPR request (queues/gdpr.ts runGdprRequest), whatever the shop's state.
// - check_integration: a messaging provider's connectivity check (queues/integration-checks.ts),
//   sent by a save or the merchant's POST …/check, and by the sweeper (daily, or when a check
//   asked for never came). Needs no Shopify call; a provider failing is an outcome, not a retry.
// - export: a CSV export (queues/exports.ts runExport), sent by POST /v1/api/exports and by a run
//   that stopped at its time budget (its continuation). Resumes from the export's checkpoint, so
//   a redelivery or a continuation finishes it exactly once; busy (another run holds it, e.g.
//   the one the POST started at once) → retry when its lease ends. Needs no Shopify call.
// Outcomes: published → ack; unavailable (Shopify or the token unreachable, throttled) → retry
// with backoff, then the DLQ and the sweeper's re-drives; rejected (Shopify refused the input)
// → parked with its reason for an operator, since the same input is refused every time (a
// merchant-visible failure is not built yet); a shop not installed, or without an offline
// token → ack, there is nowhere to publish.
import { queueRetryDelaySeconds } from "../core/backoff";
import { buildDiscountFunctionConfig, DiscountFunctionConfigSchema, readsCustomerTiers } from "../core/discount-function-config";
import { campaignDiscountInputs } from "../core/campaigns";
import { tierDiscountInputs } from "../core/tiers";
import { campaignsForEarning, campaignsNotOverAt } from "../d1/campaigns";
import { getProgram, getShopTokenColumns } from "../d1/shops";
import { listTiers, shopTiers } from "../d1/vip-tiers";
import { withReporting } from "../postgres/client";
import { tierMembersAfter } from "../postgres/tier-members";
import { customerAccount } from "../durable-objects/stubs";
import { customersWithHeldAwards, shopUsage } from "../d1/plans";
import { holdsAwards } from "../core/plans";
import { customerGid, publishCustomerTier, publishDiscountConfig } from "../workers/shopify/discount-function";
import { publishWidgetSettings } from "../workers/shopify/widget-settings";
import { publishedWidgetSettings } from "../core/widget-settings";
import { currentStoreSettings } from "../d1/store-settings";
import { parkMessage } from "./dead-letters";
import { runGdprRequest } from "./gdpr";
import { runIntegrationCheck } from "./integration-checks";
import { runExport } from "./exports";
import type { MessagingProvider } from "../core/integrations";
import { log } from "../core/log";

export type JobMessage =
  | { type: "publish_discount_config"; shop: string }
  | { type: "publish_customer_tier"; shop: string; customerId: string }
  | { type: "publish_widget_settings"; shop: string }
  /** Every customer holding a tier, a page at a time (customer ids after `after`), from the projection. */
  | { type: "publish_tier_members"; shop: string; after: string | null }
  /** Held awards of customers with ids after `after` (a page at a time), if the shop may award now. */
  | { type: "release_held_awards"; shop: string; after: string | null }
  /** A GDPR request recorded in gdpr_requests (queues/gdpr.ts); needs no Admin API token. */
  | { type: "gdpr_request"; shop: string; requestId: string }
  /** A provider's connectivity check of the integration at `revision` (a later save makes it stale). */
  | { type: "check_integration"; shop: string; provider: MessagingProvider; revision: number }
  /** A CSV export recorded in Postgres `exports` (queues/exports.ts). */
  | { type: "export"; shop: string; exportId: string };

/** Customers per release_held_awards page, and how many objects are asked at once. */
const RELEASE_PAGE = 200;
const RELEASE_CONCURRENCY = 10;

/** Customers per publish_tier_members page. */
const MEMBERS_PAGE = 500;

/** How long one Admin API attempt may take inside a job before it counts as a timeout. */
const ATTEMPT_TIMEOUT_MS = 10_000;

type Outcome = "published" | "unavailable" | "rejected" | "not_installed";

export async function handleJobs(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  // The same job twice in one batch (several edits in a row) is done once: it publishes the
  // current state either way.
  const byKey = new Map<string, Message<JobMessage>[]>();
  for (const message of batch.messages) {
    const key = JSON.stringify(message.body);
    byKey.set(key, [...(byKey.get(key) ?? []), message]);
  }
  // Connectivity checks wait on outside providers (up to 3 tries of 10 s each) and share
  // nothing with each other or with the Shopify publishes: they run side by side, so a slow
  // provider does not hold up the publishes in the same batch, which keep their order.
  const groups = [...byKey.values()];
  // Exports (up to RUN_BUDGET_MS each) likewise run beside the rest.
  const runsAlone = (messages: Message<JobMessage>[]) => messages[0]!.body.type === "check_integration" || messages[0]!.body.type === "export";
  const checks = groups.filter(runsAlone);
  const rest = groups.filter((messages) => !runsAlone(messages));
  await Promise.all([
    Promise.all(checks.map((messages) => settle(env, messages))),
    (async () => {
      for (const messages of rest) await settle(env, messages);
    })(),
  ]);
}

/** Runs one job (its copies in the batch: `messages`) and acks, retries or parks them. */
async function settle(env: Env, messages: Message<JobMessage>[]): Promise<void> {
  const job = messages[0]!.body;
  const attempts = Math.max(...messages.map((m) => m.attempts));
  let outcome: { kind: Outcome; reason?: string; retryAfterSeconds?: number };
  try {
    outcome = await run(env, job);
  } catch (error) {
    // D1 or the customer's object failed us: passing, like Shopify being unavailable.
    outcome = { kind: "unavailable", reason: String(error) };
  }
  if (outcome.kind === "unavailable") {
    log.warn(`jobs: ${job.type} for ${job.shop} unavailable (try ${attempts}), retrying`, outcome.reason);
    for (const m of messages) m.retry({ delaySeconds: outcome.retryAfterSeconds ?? queueRetryDelaySeconds(attempts) });
    return;
  }
  if (outcome.kind === "rejected") await parkMessage(env, "jobs", job, attempts, `Shopify refused ${job.type}: ${outcome.reason}`);
  if (outcome.kind === "not_installed") log.info(`jobs: ${job.type} for ${job.shop} dropped: the shop is not installed`);
  for (const m of messages) m.ack();
}

async function run(env: Env, job: JobMessage): Promise<{ kind: Outcome; reason?: string; retryAfterSeconds?: number }> {
  if (job.type === "release_held_awards") return releaseHeldAwards(env, job.shop, job.after);
  if (job.type === "gdpr_request") {
    // Any store unreachable throws: retried with backoff (the row keeps the reason).
    await runGdprRequest(env, job.requestId);
    return { kind: "published" };
  }
  if (job.type === "check_integration") {
    await runIntegrationCheck(env, job.shop, job.provider, job.revision);
    return { kind: "published" };
  }
  if (job.type === "export") {
    const outcome = await runExport(env, job.exportId);
    // Held by a live run (the request's own first run, or a redelivery's): back when its lease ends.
    if (outcome.kind === "busy") return { kind: "unavailable", reason: `export ${job.exportId} is held by another run`, retryAfterSeconds: outcome.retryAfterSeconds };
    if (outcome.kind === "continue") await sendJobs(env, [job]);
    return { kind: "published" };
  }
  // Uninstalled, or installed without an offline token (never by a token exchange): no Admin API.
  if (!(await getShopTokenColumns(env, job.shop))?.accessTokenEncrypted) return { kind: "not_installed" };
  const options = { attemptTimeoutMs: ATTEMPT_TIMEOUT_MS };
  switch (job.type) {
    case "publish_discount_config": {
      const now = Date.now();
      const [tiers, campaigns] = await Promise.all([listTiers(env, job.shop), campaignsNotOverAt(env, job.shop, now)]);
      const config = functionConfigFor(tiers, campaigns, now);
      const outcome = await publishDiscountConfig(env, job.shop, config, options);
      if (outcome.kind !== "published") return { kind: outcome.kind, reason: outcome.reason };
      // The configuration starts reading customers' tiers: those written so far were skipped.
      if (readsCustomerTiers(config) && !previouslyReadTiers(outcome.previous ?? null)) await sendJobs(env, [{ type: "publish_tier_members", shop: job.shop, after: null }]);
      return { kind: "published" };
    }
    case "publish_tier_members": {
      const page = await withReporting(env, null, (sql) => tierMembersAfter(sql, job.shop, job.after, MEMBERS_PAGE));
      const next: JobMessage[] = page.members.map((customerId) => ({ type: "publish_customer_tier", shop: job.shop, customerId }));
      if (page.next !== null) next.push({ type: "publish_tier_members", shop: job.shop, after: page.next });
      await sendJobs(env, next);
      return { kind: "published" };
    }
    case "publish_widget_settings": {
      // Read now, not carried by the job: a late or repeated job publishes the current settings.
      const { settings } = await currentStoreSettings(env, job.shop);
      const outcome = await publishWidgetSettings(env, job.shop, publishedWidgetSettings(settings), options);
      return outcome.kind === "published" ? { kind: "published" } : { kind: outcome.kind, reason: outcome.reason };
    }
    case "publish_customer_tier": {
      try {
        customerGid(job.customerId);
      } catch (error) {
        return { kind: "rejected", reason: String(error) };
      }
      const [program, tiers] = await Promise.all([getProgram(env, job.shop), listTiers(env, job.shop)]);
      // Read now, not taken from the event: a late or repeated event cannot put an old tier back.
      const held = await customerAccount(env, job.shop, job.customerId).heldTier({ shop: job.shop, customerId: job.customerId, tiers, program });
      const outcome = await publishCustomerTier(env, job.shop, job.customerId, held.tier_id, options);
      return outcome.kind === "published" ? { kind: "published" } : { kind: outcome.kind, reason: outcome.reason };
    }
  }
}

/** One page of the shop's customers with held awards; the next page is its own job. */
export async function releaseHeldAwards(env: Env, shop: string, after: string | null): Promise<{ kind: Outcome; reason?: string }> {
  // Read past the caches: a release must not follow a stale "may award" (nor miss an upgrade).
  const { usage } = await shopUsage(env, shop, { fresh: true });
  if (holdsAwards(usage.state)) return { kind: "published", reason: "still past the plan's grace: nothing released" };
  const customers = await customersWithHeldAwards(env, shop, after, RELEASE_PAGE);
  for (let i = 0; i < customers.length; i += RELEASE_CONCURRENCY) {
    await Promise.all(customers.slice(i, i + RELEASE_CONCURRENCY).map((customerId) => customerAccount(env, shop, customerId).releaseHeldAwards({ shop, customerId })));
  }
  if (customers.length === RELEASE_PAGE) await sendJobs(env, [{ type: "release_held_awards", shop, after: customers.at(-1)! }]);
  return { kind: "published" };
}

function previouslyReadTiers(previous: string | null): boolean {
  if (previous === null) return false;
  try {
    return readsCustomerTiers(DiscountFunctionConfigSchema.parse(JSON.parse(previous)));
  } catch {
    return false; // unreadable: written again in full
  }
}

/**
 * Whether customers' tier changes in `shop` need publishing: only while the discount Function's
 * configuration reads them (core/discount-function-config.ts readsCustomerTiers). Read through
 * the isolate caches of tiers and campaigns.
 */
export async function customerTiersPublished(env: Env, shop: string, now = Date.now()): Promise<boolean> {
  const [tiers, campaigns] = await Promise.all([shopTiers(env, shop), campaignsForEarning(env, shop)]);
  return readsCustomerTiers(functionConfigFor(tiers, campaigns, now));
}

function functionConfigFor(tiers: Parameters<typeof tierDiscountInputs>[0], campaigns: Parameters<typeof campaignDiscountInputs>[0], now: number) {
  return buildDiscountFunctionConfig({ tiers: tierDiscountInputs(tiers), campaigns: campaignDiscountInputs(campaigns), now });
}

/**
 * Asks for the shop's discount configuration to be published, after a committed write of its
 * tiers or campaigns. Never throws: a lost send leaves the write standing (logged); the next
 * change or campaign boundary publishes again.
 */
export async function requestDiscountConfigPublish(env: Env, shop: string): Promise<boolean> {
  try {
    await env.JOBS.send({ type: "publish_discount_config", shop } satisfies JobMessage, { contentType: "json" });
    return true;
  } catch (error) {
    log.error(`jobs: could not queue publish_discount_config for ${shop}; the write stands`, String(error));
    return false;
  }
}

/**
 * Asks for the shop's widget settings to be published, after a committed save of its store
 * settings. Never throws: a lost send leaves the save standing (logged), and the embed keeps the
 * settings published before until the next save; the widget config corrects them on load.
 */
export async function requestWidgetSettingsPublish(env: Env, shop: string): Promise<boolean> {
  try {
    await env.JOBS.send({ type: "publish_widget_settings", shop } satisfies JobMessage, { contentType: "json" });
    return true;
  } catch (error) {
    log.error(`jobs: could not queue publish_widget_settings for ${shop}; the save stands`, String(error));
    return false;
  }
}

/** Sends the jobs in batches of at most 100 (a queue's sendBatch limit); throws when a send fails. */
export async function sendJobs(env: Env, jobs: readonly JobMessage[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 100) {
    await env.JOBS.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}
