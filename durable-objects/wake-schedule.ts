// When a CustomerAccount's alarm must next run: the earliest of an outbox resend, a redemption
// to settle, an issued code to expire, a lot to expire or remind of, and the balance's
// inactivity expiry and its reminder, the birthday award, the next evaluation of the VIP tier held, and a pending referral's expiry. Each account arms its own alarm; nothing scans customers.
import { CODE_EXPIRY_GRACE_MS, inactivityExpiresAt, reminderAt, type PointsExpiry } from "../core/expiry";
import { nextBirthdayWake } from "./earning-actions";
import { nextLotExpiry, nextUnremindedExpiry } from "./lots";
import { pendingReferralDeadline } from "./referral-rows";

export interface AccountClock {
  now: number;
  /** Unsent outbox rows go out at once; if that send is lost, the alarm sends them this long after. */
  firstResendMs: number;
  policy: PointsExpiry;
  balance: number;
  last_activity_at: number | null;
  inactivity_reminded_for: number | null;
}

export function nextWakeAt(sql: SqlStorage, account: AccountClock): number | null {
  const at = (query: string, ...args: SqlStorageValue[]) => sql.exec<{ at: number | null }>(query, ...args).one().at;
  const after = (time: number | null, offset: number) => (time === null ? null : time + offset);
  const candidates = [
    at(`SELECT min(coalesce(next_send_at, ?)) AS at FROM outbox`, account.now + account.firstResendMs),
    at(`SELECT min(resolve_after) AS at FROM redemptions WHERE status = 'pending'`),
    after(at(`SELECT min(ends_at) AS at FROM redemptions WHERE status = 'issued' AND ends_at IS NOT NULL`), CODE_EXPIRY_GRACE_MS),
    nextLotExpiry(sql),
    nextBirthdayWake(sql),
    // VIP tiers: a grace or period running out, a new year, an entry leaving the window.
    at(`SELECT wake_at AS at FROM tier_state`),
    at(`SELECT min(due_at) AS at FROM tier_entry_rewards WHERE status = 'due'`),
    pendingReferralDeadline(sql),
  ];
  const unreminded = nextUnremindedExpiry(sql);
  if (unreminded !== null) candidates.push(reminderAt(account.policy, unreminded));
  const inactive = account.balance > 0 ? inactivityExpiresAt(account.policy, account.last_activity_at) : null;
  if (inactive !== null) {
    candidates.push(inactive);
    if (account.inactivity_reminded_for !== account.last_activity_at) candidates.push(reminderAt(account.policy, inactive));
  }
  const due = candidates.filter((c): c is number => c !== null);
  return due.length === 0 ? null : Math.min(...due);
}
