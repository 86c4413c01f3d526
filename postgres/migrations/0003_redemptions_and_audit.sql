-- Redemptions as the customer's object reports them (never the code itself), and the audit
-- trail of hand adjustments. Both filled by the ledger-events consumer, idempotently.
CREATE TABLE IF NOT EXISTS redemptions (
  shop TEXT NOT NULL,
  redemption_id UUID NOT NULL,
  customer_id TEXT NOT NULL,
  reward_id TEXT NOT NULL,
  reward_type TEXT NOT NULL,
  title TEXT NOT NULL,
  points BIGINT NOT NULL,
  status TEXT NOT NULL,
  discount_gid TEXT,
  order_gid TEXT,
  failure_reason TEXT,
  expires_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  -- the object's revision of this redemption: events may arrive in any order
  revision INTEGER NOT NULL,
  PRIMARY KEY (shop, redemption_id)
);
CREATE INDEX IF NOT EXISTS redemptions_customer ON redemptions (shop, customer_id, created_at DESC);
CREATE INDEX IF NOT EXISTS redemptions_status ON redemptions (shop, status, created_at DESC);

CREATE TABLE IF NOT EXISTS audit_logs (
  id UUID PRIMARY KEY,
  shop TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  customer_id TEXT,
  details JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_logs_shop ON audit_logs (shop, created_at DESC);
