-- Logs of who did what (audit_logs) and of every API call (api_logs), written by the `logs`
-- queue's consumer (queues/logs.ts) and kept 90 days (the sweeper deletes older rows in
-- bounded batches). audit_logs already held hand adjustments (from the customer's outbox);
-- every change a person makes now lands here too, with its subject and before/after.
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS subject_type TEXT;
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS subject_id TEXT;
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS before JSONB;
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS after JSONB;
ALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS request_id TEXT;
-- Adjustments recorded before this migration: their subject is the customer, their "after" the
-- entry they added.
UPDATE audit_logs SET subject_type = 'customer', subject_id = customer_id, after = details
  WHERE subject_type IS NULL AND customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_logs_shop_action ON audit_logs (shop, action, created_at DESC);
CREATE INDEX IF NOT EXISTS audit_logs_created ON audit_logs (created_at);

CREATE TABLE IF NOT EXISTS api_logs (
  id UUID PRIMARY KEY,
  -- null when the caller's credentials were not verified (a bad signature names no shop)
  shop TEXT,
  surface TEXT NOT NULL,
  method TEXT NOT NULL,
  -- the route's pattern (/v1/api/customers/:id), never the URL: no ids, no query string
  route TEXT NOT NULL,
  status SMALLINT NOT NULL,
  duration_ms INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS api_logs_shop ON api_logs (shop, created_at DESC);
CREATE INDEX IF NOT EXISTS api_logs_created ON api_logs (created_at);
