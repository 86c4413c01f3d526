// Answers of the merchant API (/v1/api) that the dashboard reads, declared once for the server
// (postgres/, core/) and the dashboard (dashboard/src/screens). Types only and no imports, so the
// dashboard's bundle and tsconfig take it without any server module. (Analytics has its own:
// core/analytics-wire.ts.)

/** One entry of GET /v1/api/logs/audit: who changed what (audit_logs without its shop). */
export interface AuditEntry {
  id: string;
  actor_type: string;
  actor_id: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  created_at: string;
}

/** GET /v1/api/referrals/roi's `roi`, the same figures as analytics' referral_roi. */
export type { ReferralRoi } from "./analytics-wire";
