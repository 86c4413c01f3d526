// Plans, each shop's monthly usage (net paid orders) and plan changes, in D1. The rules are
// core/plans.ts's; the award path reads a shop's state through an isolate cache (awardsHeld),
// so no per-shop serialization point sits on the webhook hot path: the counts come behind it,
// from the accounts' outboxes (recordOrderUsage, called by the ledger-events consumer).
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { holdsAwards, thresholdsReached, usageMonth, usageState, type Plan, type Usage, type UsageState } from "../core/plans";
import type { LedgerEvent } from "../core/ledger-events";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { notifyMerchant } from "./merchant-notices";
import { planChanges, planUsage, planUsageOrders, plans, shops } from "./schema";
import { forgetShop, getShop } from "./shops";

const PLANS_TTL_MS = 60_000;
/** How stale the award path's view of a shop's usage may be (an award or two past the grace is given, not held). */
export const USAGE_TTL_MS = 10_000;
const plansCache = new TtlCache<Plan[]>(PLANS_TTL_MS, 1);
const usageCache = new TtlCache<UsageRow | null>(USAGE_TTL_MS);

interface UsageRow {
  netOrders: number;
  limitReachedAt: number | null;
}

/** An account's report that one of its paid orders started or stopped counting, or its points were held or released. */
export type OrderUsageEvent = Omit<Extract<LedgerEvent, { type: "order_usage" }>, "type">;

export function listPlans(env: Pick<Env, "DB">): Promise<Plan[]> {
  return plansCache.get("plans", async () => {
    const rows = await d1(env).select().from(plans).orderBy(asc(plans.sort));
    return rows.map((r) => ({ id: r.id, name: r.name, price: r.price, monthly_order_limit: r.monthlyOrderLimit }));
  });
}

export async function findPlan(env: Pick<Env, "DB">, id: string): Promise<Plan | null> {
  return (await listPlans(env)).find((p) => p.id === id) ?? null;
}

/** Forgets the isolate's copy of the plans (after a test or an operator adds one). */
export function forgetPlans(): void {
  plansCache.delete("plans");
}

/** Forgets this isolate's copy of a shop's usage this month (after an operator's or a test's direct write). */
export function forgetPlanUsage(shop: string, now = Date.now()): void {
  usageCache.delete(`${shop}|${usageMonth(now)}`);
}

async function readUsage(env: Pick<Env, "DB">, shop: string, month: string): Promise<UsageRow | null> {
  const row = await d1(env)
    .select({ netOrders: planUsage.netOrders, limitReachedAt: planUsage.limitReachedAt })
    .from(planUsage)
    .where(and(eq(planUsage.shop, shop), eq(planUsage.month, month)))
    .get();
  return row ?? null;
}

/** A shop's plan and where it stands this month; `fresh` reads past the isolate caches. */
export async function shopUsage(env: Env, shop: string, options: { now?: number; fresh?: boolean } = {}): Promise<{ plan: Plan; month: string; netOrders: number; usage: Usage; limitReachedAt: number | null }> {
  const now = options.now ?? Date.now();
  const month = usageMonth(now);
  const planId = options.fresh
    ? ((await d1(env).select({ plan: shops.plan }).from(shops).where(eq(shops.domain, shop)).get())?.plan ?? "free")
    : ((await getShop(env, shop))?.plan ?? "free");
  const plan = (await findPlan(env, planId)) ?? (await findPlan(env, "free"));
  if (!plan) throw new Error("no free plan in D1: the plans seed (d1/migrations) was not applied");
  const row = plan.monthly_order_limit === null && !options.fresh
    ? null
    : options.fresh
      ? await readUsage(env, shop, month)
      : await usageCache.get(`${shop}|${month}`, () => readUsage(env, shop, month), now);
  const netOrders = row?.netOrders ?? 0;
  return { plan, month, netOrders, usage: usageState(plan.monthly_order_limit, netOrders, row?.limitReachedAt ?? null, now), limitReachedAt: row?.limitReachedAt ?? null };
}

/**
 * The award path's question: are this shop's new awards held? From isolate caches (shop,
 * plans, usage), so a cached answer costs no I/O; an unlimited plan never reads usage.
 */
export async function awardsHeld(env: Env, shop: string, now = Date.now()): Promise<boolean> {
  return holdsAwards((await shopUsage(env, shop, { now })).usage.state);
}

export interface PlanUsageView {
  plan: Plan;
  month: string;
  /** Net paid orders this month (refunded and cancelled orders given back). */
  usage: number;
  limit: number | null;
  percent: number | null;
  state: UsageState;
  grace_ends_at: string | null;
  /** Orders whose points are held (past the grace), any month, and their points. */
  held_awards: { count: number; points: number };
}

/** What GET /v1/api/plan answers (and GET /v1/api/settings may embed): read fresh. */
export async function shopPlanUsage(env: Env, shop: string, now = Date.now()): Promise<PlanUsageView> {
  const [current, held] = await Promise.all([shopUsage(env, shop, { now, fresh: true }), heldAwards(env, shop)]);
  return {
    plan: current.plan,
    month: current.month,
    usage: current.netOrders,
    limit: current.plan.monthly_order_limit,
    percent: current.usage.percent,
    state: current.usage.state,
    grace_ends_at: current.usage.grace_ends_at === null ? null : new Date(current.usage.grace_ends_at).toISOString(),
    held_awards: held,
  };
}

export async function heldAwards(env: Pick<Env, "DB">, shop: string): Promise<{ count: number; points: number }> {
  const row = await d1(env)
    .select({ count: sql<number>`count(*)`, points: sql<number>`coalesce(sum(${planUsageOrders.heldPoints}), 0)` })
    .from(planUsageOrders)
    .where(and(eq(planUsageOrders.shop, shop), eq(planUsageOrders.held, true)))
    .get();
  return { count: row?.count ?? 0, points: row?.points ?? 0 };
}

/** Customers of `shop` with held awards, by id after `after`, a page at a time. */
export async function customersWithHeldAwards(env: Pick<Env, "DB">, shop: string, after: string | null, limit: number): Promise<string[]> {
  const rows = await d1(env)
    .selectDistinct({ customerId: planUsageOrders.customerId })
    .from(planUsageOrders)
    .where(and(eq(planUsageOrders.shop, shop), eq(planUsageOrders.held, true), after === null ? undefined : gt(planUsageOrders.customerId, after)))
    .orderBy(asc(planUsageOrders.customerId))
    .limit(limit);
  return rows.map((r) => r.customerId);
}

/** Shops holding awards: the sweeper asks each whether they can be released now. */
export async function shopsWithHeldAwards(env: Pick<Env, "DB">, limit = 100): Promise<string[]> {
  const rows = await d1(env).selectDistinct({ shop: planUsageOrders.shop }).from(planUsageOrders).where(eq(planUsageOrders.held, true)).limit(limit);
  return rows.map((r) => r.shop);
}

/**
 * Applies order_usage events (idempotent: a row moves only to a newer revision), recounts each
 * (shop, month) touched in the same batch, then tells the merchants whose current month
 * crossed 80% or the limit (once per month, plan and threshold).
 */
export async function recordOrderUsage(env: Env, events: readonly OrderUsageEvent[], now = Date.now()): Promise<void> {
  if (events.length === 0) return;
  const months = new Map<string, { shop: string; month: string }>();
  const upserts = events.map((e) => {
    months.set(`${e.shop}|${e.month}`, { shop: e.shop, month: e.month });
    return env.DB.prepare(
      `INSERT INTO plan_usage_orders (shop, month, order_gid, customer_id, counts, held, held_points, revision, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (shop, month, order_gid) DO UPDATE SET counts = excluded.counts, held = excluded.held,
         held_points = excluded.held_points, revision = excluded.revision, updated_at = excluded.updated_at
       WHERE excluded.revision > plan_usage_orders.revision`,
    ).bind(e.shop, e.month, e.order_gid, e.customer_id, e.counts ? 1 : 0, e.held_points > 0 ? 1 : 0, e.held_points, e.outbox_seq, now);
  });
  const recounts = [...months.values()].map(({ shop, month }) =>
    env.DB.prepare(
      `INSERT INTO plan_usage (shop, month, net_orders, updated_at)
       SELECT ?1, ?2, count(*), ?3 FROM plan_usage_orders WHERE shop = ?1 AND month = ?2 AND counts = 1
       ON CONFLICT (shop, month) DO UPDATE SET net_orders = excluded.net_orders, updated_at = excluded.updated_at`,
    ).bind(shop, month, now),
  );
  // One transaction: a count is never written from a half-applied batch.
  await env.DB.batch([...upserts, ...recounts]);
  const current = usageMonth(now);
  for (const { shop, month } of months.values()) {
    usageCache.delete(`${shop}|${month}`);
    if (month === current) await noticeThresholds(env, shop, now);
  }
}

/**
 * Records when the month's count first reached the limit (the grace runs from then) and tells
 * the merchant at 80% and 100%. Safe to repeat: each notice has its dedupe key.
 */
export async function noticeThresholds(env: Env, shop: string, now = Date.now()): Promise<void> {
  const { plan, month, netOrders, limitReachedAt } = await shopUsage(env, shop, { now, fresh: true });
  const limit = plan.monthly_order_limit;
  const reached = thresholdsReached(limit, netOrders);
  if (reached.limit) {
    let reachedAt = limitReachedAt;
    if (reachedAt === null) {
      await d1(env).update(planUsage).set({ limitReachedAt: now }).where(and(eq(planUsage.shop, shop), eq(planUsage.month, month), sql`${planUsage.limitReachedAt} IS NULL`));
      reachedAt = (await readUsage(env, shop, month))?.limitReachedAt ?? now;
    }
    const usage = usageState(limit, netOrders, reachedAt, now);
    await notifyMerchant(env, shop, {
      kind: "plan_limit_reached",
      dedupeKey: `plan_limit_reached:${month}:${plan.id}`,
      details: { plan: plan.id, month, limit, usage: netOrders, grace_ends_at: new Date(usage.grace_ends_at!).toISOString() },
    }, now);
  }
  if (reached.warning) {
    await notifyMerchant(env, shop, {
      kind: "plan_usage_warning",
      dedupeKey: `plan_usage_warning:${month}:${plan.id}:80`,
      details: { plan: plan.id, month, limit, usage: netOrders, percent: Math.floor((netOrders * 100) / limit!) },
    }, now);
  }
}

export interface PlanChangeActor {
  /** "merchant:<session sub>", "admin:<id>", "shopify:billing", "seed". */
  changedBy: string;
  subscriptionGid?: string | null;
}

export type PlanChangeResult = { changed: true; from: string; to: string } | { changed: false; plan: string };

/**
 * Moves a shop to `planId` (the one function every path changes a plan through: the billing
 * webhook, the return check, a downgrade, PUT /admin/plans, the seed). One D1 batch logs the
 * change in plan_changes with who made it and restarts the month's grace against the new
 * limit; then the merchant is told (plan_changed) and held awards are asked to be released.
 * A move to the plan the shop is on changes nothing and logs nothing.
 */
export async function changePlan(env: Env, shop: string, planId: string, actor: PlanChangeActor, now = Date.now()): Promise<PlanChangeResult> {
  const plan = await findPlan(env, planId);
  if (!plan) throw new Error(`no plan ${planId}`);
  const month = usageMonth(now);
  // One transaction, in this order: each statement sees the plan before the change, so a move
  // to the current plan (or a racing twin of this call) does nothing at all.
  const [logged] = await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO plan_changes (shop, from_plan, to_plan, changed_by, subscription_gid, created_at)
       SELECT domain, plan, ?2, ?3, ?4, ?5 FROM shops WHERE domain = ?1 AND plan <> ?2 RETURNING from_plan`,
    ).bind(shop, planId, actor.changedBy, actor.subscriptionGid ?? null, now),
    // The grace restarts against the new limit: from now if the month is already past it.
    env.DB.prepare(
      `UPDATE plan_usage SET limit_reached_at = CASE WHEN ?3 IS NOT NULL AND net_orders >= ?3 THEN ?4 ELSE NULL END
       WHERE shop = ?1 AND month = ?2 AND EXISTS (SELECT 1 FROM shops WHERE domain = ?1 AND plan <> ?5)`,
    ).bind(shop, month, plan.monthly_order_limit, now, planId),
    env.DB.prepare(`UPDATE shops SET plan = ?2, updated_at = ?3 WHERE domain = ?1 AND plan <> ?2`).bind(shop, planId, now),
  ]);
  forgetShop(shop);
  usageCache.delete(`${shop}|${month}`);
  const from = (logged?.results[0] as { from_plan: string } | undefined)?.from_plan;
  if (from === undefined) {
    const current = await d1(env).select({ plan: shops.plan }).from(shops).where(eq(shops.domain, shop)).get();
    if (!current) throw new Error(`no shop ${shop}`);
    return { changed: false, plan: current.plan };
  }
  await notifyMerchant(env, shop, { kind: "plan_changed", dedupeKey: `plan_changed:${now}:${from}:${planId}`, details: { from, to: planId, changed_by_kind: actor.changedBy.split(":")[0] } }, now);
  // Awards held under the old limit may go now (the job checks the new state; the sweeper repeats it).
  try {
    await env.JOBS.send({ type: "release_held_awards", shop, after: null }, { contentType: "json" });
  } catch (error) {
    console.warn(`plans: could not queue release_held_awards for ${shop}; the sweeper will`, String(error));
  }
  return { changed: true, from, to: planId };
}

/** The shop's plan changes, newest first. */
export async function planChangesFor(env: Pick<Env, "DB">, shop: string, limit = 50) {
  const rows = await d1(env).select().from(planChanges).where(eq(planChanges.shop, shop)).orderBy(sql`${planChanges.id} DESC`).limit(limit);
  return rows.map((r) => ({ from: r.fromPlan, to: r.toPlan, changed_by: r.changedBy, subscription_gid: r.subscriptionGid, at: new Date(r.createdAt).toISOString() }));
}
