-- CSV exports a merchant asks for (postgres/exports.ts, queues/exports.ts): one row per export,
-- its progress, and the checkpoint a redelivered or continued job resumes from.
CREATE TABLE IF NOT EXISTS exports (
  id UUID PRIMARY KEY,
  shop TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('customers', 'ledger', 'analytics')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  -- Inclusive dates (UTC) for the ledger and analytics; null = unbounded.
  range_from DATE,
  range_to DATE,
  requested_by TEXT NOT NULL,
  rows_done BIGINT NOT NULL DEFAULT 0,
  rows_total BIGINT,
  bytes_done BIGINT NOT NULL DEFAULT 0,
  r2_key TEXT NOT NULL,
  -- The R2 multipart upload and the parts uploaded so far ([{ "partNumber", "etag" }]).
  upload_id TEXT,
  parts JSONB NOT NULL DEFAULT '[]',
  -- Checkpoint: the key of the last row serialized (JSON, per kind), and the bytes serialized
  -- after the last uploaded part (less than one row: a part is cut as soon as it is full).
  cursor JSONB,
  carry BYTEA NOT NULL DEFAULT '\x',
  -- Fencing: the run that holds the export, and until when (a run that dies lets go by itself).
  run_id UUID,
  lease_until TIMESTAMPTZ,
  error TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  started_at TIMESTAMPTZ,
  finished_at TIMESTAMPTZ
);
-- One export per shop and kind in flight: a second request answers the one in flight.
CREATE UNIQUE INDEX IF NOT EXISTS exports_one_in_flight ON exports (shop, kind) WHERE status IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS exports_shop_newest ON exports (shop, created_at DESC, id);
