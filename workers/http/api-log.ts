// Logs of every API call and of every change a person makes, both sent to the `logs` queue
// off the request path (waitUntil: the answer never waits for them, and a failed send is a
// warning, never a failed request). queues/logs.ts writes them to Postgres.
// - apiLog(): mounted once on the root app, so every surface is logged the same way. It records
//   the route's pattern (/v1/api/customers/:id/adjust), never the URL: no ids, no query string,
//   no bodies, no headers. The shop only from verified credentials (session token, App Proxy
//   signature, webhook HMAC); null otherwise. Durations are wall time to the response's
//   headers; in Workers the clock advances only across I/O, so CPU-only time reads as 0.
// - recordAudit(c, …): one line in a route, after its change committed.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { log } from "../../core/log";
import { boundedForAudit, maskSecrets, surfaceOf, type ActorType, type ApiLogRecord, type AuditRecord, type LogRecord } from "../../core/logs";
import { sendLogs } from "../../queues/logs";
import type { App } from "./context";

/** The route pattern the request matched, or "(no route)": middleware entries are method ALL. */
function routePattern(c: Context<App>): string {
  const handler = matchedRoutes(c).findLast((route) => route.method !== "ALL");
  return handler?.path ?? "(no route)";
}

/** Sends in the background of the request; a test calling the app without a context still sends. */
function inBackground(c: Context<App>, records: LogRecord[]): void {
  keepAlive(c, sendLogs(c.env, records));
}

function keepAlive(c: Context<App>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No ExecutionContext (app.request in a unit test): the promise runs on by itself.
  }
}

// API records wait in this isolate up to API_BATCH_MS (or until API_BATCH_MAX have gathered)
// and go as one message: one queue message per API call cost the local stack a third of its
// storefront throughput (measured by the bench). An isolate evicted within that second loses
// its waiting records, as a lost send would; audit records go at once, one message each.
const API_BATCH_MAX = 50;
const API_BATCH_MS = 1_000;
let waiting: ApiLogRecord[] = [];
let timer: Promise<void> | null = null;

function sendApiRecord(c: Context<App>, record: ApiLogRecord): void {
  waiting.push(record);
  if (waiting.length >= API_BATCH_MAX) {
    keepAlive(c, flushApiRecords(c.env));
  } else if (timer === null) {
    const env = c.env;
    timer = new Promise<void>((resolve) => setTimeout(resolve, API_BATCH_MS)).then(() => {
      timer = null;
      return flushApiRecords(env);
    });
    keepAlive(c, timer);
  }
}

function flushApiRecords(env: Env): Promise<void> {
  if (waiting.length === 0) return Promise.resolve();
  const records = waiting;
  waiting = [];
  return sendLogs(env, [{ kind: "api_batch", records }]);
}

export function apiLog() {
  return createMiddleware<App>(async function apiLog(c, next) {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    const surface = surfaceOf(c.req.path);
    if (surface === null) return next();
    const started = Date.now();
    await next();
    const record: ApiLogRecord = {
      kind: "api",
      id: crypto.randomUUID(),
      shop: c.get("session")?.shop ?? c.get("proxy")?.shop ?? c.get("verifiedShop") ?? null,
      surface,
      method: c.req.method,
      route: routePattern(c),
      status: c.res.status,
      duration_ms: Math.max(0, Date.now() - started),
      request_id: requestId,
      at: new Date(started).toISOString(),
    };
    try {
      c.res.headers.set("x-request-id", requestId);
    } catch {
      // An immutable response (passed through from a fetch): it goes without the header.
    }
    sendApiRecord(c, record);
  });
}

export interface AuditEntry {
  /** `<subject type>.<verb>`: reward.create, program.update, notice.read … */
  action: string;
  subject: { type: string; id: string | null };
  /** The subject as it was and as it is now (null when it did not or no longer exists). Secret-named fields are masked. */
  before: unknown;
  after: unknown;
  /** Default: the merchant staff member of the session token (`sub`). Admin routes pass theirs. */
  actor?: { type: ActorType; id: string };
  /** Default: the session's shop. An admin acting on a shop names it. */
  shop?: string;
}

/**
 * Records a change a person made, once it has committed: one audit_logs row with who, what,
 * before and after. Never throws (the change stands whatever happens to its log).
 */
export function recordAudit(c: Context<App>, entry: AuditEntry): void {
  const session = c.get("session");
  const actor = entry.actor ?? (session ? { type: "merchant" as const, id: session.userId ?? "unknown" } : null);
  const shop = entry.shop ?? session?.shop;
  if (!actor || !shop) {
    log.error(`audit: ${entry.action} has no actor or shop; not recorded`);
    return;
  }
  const record: AuditRecord = {
    kind: "audit",
    id: crypto.randomUUID(),
    shop,
    actor_type: actor.type,
    actor_id: actor.id,
    action: entry.action,
    subject_type: entry.subject.type,
    subject_id: entry.subject.id,
    before: boundedForAudit(maskSecrets(entry.before)),
    after: boundedForAudit(maskSecrets(entry.after)),
    request_id: c.get("requestId") ?? null,
    at: new Date().toISOString(),
  };
  inBackground(c, [record]);
}
