// Expiry lots inside one CustomerAccount: every positive entry opens a lot, every spending entry
// draws from the oldest lots first (FIFO) and remembers which, so a release puts the same points
// back where they came from. The sum of `remaining` always equals the account's balance.
// Called only inside the object's storage transactions.

export type OpenLot = {
  id: number;
  remaining: number;
  expires_at: number | null;
};

export function openLot(sql: SqlStorage, ledgerSeq: number, points: number, earnedAt: number, expiresAt: number | null): void {
  sql.exec(
    `INSERT INTO lots (ledger_seq, points, remaining, earned_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
    ledgerSeq,
    points,
    points,
    earnedAt,
    expiresAt,
  );
}

/** Takes `points` from the oldest lots, recording each draw against the spending entry. */
export function drawOldestFirst(sql: SqlStorage, ledgerSeq: number, points: number): void {
  let owed = points;
  for (const lot of sql.exec<{ id: number; remaining: number }>(`SELECT id, remaining FROM lots WHERE remaining > 0 ORDER BY id`)) {
    if (owed === 0) break;
    const taken = Math.min(owed, lot.remaining);
    recordDraw(sql, ledgerSeq, lot.id, taken);
    owed -= taken;
  }
  if (owed > 0) throw new Error(`lots hold ${points - owed} points, ${points} were drawn`);
}

/** Takes what is left of the given lots (an expiry); returns the points taken. */
export function drawLots(sql: SqlStorage, ledgerSeq: number, lots: readonly OpenLot[]): number {
  let taken = 0;
  for (const lot of lots) {
    recordDraw(sql, ledgerSeq, lot.id, lot.remaining);
    taken += lot.remaining;
  }
  return taken;
}

/** Puts back what the entry `drawSeq` took, lot by lot; returns the points restored. */
export function restoreDraws(sql: SqlStorage, drawSeq: number): number {
  const draws = sql.exec<{ lot_id: number; points: number }>(`SELECT lot_id, points FROM lot_draws WHERE ledger_seq = ?`, drawSeq).toArray();
  for (const draw of draws) sql.exec(`UPDATE lots SET remaining = remaining + ? WHERE id = ?`, draw.points, draw.lot_id);
  return draws.reduce((sum, d) => sum + d.points, 0);
}

/** Lots whose own expiry has come, with points left. */
export function lotsExpiredBy(sql: SqlStorage, now: number): OpenLot[] {
  return sql
    .exec<OpenLot>(`SELECT id, remaining, expires_at FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY id`, now)
    .toArray();
}

export function allOpenLots(sql: SqlStorage): OpenLot[] {
  return sql.exec<OpenLot>(`SELECT id, remaining, expires_at FROM lots WHERE remaining > 0 ORDER BY id`).toArray();
}

/** The next lot expiry still to come or overdue, or null. */
export function nextLotExpiry(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>(`SELECT min(expires_at) AS at FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL`).one().at;
}

/** Unreminded lots with points left that expire at or before `horizon`, grouped by expiry. */
export function lotsToRemind(sql: SqlStorage, horizon: number): { expires_at: number; points: number; ids: number[] }[] {
  const rows = sql
    .exec<{ id: number; remaining: number; expires_at: number }>(
      `SELECT id, remaining, expires_at FROM lots WHERE remaining > 0 AND reminded = 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id`,
      horizon,
    )
    .toArray();
  const groups = new Map<number, { expires_at: number; points: number; ids: number[] }>();
  for (const row of rows) {
    const group = groups.get(row.expires_at) ?? { expires_at: row.expires_at, points: 0, ids: [] };
    group.points += row.remaining;
    group.ids.push(row.id);
    groups.set(row.expires_at, group);
  }
  return [...groups.values()];
}

export function markReminded(sql: SqlStorage, ids: readonly number[]): void {
  for (const id of ids) sql.exec(`UPDATE lots SET reminded = 1 WHERE id = ?`, id);
}

/** The earliest expiry among unreminded lots with points left, or null. */
export function nextUnremindedExpiry(sql: SqlStorage): number | null {
  return sql
    .exec<{ at: number | null }>(`SELECT min(expires_at) AS at FROM lots WHERE remaining > 0 AND reminded = 0 AND expires_at IS NOT NULL`)
    .one().at;
}

function recordDraw(sql: SqlStorage, ledgerSeq: number, lotId: number, points: number): void {
  if (points <= 0) return;
  sql.exec(`UPDATE lots SET remaining = remaining - ? WHERE id = ?`, points, lotId);
  sql.exec(
    `INSERT INTO lot_draws (ledger_seq, lot_id, points) VALUES (?, ?, ?)
     ON CONFLICT (ledger_seq, lot_id) DO UPDATE SET points = points + excluded.points`,
    ledgerSeq,
    lotId,
    points,
  );
}
