-- Every change of a customer's VIP tier, as their object records it (core/tiers.ts reasons).
-- Filled by the ledger-events consumer, idempotently (the change's id).
CREATE TABLE IF NOT EXISTS tier_changes (
  shop TEXT NOT NULL,
  change_id UUID NOT NULL,
  customer_id TEXT NOT NULL,
  -- the change's order within the customer's object
  seq BIGINT NOT NULL,
  from_tier TEXT,
  to_tier TEXT,
  reason TEXT NOT NULL,
  basis TEXT NOT NULL,
  -- the customer's value in the basis then: points, or mills of spend
  value BIGINT NOT NULL,
  changed_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (shop, change_id)
);
CREATE INDEX IF NOT EXISTS tier_changes_customer ON tier_changes (shop, customer_id, seq);
CREATE INDEX IF NOT EXISTS tier_changes_to ON tier_changes (shop, to_tier, changed_at DESC);
