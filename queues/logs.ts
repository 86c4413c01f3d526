// logs: api_logs and audit_logs records → Postgres, a batch (up to 100) as one INSERT per table.
// Sent off the request path (sendLogs never throws: a log that cannot be queued is counted in a
// warning, and the request it describes goes on). While Postgres is down every message is
// retried with backoff (2 s doubling to 5 minutes; 20 tries wait about 68 minutes), so logs
// wait in the queue, not lost. Past the last try they reach logs-dlq (handleLogsDeadLetters):
// - audit records (a person's change) go to D1 dead_letters like every other dead letter: the
//   sweeper re-drives them here (up to three dead-letterings, hours more), then parks them,
//   kept 14 days for an operator (`node scripts/ops.mjs parked`);
// - API-call records get one more insert; if Postgres still refuses they are dropped and the
//   drop is counted in an error line. At one message per API call they would otherwise flood
//   dead_letters and hold up the re-drives of events that carry money.
import { queueRetryDelaySeconds } from "../core/backoff";
import { log } from "../core/log";
import { recordsOf, type ApiLogRecord, type AuditRecord, type LogMessage, type LogRecord } from "../core/logs";
import { withReporting, type Sql } from "../postgres/client";
import { insertApiLogs, insertAuditLogs } from "../postgres/logs";
import { parkMessage, recordDeadLetter } from "./dead-letters";
import { isBadData, isConnectionFailure } from "./ledger-events";

/** The shortest wait between tries while Postgres cannot be reached. */
export const OUTAGE_RETRY_MIN_SECONDS = 30;

/** A record Postgres refuses as bad data this many times is given up (parked or dropped). */
const POISON_AFTER_ATTEMPTS = 3;

/** Queues the records; never throws and never delays beyond the send itself (call it inside waitUntil). */
export async function sendLogs(env: Pick<Env, "LOGS">, records: readonly LogMessage[]): Promise<void> {
  if (records.length === 0) return;
  try {
    for (let i = 0; i < records.length; i += 100) {
      await env.LOGS.sendBatch(records.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
    }
  } catch (error) {
    const lost = records.flatMap(recordsOf);
    const what = lost.map((r) => (r.kind === "api" ? `${r.method} ${r.route} ${r.status}` : r.action)).slice(0, 5).join(", ");
    log.warn(`logs: could not queue ${lost.length} log records (${what}); they are lost`, String(error));
  }
}

function isLogMessage(body: unknown): body is LogMessage {
  const batch = body as Partial<{ kind: string; records: unknown }> | null;
  if (batch?.kind === "api_batch") return Array.isArray(batch.records) && batch.records.every((r) => isLogRecord(r) && r.kind === "api");
  return isLogRecord(body);
}

function isLogRecord(body: unknown): body is LogRecord {
  const r = body as Partial<LogRecord> | null;
  if (!r || typeof r !== "object" || typeof r.id !== "string" || typeof r.at !== "string") return false;
  if (r.kind === "api") return typeof r.route === "string" && typeof r.status === "number" && typeof r.method === "string";
  if (r.kind === "audit") return typeof r.shop === "string" && typeof r.action === "string" && typeof r.actor_id === "string";
  return false;
}

/** No transaction: each insert is atomic and idempotent, so a retry after a half-done batch is harmless. */
async function insertRecords(sql: Sql, messages: readonly LogMessage[]): Promise<void> {
  const records = messages.flatMap(recordsOf);
  const apis = records.filter((r): r is ApiLogRecord => r.kind === "api");
  const audits = records.filter((r): r is AuditRecord => r.kind === "audit");
  await Promise.all([insertApiLogs(sql, apis), insertAuditLogs(sql, audits)]);
}

export async function handleLogs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: Message<LogMessage>[] = [];
  let malformed = 0;
  for (const message of batch.messages) {
    if (isLogMessage(message.body)) valid.push(message as Message<LogMessage>);
    else {
      malformed++;
      message.ack();
    }
  }
  if (malformed) log.error(`logs: dropped ${malformed} malformed messages`);
  if (valid.length === 0) return;
  try {
    await withReporting(env, null, (sql) => insertIsolatingFailures(env, sql, valid));
  } catch (error) {
    log.warn(`logs: Postgres unavailable; ${valid.length} log messages retried`, String(error));
    // At least 30 s apart while Postgres is away: retried every few seconds, an outage's logs
    // circled in the local broker and held up the order index's queue (fault suite).
    for (const m of valid) m.retry({ delaySeconds: Math.max(OUTAGE_RETRY_MIN_SECONDS, queueRetryDelaySeconds(m.attempts)) });
  }
}

/** One INSERT per table for the batch; if Postgres refuses it, record by record. */
async function insertIsolatingFailures(env: Env, sql: Sql, messages: readonly Message<LogMessage>[]): Promise<void> {
  try {
    await insertRecords(sql, messages.map((m) => m.body));
    for (const m of messages) m.ack();
    return;
  } catch (error) {
    if (isConnectionFailure(error)) throw error;
  }
  for (const message of messages) {
    try {
      await insertRecords(sql, [message.body]);
      message.ack();
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      if (isBadData(error) && message.attempts >= POISON_AFTER_ATTEMPTS) {
        if (message.body.kind === "audit") await parkMessage(env, "logs", message.body, message.attempts, `Postgres refused it: ${String(error)}`);
        else log.error(`logs: ${recordsOf(message.body).length} api log records refused ${message.attempts} times were dropped`, String(error));
        message.ack();
        continue;
      }
      log.warn("logs: Postgres refused a log record, retrying it alone", message.id, String(error));
      message.retry({ delaySeconds: queueRetryDelaySeconds(message.attempts) });
    }
  }
}

/** logs-dlq: see the head of this file. Always acks: each record is kept in D1, written, or counted as dropped. */
export async function handleLogsDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const isApi = (b: unknown): b is ApiLogRecord | Extract<LogMessage, { kind: "api_batch" }> => isLogMessage(b) && b.kind !== "audit";
  const apis = batch.messages.map((m) => m.body).filter(isApi).flatMap((b) => recordsOf(b) as ApiLogRecord[]);
  for (const message of batch.messages) {
    if (!isApi(message.body)) await recordDeadLetter(env, batch.queue, message.body, message.attempts);
  }
  if (apis.length) {
    try {
      await withReporting(env, null, (sql) => insertApiLogs(sql, apis));
    } catch (error) {
      log.error(`logs: ${apis.length} api log records dropped after the queue's retries (Postgres unavailable)`, String(error));
    }
  }
  batch.ackAll();
}
