// What the `logs` queue carries to Postgres: one record per API call (api_logs) and one per
// change a person made (audit_logs). Plain data; the middleware and routes build them, the
// consumer (queues/logs.ts) writes them, postgres/logs.ts reads them back.

/** Rows older than this are deleted by the sweeper (queues/sweeper.ts). */
export const LOG_RETENTION_DAYS = 90;

export const SURFACES = ["merchant", "storefront", "webhook", "admin", "auth"] as const;
export type Surface = (typeof SURFACES)[number];

export interface ApiLogRecord {
  kind: "api";
  id: string;
  /** Null unless the caller's credentials were verified. */
  shop: string | null;
  surface: Surface;
  method: string;
  /** The route's pattern (/v1/api/customers/:id), never the URL. */
  route: string;
  status: number;
  duration_ms: number;
  request_id: string;
  at: string;
}

export const ACTOR_TYPES = ["merchant", "admin", "system"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface AuditRecord {
  kind: "audit";
  id: string;
  shop: string;
  actor_type: ActorType;
  actor_id: string;
  /** `<subject type>.<verb>`, e.g. reward.update, program.update, notice.read. */
  action: string;
  subject_type: string;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  at: string;
}

export type LogRecord = ApiLogRecord | AuditRecord;

/** API records gathered in one isolate over a second, sent as one message (workers/http/api-log.ts). */
export interface ApiLogBatch {
  kind: "api_batch";
  records: ApiLogRecord[];
}

/** What one `logs` message carries. */
export type LogMessage = LogRecord | ApiLogBatch;

export function recordsOf(message: LogMessage): LogRecord[] {
  return message.kind === "api_batch" ? message.records : [message];
}

/**
 * The surface a path belongs to, or null for paths that are not API calls (health checks, the
 * OpenAPI document, the bench's floor), which are not logged.
 */
export function surfaceOf(path: string): Surface | null {
  if (path === "/v1/api/shopify/webhook" || /^\/v1\/api\/integrations\/[^/]+\/webhook$/.test(path)) return "webhook";
  if (path.startsWith("/proxy/")) return "storefront";
  if (path.startsWith("/v1/api/")) return "merchant";
  if (path === "/admin" || path.startsWith("/admin/")) return "admin";
  if (path.startsWith("/auth/")) return "auth";
  return null;
}

/** Keys whose values are secrets: an audit shows only whether one is set. */
const SECRET_KEY = /secret|token|password|api_?key|_encrypted$|^code$|discount_code/i;

/**
 * `value` with every secret-named field replaced by "[set]" (or null when empty), at any
 * depth: a review provider's secret is audited as { secret: "[set]" }, never its value.
 */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => [
      key,
      SECRET_KEY.test(key) ? (v === null || v === undefined || v === "" ? null : "[set]") : maskSecrets(v),
    ]),
  );
}

/** Before/after larger than this are stored as a note instead (a queue message holds 128 KB). */
export const MAX_AUDIT_JSON_BYTES = 48 * 1024;

export function boundedForAudit(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  return text.length > MAX_AUDIT_JSON_BYTES ? { truncated: true, bytes: text.length } : value;
}
