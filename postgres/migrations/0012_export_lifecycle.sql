-- Export files at rest and their lifecycle (queues/exports.ts, queues/export-lifecycle.ts):
-- files sealed per part by the app, deleted after EXPORT_RETENTION_MS ('expired'), and exports
-- that stopped moving revived by the sweeper up to EXPORT_MAX_REVIVALS times.
ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_status_check;
ALTER TABLE exports ADD CONSTRAINT exports_status_check CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired'));
-- Rows written before this migration hold plain CSV (false); every new export is sealed.
ALTER TABLE exports ADD COLUMN IF NOT EXISTS sealed BOOLEAN NOT NULL DEFAULT false;
-- How often the sweeper (or a repeated request) re-queued it, and when last.
ALTER TABLE exports ADD COLUMN IF NOT EXISTS revivals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exports ADD COLUMN IF NOT EXISTS revived_at TIMESTAMPTZ;
-- When its file left R2 (status 'expired').
ALTER TABLE exports ADD COLUMN IF NOT EXISTS expired_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS exports_done_finished ON exports (finished_at) WHERE status = 'done';
CREATE INDEX IF NOT EXISTS exports_failed_with_upload ON exports (finished_at) WHERE status = 'failed' AND upload_id IS NOT NULL;
