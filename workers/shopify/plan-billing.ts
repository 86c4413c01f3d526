// How a shop's plan follows Shopify's billing: a paid plan is asked for as an app subscription
// (PENDING until the merchant approves it), becomes the shop's plan when Shopify reports it
// ACTIVE (the app_subscriptions/update webhook, or the check on the merchant's return), and a
// move to Free cancels the subscription. Every change goes through d1/plans.ts changePlan,
// which logs it and tells the merchant.
import { and, desc, eq, isNotNull, ne } from "drizzle-orm";
import { subscriptionName, type Plan } from "../../core/plans";
import { d1 } from "../../d1/client";
import { changePlan, findPlan, listPlans, type PlanChangeResult } from "../../d1/plans";
import { planChanges, planSubscriptions, shops } from "../../d1/schema";
import { activePlanSubscriptions, cancelPlanSubscription, createPlanSubscription } from "./billing";

export const FREE_PLAN = "free";
/** The actor billing's changes are logged under. */
export const BILLING_ACTOR = "shopify:billing";
const TERMINAL = new Set(["CANCELLED", "DECLINED", "EXPIRED"]);

export type PlanRequestResult =
  | { kind: "unchanged"; plan: string }
  | { kind: "confirm"; plan: string; subscriptionGid: string; confirmationUrl: string }
  | { kind: "changed"; change: PlanChangeResult }
  | { kind: "unknown_plan"; plan: string }
  | { kind: "rejected"; reason: string }
  | { kind: "unavailable"; reason: string }
  | { kind: "not_connected"; reason: string };

/**
 * A merchant asks for `planId`. Paid: a subscription is created at Shopify and the merchant is
 * sent to approve it (the plan changes on activation). Free: the active subscription is
 * cancelled at Shopify, then the plan changes at once.
 */
export async function requestPlanChange(env: Env, shop: string, planId: string, requestedBy: string, returnUrl: string): Promise<PlanRequestResult> {
  const plan = await findPlan(env, planId);
  if (!plan) return { kind: "unknown_plan", plan: planId };
  const current = (await d1(env).select({ plan: shops.plan }).from(shops).where(eq(shops.domain, shop)).get())?.plan;
  if (current === planId) return { kind: "unchanged", plan: planId };
  if (plan.id === FREE_PLAN) {
    for (const gid of await activeSubscriptionGids(env, shop)) {
      const cancelled = await cancelPlanSubscription(env, shop, gid);
      if (cancelled.kind !== "ok") return cancelled;
      await setStatus(env, gid, cancelled.value.status);
    }
    return { kind: "changed", change: await changePlan(env, shop, FREE_PLAN, { changedBy: requestedBy }) };
  }
  // Shopify bills only a positive amount: a plan without a price is an admin's to give (changePlan).
  if (!(Number(plan.price) > 0)) return { kind: "rejected", reason: `plan ${plan.id} has no price to bill; an admin assigns it` };
  const created = await createPlanSubscription(env, shop, plan, returnUrl);
  if (created.kind !== "ok") return created;
  const now = Date.now();
  await d1(env)
    .insert(planSubscriptions)
    .values({ gid: created.value.subscriptionGid, shop, plan: plan.id, status: "PENDING", requestedBy, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  return { kind: "confirm", plan: plan.id, ...created.value };
}

export interface SubscriptionUpdate {
  gid: string;
  name: string;
  status: string;
}

export type SubscriptionUpdateResult = { kind: "applied"; change: PlanChangeResult } | { kind: "ignored"; reason: string };

/**
 * Shopify reports a subscription's status (app_subscriptions/update). ACTIVE: the shop moves to
 * its plan. CANCELLED, DECLINED, EXPIRED of the shop's current subscription: Shopify is asked
 * what is active now (an upgrade cancels the subscription it replaces) and the plan follows
 * it, Free if nothing is. Repeats and late copies change nothing: a subscription that ended
 * stays ended, and a plan change to the plan held is a no-op.
 */
export async function applySubscriptionUpdate(env: Env, shop: string, update: SubscriptionUpdate, installed: boolean): Promise<SubscriptionUpdateResult> {
  const plan = await planOfSubscription(env, shop, update);
  if (!plan) return { kind: "ignored", reason: `no plan matches subscription ${update.gid} (${update.name})` };
  const row = await d1(env).select().from(planSubscriptions).where(eq(planSubscriptions.gid, update.gid)).get();
  if (row && row.shop !== shop) return { kind: "ignored", reason: `subscription ${update.gid} belongs to another shop` };
  if (row && TERMINAL.has(row.status)) return { kind: "ignored", reason: `subscription ${update.gid} already ${row.status}` };
  const now = Date.now();
  await d1(env)
    .insert(planSubscriptions)
    .values({ gid: update.gid, shop, plan: plan.id, status: update.status, requestedBy: BILLING_ACTOR, activatedAt: update.status === "ACTIVE" ? now : null, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: planSubscriptions.gid,
      set: { status: update.status, activatedAt: update.status === "ACTIVE" ? (row?.activatedAt ?? now) : (row?.activatedAt ?? null), updatedAt: now },
    });
  if (update.status === "ACTIVE") {
    return { kind: "applied", change: await changePlan(env, shop, plan.id, { changedBy: BILLING_ACTOR, subscriptionGid: update.gid }) };
  }
  if (!TERMINAL.has(update.status)) return { kind: "ignored", reason: `status ${update.status} changes no plan` };
  const currentPlan = (await d1(env).select({ plan: shops.plan }).from(shops).where(eq(shops.domain, shop)).get())?.plan;
  if (currentPlan !== plan.id || !row?.activatedAt) return { kind: "ignored", reason: `subscription ${update.gid} is not the shop's current one` };
  // Without a token (uninstalled: Shopify cancels at uninstall) there is nothing else to ask.
  const synced = installed ? await syncPlanFromShopify(env, shop, { downgradeIfNone: true }) : null;
  if (synced === null || synced.kind === "not_connected") {
    return { kind: "applied", change: await changePlan(env, shop, FREE_PLAN, { changedBy: BILLING_ACTOR, subscriptionGid: update.gid }) };
  }
  if (synced.kind === "unavailable") throw new Error(`could not read the shop's subscriptions: ${synced.reason}`);
  return synced.kind === "changed" ? { kind: "applied", change: synced.change } : { kind: "ignored", reason: "the plan already follows Shopify" };
}

export type SyncResult =
  | { kind: "changed"; change: PlanChangeResult }
  | { kind: "unchanged"; plan: string }
  | { kind: "unavailable"; reason: string }
  | { kind: "rejected"; reason: string }
  | { kind: "not_connected"; reason: string };

/**
 * The shop's plan brought in line with Shopify's active subscriptions (the merchant's return
 * from approving one). An active subscription we know sets the plan; none active moves a plan
 * billing gave back to Free only when `downgradeIfNone` (a plan an admin gave is not billing's).
 */
export async function syncPlanFromShopify(env: Env, shop: string, options: { downgradeIfNone?: boolean } = {}): Promise<SyncResult> {
  const active = await activePlanSubscriptions(env, shop);
  if (active.kind !== "ok") return active;
  for (const subscription of active.value.filter((s) => s.status === "ACTIVE")) {
    const applied = await applySubscriptionUpdate(env, shop, { gid: subscription.id, name: subscription.name, status: "ACTIVE" }, true);
    if (applied.kind === "applied") return applied.change.changed ? { kind: "changed", change: applied.change } : { kind: "unchanged", plan: applied.change.plan };
  }
  const current = (await d1(env).select({ plan: shops.plan }).from(shops).where(eq(shops.domain, shop)).get())?.plan ?? FREE_PLAN;
  if (!options.downgradeIfNone || current === FREE_PLAN || !(await planCameFromBilling(env, shop))) return { kind: "unchanged", plan: current };
  return { kind: "changed", change: await changePlan(env, shop, FREE_PLAN, { changedBy: BILLING_ACTOR }) };
}

/** Our subscription row's plan, or (one created elsewhere) the plan whose subscription name it carries. */
async function planOfSubscription(env: Env, shop: string, update: SubscriptionUpdate): Promise<Plan | null> {
  const row = await d1(env).select({ plan: planSubscriptions.plan }).from(planSubscriptions).where(eq(planSubscriptions.gid, update.gid)).get();
  if (row) return findPlan(env, row.plan);
  return (await listPlans(env)).find((p) => subscriptionName(p) === update.name && p.id !== FREE_PLAN) ?? null;
}

async function activeSubscriptionGids(env: Env, shop: string): Promise<string[]> {
  const rows = await d1(env)
    .select({ gid: planSubscriptions.gid })
    .from(planSubscriptions)
    .where(and(eq(planSubscriptions.shop, shop), eq(planSubscriptions.status, "ACTIVE"), isNotNull(planSubscriptions.activatedAt)));
  return rows.map((r) => r.gid);
}

async function setStatus(env: Env, gid: string, status: string): Promise<void> {
  await d1(env).update(planSubscriptions).set({ status, updatedAt: Date.now() }).where(eq(planSubscriptions.gid, gid));
}

async function planCameFromBilling(env: Env, shop: string): Promise<boolean> {
  const last = await d1(env)
    .select({ changedBy: planChanges.changedBy })
    .from(planChanges)
    .where(and(eq(planChanges.shop, shop), ne(planChanges.toPlan, FREE_PLAN)))
    .orderBy(desc(planChanges.id))
    .limit(1)
    .get();
  return last?.changedBy === BILLING_ACTOR;
}
