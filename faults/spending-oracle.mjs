// What the spending did, as far as the oracle may know it: only from what the app answered (the
// book) and what it finally reports (each spender's history once nothing is pending). Then each
// spender's expected figures on top of the orders' oracle: balance = earned − reversed by
// orders + adjustments applied − the points of redemptions that ended issued (or used).
const SPENT = new Set(["issued", "used"]);
const RELEASED = new Set(["failed", "cancelled", "expired"]);

/**
 * @returns {{ redemptions: Map<string, Redemption>, adjustments: Map<string, Adjustment>, unknownRedemptions: object[] }}
 * Redemption: { id, customerId, keys, points, rewardId, answers, final } (final: the history's row)
 * Adjustment: { key, customerId, points, user, entryId, answers }
 * follows: `${customerId}:${network}` → { customerId, network, records, points } (points 0: not awarded)
 */
export function spendingOutcome({ book, histories }) {
  const finals = new Map();
  for (const [customerId, history] of histories) {
    for (const row of history.redemptions) finals.set(row.redemption_id, { ...row, customerId });
  }
  const redemptions = new Map();
  for (const record of book.redemptions.values()) {
    for (const answer of record.answers) {
      const id = answer?.body?.redemption_id;
      if (!id) continue;
      const redemption = redemptions.get(id) ?? { id, customerId: record.customerId, keys: new Set(), points: null, rewardId: record.rewardId, answers: [], final: finals.get(id) ?? null };
      redemption.keys.add(record.key);
      redemption.answers.push(answer);
      redemption.points = redemption.final?.points ?? answer.body.redemption?.points ?? redemption.points;
      redemptions.set(id, redemption);
    }
  }
  const unknownRedemptions = [...finals.values()].filter((row) => !redemptions.has(row.redemption_id));

  const adjustments = new Map();
  for (const record of book.adjustments.values()) {
    const entryId = record.answers.find((a) => a?.status === 200)?.body?.entry_id ?? null;
    adjustments.set(record.key, { ...record, entryId });
  }
  // A follow earns once per (customer, network), whatever the keys: its points count when some
  // answer says the award exists (applied, or a retry of it: duplicate).
  const follows = new Map();
  for (const record of book.follows.values()) {
    const id = `${record.customerId}:${record.network}`;
    const follow = follows.get(id) ?? { customerId: record.customerId, network: record.network, records: [], points: 0 };
    follow.records.push(record);
    for (const answer of record.answers) {
      if (answer?.status === 200 && ["applied", "duplicate"].includes(answer.body?.outcome)) follow.points = answer.body.points;
    }
    follows.set(id, follow);
  }
  return { redemptions, adjustments, unknownRedemptions, follows };
}

export const endedSpent = (redemption) => SPENT.has(redemption.final?.status);
export const endedReleased = (redemption) => RELEASED.has(redemption.final?.status);

/** The orders' oracle with each spender's redemptions and adjustments added. */
export function withSpending(oracle, outcome) {
  const customers = new Map([...oracle.customers].map(([id, c]) => [id, { ...c, redeemed: 0, spending: { redemptions: new Map(), adjustments: new Map(), follows: new Map() } }]));
  for (const r of outcome.redemptions.values()) {
    const c = customers.get(r.customerId);
    c.spending.redemptions.set(r.id, r);
    if (endedSpent(r)) {
      c.balance -= r.points;
      c.redeemed += r.points;
    }
  }
  for (const a of outcome.adjustments.values()) {
    if (!a.entryId) continue;
    const c = customers.get(a.customerId);
    c.spending.adjustments.set(a.entryId, a);
    c.balance += a.points;
    if (a.points > 0) c.earned += a.points;
    else c.reversed -= a.points;
  }
  for (const f of outcome.follows.values()) {
    if (f.points === 0) continue;
    const c = customers.get(f.customerId);
    c.spending.follows.set(f.network, f.points);
    c.balance += f.points;
    c.earned += f.points;
  }
  return { ...oracle, customers };
}
