// The end-state checks of the spending: the app's answers against its final report, the
// Postgres redemptions and audit logs, Shopify's discounts against the issued redemptions, and
// that the run met every outcome it claims to prove. Each returns { name, checked, mismatches }.
import { endedSpent } from "./spending-oracle.mjs";

function result(name) {
  return { name, checked: 0, mismatches: [] };
}

const FINAL = new Set(["issued", "used", "expired", "failed", "cancelled"]);

/**
 * Every request answered; every answer under one key names one redemption (or adjustment);
 * what a redemption's answers said agrees with how it ended: 200 → issued with that very code,
 * 502 → failed, 202 → either; nothing pending at the end; nothing the answers never named; the
 * requests meant to be refused refused, leaving nothing behind.
 */
export function checkAnswers({ book, outcome, rewards }) {
  const check = result("answers = the app's final report");
  const problem = (message) => check.mismatches.push(message);
  for (const record of book.redemptions.values()) {
    check.checked++;
    const what = `redemption key ${record.key} (customer ${record.customerId}, ${record.shape})`;
    if (record.answers.some((a) => a === null)) problem(`${what}: a request never answered`);
    const named = new Set(record.answers.map((a) => a?.body?.redemption_id).filter(Boolean));
    if (named.size !== 1) problem(`${what}: answers name ${named.size} redemptions (${record.answers.map((a) => a?.status).join(", ")}: ${JSON.stringify(record.answers.map((a) => a?.body?.error ?? null))})`);
    for (const answer of record.answers.filter(Boolean)) {
      if (![200, 202, 502].includes(answer.status)) problem(`${what}: answered ${answer.status} ${JSON.stringify(answer.body?.error)} although its points were covered`);
    }
  }
  for (const r of outcome.redemptions.values()) {
    const what = `redemption ${r.id} (customer ${r.customerId})`;
    if (!r.final) {
      problem(`${what}: answered ${r.answers.map((a) => a.status).join(", ")} but absent from the customer's history`);
      continue;
    }
    if (!FINAL.has(r.final.status)) problem(`${what}: still ${r.final.status} at the end`);
    for (const answer of r.answers) {
      if (answer.status === 200 && !(endedSpent(r) && r.final.discount_code === answer.body.discount_code)) {
        problem(`${what}: answered 200 with ${answer.body.discount_code}, ended ${r.final.status} with ${r.final.discount_code}`);
      }
      if (answer.status === 502 && r.final.status !== "failed") problem(`${what}: answered 502, ended ${r.final.status}`);
    }
    if (r.final.reward_id !== r.rewardId) problem(`${what}: reward ${r.final.reward_id}, asked for ${r.rewardId}`);
  }
  for (const row of outcome.unknownRedemptions) problem(`redemption ${row.redemption_id} (customer ${row.customerId}, ${row.status}) in the history, named by no answer`);

  for (const a of outcome.adjustments.values()) {
    check.checked++;
    const what = `adjustment key ${a.key} (customer ${a.customerId}, ${a.points})`;
    if (a.answers.some((x) => x === null)) problem(`${what}: a request never answered`);
    const answered = a.answers.filter(Boolean);
    if (answered.some((x) => x.status !== 200)) problem(`${what}: answered ${answered.map((x) => `${x.status} ${x.body?.error?.code ?? ""}`).join(", ")}`);
    const entries = new Set(answered.map((x) => x.body?.entry_id));
    if (entries.size !== 1) problem(`${what}: answers name ${entries.size} ledger entries: ${answered.map((x) => `${x.status} ${x.body?.entry_id} duplicate ${x.body?.duplicate}`).join("; ")}`);
    if (answered.filter((x) => x.body?.duplicate === false).length > 1) problem(`${what}: applied more than once`);
  }

  // Follows: every answer 200; per (customer, network) one key at most is ever answered
  // applied, and `duplicate` only ever answers that key (a retry of the award).
  for (const f of outcome.follows.values()) {
    check.checked++;
    const what = `following ${f.network} (customer ${f.customerId})`;
    const answers = f.records.flatMap((r) => r.answers.map((a) => ({ key: r.key, a })));
    if (answers.some(({ a }) => a === null)) problem(`${what}: a request never answered`);
    for (const { key, a } of answers) if (a && a.status !== 200) problem(`${what}: key ${key} answered ${a.status} ${a.body?.error?.code ?? ""}`);
    const awardKeys = new Set(answers.filter(({ a }) => ["applied", "duplicate"].includes(a?.body?.outcome)).map(({ key }) => key));
    if (awardKeys.size > 1) problem(`${what}: ${awardKeys.size} keys answered applied or duplicate: ${[...awardKeys].join(", ")}`);
    if (answers.filter(({ a }) => a?.body?.outcome === "applied").length > 1) problem(`${what}: applied more than once`);
  }

  const expectRefused = { overdraw: "insufficient_points", outOfReach: "insufficient_points", keyReused: "idempotency_key_reused" };
  for (const probe of book.probes) {
    check.checked++;
    const want = expectRefused[probe.what];
    if (probe.answer?.status !== 422 || probe.answer.body?.error?.code !== want) {
      problem(`${probe.what} (customer ${probe.customerId}): answered ${probe.answer?.status ?? "nothing"} ${JSON.stringify(probe.answer?.body?.error ?? null)}, expected 422 ${want}`);
    }
  }
  for (const r of outcome.redemptions.values()) {
    if (r.final?.reward_id === rewards.outOfReach.reward_id) problem(`redemption ${r.id} of the reward nobody can afford exists`);
  }
  return check;
}

/** Postgres: the redemptions table as the histories end, one audit row per adjustment applied. */
export async function checkReportingSpending({ sql, shop, outcome }) {
  const check = result("Postgres redemptions, audit = answers");
  const rows = await sql`SELECT redemption_id::text AS id, customer_id, status, points::int, discount_gid FROM redemptions WHERE shop = ${shop}`;
  const projected = new Map(rows.map((row) => [row.id, row]));
  for (const r of outcome.redemptions.values()) {
    check.checked++;
    const row = projected.get(r.id);
    const what = `redemption ${r.id}`;
    if (!row) check.mismatches.push(`${what} missing from Postgres`);
    else if (!r.final) continue; // reported by the answers check
    else if (row.status !== r.final.status || row.points !== r.points || row.customer_id !== r.customerId) {
      check.mismatches.push(`${what}: Postgres ${row.status}, ${row.points} points, customer ${row.customer_id}; the app ${r.final.status}, ${r.points}, ${r.customerId}`);
    } else if (endedSpent(r) !== (row.discount_gid !== null)) {
      check.mismatches.push(`${what}: ${r.final.status} with discount_gid ${row.discount_gid}`);
    }
  }
  for (const id of projected.keys()) if (!outcome.redemptions.has(id)) check.mismatches.push(`Postgres redemption ${id}, which no answer named`);

  const audits = await sql`SELECT customer_id, actor_type, actor_id, details FROM audit_logs WHERE shop = ${shop} AND action = 'points.adjust'`;
  const byEntry = new Map();
  for (const audit of audits) byEntry.set(audit.details.entry_id, [...(byEntry.get(audit.details.entry_id) ?? []), audit]);
  const applied = [...outcome.adjustments.values()].filter((a) => a.entryId);
  for (const a of applied) {
    check.checked++;
    const found = byEntry.get(a.entryId) ?? [];
    const what = `adjustment ${a.key}`;
    if (found.length !== 1) check.mismatches.push(`${what}: ${found.length} audit rows`);
    else if (found[0].customer_id !== a.customerId || found[0].details.points !== a.points || found[0].actor_id !== a.user || found[0].actor_type !== "merchant") {
      check.mismatches.push(`${what}: audit row ${JSON.stringify(found[0])}, expected ${a.points} points for ${a.customerId} by ${a.user}`);
    }
  }
  const appliedEntries = new Set(applied.map((a) => a.entryId));
  for (const entryId of byEntry.keys()) if (!appliedEntries.has(entryId)) check.mismatches.push(`audit row for entry ${entryId}, which no answer named`);
  return check;
}

/**
 * Shopify's discounts are the issued redemptions exactly: one per issued redemption, with its
 * code, for its customer, worth its reward, the discount Postgres records; none other (so none
 * for a failed one: no code without points, no points without a code or a release).
 */
export async function checkShopifyDiscounts({ emulatorUrl, sql, shop, outcome, rewards }) {
  const check = result("Shopify discounts = issued redemptions");
  const response = await fetch(`${emulatorUrl}/__emulator/discounts?shop=${encodeURIComponent(shop)}`);
  const { discounts } = await response.json();
  const byCode = new Map();
  for (const d of discounts) byCode.set(d.code.toUpperCase(), [...(byCode.get(d.code.toUpperCase()) ?? []), d]);
  const gids = new Map((await sql`SELECT redemption_id::text AS id, discount_gid FROM redemptions WHERE shop = ${shop}`).map((r) => [r.id, r.discount_gid]));
  const issued = [...outcome.redemptions.values()].filter(endedSpent);
  const issuedCodes = new Set();
  for (const r of issued) {
    check.checked++;
    const code = r.final.discount_code?.toUpperCase();
    const what = `${r.final.status} redemption ${r.id} (${code})`;
    issuedCodes.add(code);
    const found = byCode.get(code) ?? [];
    if (found.length !== 1) {
      check.mismatches.push(`${what}: ${found.length} discounts at Shopify`);
      continue;
    }
    const [discount] = found;
    const input = discount.input;
    if (input.context?.customers?.add?.[0] !== `gid://shopify/Customer/${r.customerId}` || input.context.customers.add.length !== 1) {
      check.mismatches.push(`${what}: the discount is for ${JSON.stringify(input.context?.customers?.add)}`);
    }
    const worth = discountWorth(discount, r, rewards);
    if (worth) check.mismatches.push(`${what}: ${worth}`);
    if (gids.get(r.id) !== discount.id) check.mismatches.push(`${what}: Postgres discount_gid ${gids.get(r.id)}, Shopify's ${discount.id}`);
  }
  for (const [code, found] of byCode) {
    check.checked++;
    if (!issuedCodes.has(code)) check.mismatches.push(`discount ${code} at Shopify (${found[0].input.context?.customers?.add?.[0]}) with no issued redemption`);
  }
  return { check, figures: { discounts: discounts.length, issued: issued.length, codes: new Set(byCode.keys()) } };
}

/** What the discount gives, against the reward redeemed: null when they agree. */
function discountWorth(discount, redemption, rewards) {
  const { input, operation } = discount;
  const amount = Number(input.customerGets?.value?.discountAmount?.amount);
  if (redemption.rewardId === rewards.freeShipping.reward_id) return operation === "discountCodeFreeShippingCreate" ? null : `a ${operation} for free shipping`;
  const want = redemption.rewardId === rewards.fiveOff.reward_id ? 5 : redemption.points / rewards.pointsToMoney.points_cost;
  if (operation !== "discountCodeBasicCreate" || amount !== want) return `${operation} of ${amount}, expected ${want} off`;
  if (input.usageLimit !== 1) return `usage limit ${input.usageLimit}`;
  return null;
}

/**
 * The run proves only what it met: each of these must have happened at least once, or the
 * check fails (a quiet run would otherwise pass on nothing).
 */
export function checkExercised(figures) {
  const check = result("every outcome exercised");
  for (const [name, n] of Object.entries(figures)) {
    check.checked++;
    if (!(n > 0)) check.mismatches.push(`${name}: none in this run`);
  }
  return check;
}
