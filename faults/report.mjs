// The printed figures of a run.
const MAX_LISTED = 15;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const line = (label, value) => console.log(`  ${label.padEnd(34)} ${value}`);

export function printWorkload({ seed, options, generated, plan }) {
  const byTopic = {};
  for (const e of generated.events) byTopic[e.topic] = (byTopic[e.topic] ?? 0) + 1;
  console.log(`\nfaults: seed ${seed} (rerun with --seed ${seed}), ${options.events} events, ${options.customers} customers`);
  line("events by topic", Object.entries(byTopic).map(([t, n]) => `${t} ${n}`).join(", "));
  const f = generated.figures;
  line("orders", `${f.orders} (guest ${f.guestOrders}, never paid ${f.unpaidOrders}, over-refunded ${f.overRefundedOrders})`);
  line("amount-only / shipping-only refunds", `${f.amountOnlyRefunds} / ${f.shippingOnlyRefunds}`);
  line("id pairs rounding to one JS number", f.idPairsRoundingTogether);
  const p = plan.figures;
  line("deliveries", `${p.deliveries} (duplicates ${p.duplicates}, same webhook id ${p.sameWebhookId}, simultaneous bursts ${p.simultaneousBursts})`);
  line("refunds/cancels sent before order", p.earlyFollowUps);
}

const listed = (counts) => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(", ") || "none";

export function printSpendingPlan(plan) {
  const ops = plan.flatMap((p) => p.ops.map((o) => o.op));
  const byType = {};
  for (const op of ops) {
    const name = op.type === "redeem" ? `redeem ${op.shape}` : op.type === "adjust" ? `adjust ${op.points < 0 ? "−" : "+"} ${op.shape}` : `probe ${op.what}`;
    byType[name] = (byType[name] ?? 0) + 1;
  }
  line("spenders (funded by an adjustment)", `${plan.length}, ${plan.reduce((n, p) => n + p.funding, 0)} points in all`);
  line("spending ops planned", `${ops.length}: ${listed(byType)}`);
}

export function printSpending({ figures, settled, weather, clientStats, discounts }) {
  console.log("\nspending");
  line("redemption requests by shape", `${listed(figures.requestsByShape)}; ${figures.whilePostgresDown} sent while Postgres was down`);
  line("answers (per request)", listed(figures.answers));
  line("redemptions, as they ended", `${figures.redemptions}: ${listed(figures.finals)}`);
  line("202, then issued / failed", `${figures.pendingThenIssued} / ${figures.pendingThenFailed}`);
  const c = figures.crash;
  line("in flight at SIGKILL", `${c.sent} sent, ${c.held} held at Shopify (${c.landed} created there); ended ${listed(c.finals)}`);
  const a = figures.adjustments;
  line("adjustments", `${a.keys} keys (${listed(a.byShape)}), ${a.applied} applied: +${a.pointsAdded} in ${a.added}, −${a.pointsRemoved} in ${a.removed}; ${a.duplicates} answered duplicate; ${a.whilePostgresDown} sent while Postgres was down`);
  const f = figures.follows;
  line("social follows", `${f.keys} keys (${listed(f.byShape)}); answers ${listed(f.outcomes)}; ${f.awarded} (customer, network) awarded`);
  line("refusals sent on purpose", listed(figures.probes));
  line("skipped (budget rule)", listed(figures.skipped));
  line("Shopify spells", `${listed(weather.spells)}; queued ${listed(weather.queued)}${weather.errors ? `; errors ${weather.errors.join(" | ")}` : ""}`);
  line("Shopify faults met", listed(figures.faultsMet));
  line("discounts at Shopify", `${discounts.discounts} (issued redemptions ${discounts.issued})`);
  line("client retries (no answer of ours)", `${listed(clientStats.transport)}; ${listed(clientStats.retried)}`);
  for (const [label, times] of Object.entries(clientStats.latencies)) {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    line(`latency ${label} (answered)`, `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms (${sorted.length})`);
  }
  line("all redemptions settled", `${settled.settled ? "" : `NOT settled (${settled.pendingLeft} still pending), `}${seconds(settled.ms)}, ${settled.reads} history reads`);
}

export function printRun({ stats, deliveryMs, events, timeline, catchUp, quiescence }) {
  console.log("\ndelivery");
  line("requests (attempts)", stats.requests);
  line("2xx / 4xx / 5xx", `${stats.status2xx} / ${stats.status4xx} / ${stats.status5xx}`);
  line("conn refused / timeouts / other net", `${stats.connRefused} / ${stats.timeouts} / ${stats.otherNetworkErrors}`);
  line("retries", stats.retries);
  line("given up", stats.givenUp);
  line("outcomes (2xx bodies)", Object.entries(stats.outcomes).map(([k, n]) => `${k} ${n}`).join(", "));
  for (const [outcome, times] of Object.entries(stats.latencies)) {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    line(`latency ${outcome}`, `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms`);
  }
  line("duration", seconds(deliveryMs));
  line("throughput", `${(events / (deliveryMs / 1000)).toFixed(0)} events/s, ${(stats.requests / (deliveryMs / 1000)).toFixed(0)} requests/s`);
  for (const message of stats.unexpected4xx.slice(0, 5)) line("4xx", message);
  console.log("\nfaults");
  for (const step of timeline) line(step.name.slice(0, 34), `at ${seconds(step.atMs)} (${(step.progress * 100).toFixed(0)}% delivered), took ${seconds(step.tookMs)}`);
  line("projection catch-up after Postgres", catchUp ? `${catchUp.caughtUp ? "" : "NOT caught up, "}${seconds(catchUp.ms)} (${catchUp.seen}/${catchUp.expected} awards acknowledged before the restart)` : "n/a");
  line("quiescence", `${quiescence.quiet ? "" : "NOT reached, "}${seconds(quiescence.ms)}, ${quiescence.sweeps} sweeps${quiescence.quiet ? "" : `, ${quiescence.behind} customers behind`}`);
}

export function printChecks(checks, inboxFigures, totalMs) {
  console.log("\nD1");
  for (const row of inboxFigures?.statuses ?? []) line(`inbox ${row.topic} ${row.status}`, row.n);
  line("parked by design (order never seen)", inboxFigures?.parkedByDesign ?? "n/a");
  const dead = inboxFigures?.deadLetters ?? [];
  line("dead letters", dead.length ? dead.map((d) => `${d.queue} ${d.n} (redriven ${d.redriven})`).join(", ") : 0);
  console.log("\nchecks");
  let mismatches = 0;
  for (const check of checks) {
    // A check that found nothing to check proves nothing: it fails.
    if (check.checked === 0 && check.mismatches.length === 0) check.mismatches.push("nothing was checked");
    mismatches += check.mismatches.length;
    line(check.name.slice(0, 34), `${check.checked} checked, ${check.mismatches.length} mismatches`);
    for (const m of check.mismatches.slice(0, MAX_LISTED)) console.log(`      ✘ ${m}`);
    if (check.mismatches.length > MAX_LISTED) console.log(`      … ${check.mismatches.length - MAX_LISTED} more`);
  }
  console.log(`\n${mismatches === 0 ? "✔" : "✘"} mismatches: ${mismatches}; whole run ${seconds(totalMs)}`);
  return mismatches;
}
