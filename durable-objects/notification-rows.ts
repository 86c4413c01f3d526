// The notification tables of one CustomerAccount (migration 9): the customer's contact and the
// claims that make each notification happen at most once per (event key, channel). Called
// inside the object's storage transactions.
//
// A send starts only from a claim. A claim is held for SEND_LEASE_MS; while held, any other
// message for the same notification (a repeated ledger event, a duplicated delivery) is told
// `busy` and tries later, when it finds the outcome. A sender that dies lets its lease lapse
// and the next message takes over. `sent`, `failed` and `skipped` are final.
import { SEND_LEASE_MS, type NotificationChannel } from "../core/notifications";

export type ContactRow = {
  sealed: string;
  locale: string | null;
  sms_consent: number;
  email_suppressed: number;
  updated_at: number;
};

export function contactRow(sql: SqlStorage): ContactRow | null {
  return sql.exec<ContactRow>(`SELECT sealed, locale, sms_consent, email_suppressed, updated_at FROM contact`).toArray()[0] ?? null;
}

export function saveContact(sql: SqlStorage, row: Omit<ContactRow, "updated_at">): void {
  sql.exec(
    `INSERT INTO contact (singleton, sealed, locale, sms_consent, email_suppressed, updated_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET sealed = excluded.sealed, locale = excluded.locale, sms_consent = excluded.sms_consent,
       email_suppressed = excluded.email_suppressed, updated_at = excluded.updated_at`,
    row.sealed,
    row.locale,
    row.sms_consent,
    row.email_suppressed,
    Date.now(),
  );
}

export type SendStatus = "sending" | "retrying" | "sent" | "failed" | "skipped" | "bounced" | "unsubscribed";
const FINAL: ReadonlySet<SendStatus> = new Set(["sent", "failed", "skipped", "bounced", "unsubscribed"]);

type SendRow = {
  status: SendStatus;
  claim_id: string | null;
  lease_until: number | null;
  tries: number;
};

export type ClaimDecision =
  | { state: "claimed"; claimId: string; tries: number }
  | { state: "busy"; retryInMs: number }
  | { state: "done"; status: SendStatus };

/** Why (key, channel) cannot be claimed now, or null when it can. */
export function blocked(sql: SqlStorage, key: string, channel: NotificationChannel, now = Date.now()): Exclude<ClaimDecision, { state: "claimed" }> | null {
  const row = sql
    .exec<SendRow>(`SELECT status, claim_id, lease_until, tries FROM notification_sends WHERE event_key = ? AND channel = ?`, key, channel)
    .toArray()[0];
  if (row && FINAL.has(row.status)) return { state: "done", status: row.status };
  if (row && row.status === "sending" && (row.lease_until ?? 0) > now) return { state: "busy", retryInMs: row.lease_until! - now };
  return null;
}

/** Claims (key, channel) for one send. The caller has checked it is not blocked. */
export function claim(sql: SqlStorage, key: string, channel: NotificationChannel, now = Date.now()): { state: "claimed"; claimId: string; tries: number } {
  const claimId = crypto.randomUUID();
  const row = sql
    .exec<{ tries: number }>(
      `INSERT INTO notification_sends (event_key, channel, status, claim_id, lease_until, tries, created_at, updated_at)
       VALUES (?, ?, 'sending', ?, ?, 1, ?, ?)
       ON CONFLICT (event_key, channel) DO UPDATE SET status = 'sending', claim_id = excluded.claim_id,
         lease_until = excluded.lease_until, tries = notification_sends.tries + 1, updated_at = excluded.updated_at
       RETURNING tries`,
      key,
      channel,
      claimId,
      now + SEND_LEASE_MS,
      now,
      now,
    )
    .toArray()[0]!;
  return { state: "claimed", claimId, tries: row.tries };
}

/** Records a notification that will never be sent (no address, no consent, unsubscribed): final. */
export function skip(sql: SqlStorage, key: string, channel: NotificationChannel, reason: string, now = Date.now()): void {
  sql.exec(
    `INSERT INTO notification_sends (event_key, channel, status, error, created_at, updated_at) VALUES (?, ?, 'skipped', ?, ?, ?)
     ON CONFLICT (event_key, channel) DO UPDATE SET status = 'skipped', claim_id = NULL, lease_until = NULL, error = excluded.error,
       updated_at = excluded.updated_at`,
    key,
    channel,
    reason,
    now,
    now,
  );
}

/**
 * The outcome of a claimed send. Applies only for the claim that is current (a sender whose
 * lease lapsed and was taken over changes nothing); returns the tries made, or null.
 */
export function settle(
  sql: SqlStorage,
  key: string,
  channel: NotificationChannel,
  claimId: string,
  outcome: { status: "sent" | "retrying" | "failed" | "unsubscribed"; providerMessageId: string | null; error: string | null },
  now = Date.now(),
): number | null {
  const row = sql
    .exec<{ tries: number }>(
      `UPDATE notification_sends SET status = ?, claim_id = NULL, lease_until = NULL, provider_message_id = ?, error = ?, updated_at = ?
        WHERE event_key = ? AND channel = ? AND claim_id = ? AND status = 'sending' RETURNING tries`,
      outcome.status,
      outcome.providerMessageId,
      outcome.error,
      now,
      key,
      channel,
      claimId,
    )
    .toArray()[0];
  return row?.tries ?? null;
}

/**
 * What the provider reported after accepting a message (a bounce, an unsubscribe): replaces
 * `sent` for that notification. Returns whether it changed anything (a repeat does not).
 */
export function recordFeedback(sql: SqlStorage, key: string, channel: NotificationChannel, status: "bounced" | "unsubscribed", detail: string, now = Date.now()): boolean {
  return (
    sql.exec(
      `UPDATE notification_sends SET status = ?, error = ?, updated_at = ? WHERE event_key = ? AND channel = ? AND status IN ('sent', 'failed')`,
      status,
      detail,
      now,
      key,
      channel,
    ).rowsWritten > 0
  );
}

/** The customer's email may not be written to any more (unsubscribed, spam, a hard bounce). */
export function suppressEmail(sql: SqlStorage): void {
  sql.exec(`UPDATE contact SET email_suppressed = 1, updated_at = ? WHERE email_suppressed = 0`, Date.now());
}

/** The customer withdrew SMS consent (replied STOP). */
export function withdrawSmsConsent(sql: SqlStorage): void {
  sql.exec(`UPDATE contact SET sms_consent = 0, updated_at = ? WHERE sms_consent = 1`, Date.now());
}
