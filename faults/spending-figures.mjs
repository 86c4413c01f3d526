// The spending's figures: what was sent, how the app answered, how each redemption ended, what
// Shopify met; and from them the outcomes the run must have exercised (checkExercised).
import { endedReleased, endedSpent } from "./spending-oracle.mjs";

const count = (items, keyOf) => {
  const counts = {};
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

export function spendingFigures({ book, outcome, crash, faultsMet, discountCodes }) {
  const records = [...book.redemptions.values()];
  const redemptions = [...outcome.redemptions.values()];
  const answered = (r, status) => r.answers.some((a) => a.status === status);
  const adjustments = [...outcome.adjustments.values()];
  const applied = adjustments.filter((a) => a.entryId);
  const heldCodes = crash?.held.map((h) => h.code) ?? [];
  const landed = heldCodes.filter((code) => discountCodes.has(code?.toUpperCase()));
  const crashRedemptions = redemptions.filter((r) => [...r.keys].some((k) => book.crashKeys.has(k)));

  const figures = {
    requestsByShape: count(records, (r) => r.shape),
    answers: count(records.flatMap((r) => r.answers), (a) => (a ? a.status : "none")),
    redemptions: redemptions.length,
    finals: count(redemptions, (r) => r.final?.status ?? "absent"),
    pendingThenIssued: redemptions.filter((r) => answered(r, 202) && endedSpent(r)).length,
    pendingThenFailed: redemptions.filter((r) => answered(r, 202) && endedReleased(r)).length,
    whilePostgresDown: records.filter((r) => r.sentWhilePostgresDown).length,
    crash: { sent: crash?.sent ?? 0, held: heldCodes.length, landed: landed.length, finals: count(crashRedemptions, (r) => r.final?.status ?? "absent") },
    adjustments: {
      keys: adjustments.length,
      applied: applied.length,
      added: applied.filter((a) => a.points > 0).length,
      removed: applied.filter((a) => a.points < 0).length,
      pointsAdded: applied.filter((a) => a.points > 0).reduce((sum, a) => sum + a.points, 0),
      pointsRemoved: applied.filter((a) => a.points < 0).reduce((sum, a) => sum - a.points, 0),
      duplicates: adjustments.flatMap((a) => a.answers).filter((x) => x?.body?.duplicate === true).length,
      whilePostgresDown: applied.filter((a) => a.sentWhilePostgresDown).length,
      byShape: count(adjustments, (a) => a.shape),
    },
    follows: {
      keys: book.follows.size,
      byShape: count([...book.follows.values()], (f) => f.shape),
      outcomes: count([...book.follows.values()].flatMap((f) => f.answers), (a) => a?.body?.outcome ?? a?.body?.error?.code ?? "none"),
      awarded: [...outcome.follows.values()].filter((f) => f.points > 0).length,
    },
    probes: count(book.probes, (p) => `${p.what} → ${p.answer?.status ?? "none"} ${p.answer?.body?.error?.code ?? ""}`.trim()),
    skipped: book.skipped,
    faultsMet,
  };

  const exercised = {
    "redemptions answered 200 (issued)": records.filter((r) => r.answers.some((a) => a?.status === 200)).length,
    "redemptions answered 202 (pending)": records.filter((r) => r.answers.some((a) => a?.status === 202)).length,
    "redemptions answered 502 (failed, released)": records.filter((r) => r.answers.some((a) => a?.status === 502)).length,
    "redemptions ended issued": redemptions.filter(endedSpent).length,
    "redemptions ended failed": redemptions.filter(endedReleased).length,
    "pending, then issued by the alarm's lookup": figures.pendingThenIssued,
    "pending, then failed and released": figures.pendingThenFailed,
    "redemptions sent while Postgres was down": records.filter((r) => r.sentWhilePostgresDown).length,
    "requests retried with their key": records.filter((r) => r.answers.length > 1).length,
    "concurrent pairs, one key": figures.requestsByShape.sameKeyPair ?? 0,
    "concurrent pairs, two keys": figures.requestsByShape.pair ?? 0,
    "in flight at SIGKILL, created at Shopify": landed.length,
    "in flight at SIGKILL, not created": heldCodes.length - landed.length,
    "adjustments adding points": figures.adjustments.added,
    "adjustments removing points": figures.adjustments.removed,
    "adjustments answered duplicate": figures.adjustments.duplicates,
    "adjustments applied while Postgres was down": figures.adjustments.whilePostgresDown,
    "follows applied": figures.follows.outcomes.applied ?? 0,
    "follows answered duplicate (a retried key)": figures.follows.outcomes.duplicate ?? 0,
    "follows past the limit (another key)": figures.follows.outcomes.limit_reached ?? 0,
    "refused: insufficient points": book.probes.filter((p) => p.answer?.body?.error?.code === "insufficient_points").length,
    "refused: Idempotency-Key reused": book.probes.filter((p) => p.answer?.body?.error?.code === "idempotency_key_reused").length,
  };
  for (const mode of ["http_500", "throttled", "user_error", "timeout"]) exercised[`Shopify fault met: ${mode}`] = faultsMet[mode] ?? 0;
  return { figures, exercised };
}
