-- Reporting projection, filled by the ledger-events consumer (idempotent upserts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS customers (
  shop TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  email_encrypted TEXT,
  email_blind_index TEXT,
  first_name TEXT,
  last_name TEXT,
  points_balance BIGINT NOT NULL DEFAULT 0,
  total_points_earned BIGINT NOT NULL DEFAULT 0,
  total_points_redeemed BIGINT NOT NULL DEFAULT 0,
  total_points_reversed BIGINT NOT NULL DEFAULT 0,
  -- ledger seq the balance columns reflect: events may arrive in any order
  balance_seq BIGINT NOT NULL DEFAULT 0,
  shopify_created_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (shop, customer_id)
);
CREATE INDEX IF NOT EXISTS customers_email_bidx ON customers (shop, email_blind_index);
CREATE INDEX IF NOT EXISTS customers_name_trgm ON customers
  USING gin ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS customers_shop_order ON customers (shop, created_at DESC, customer_id);

CREATE TABLE IF NOT EXISTS points_transactions (
  shop TEXT NOT NULL,
  entry_id UUID NOT NULL,
  customer_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  points BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  source_type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  snapshot JSONB,
  note TEXT,
  created_at TIMESTAMPTZ NOT NULL,
  projected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (shop, entry_id)
) PARTITION BY HASH (shop);
CREATE TABLE IF NOT EXISTS points_transactions_p0 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE IF NOT EXISTS points_transactions_p1 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE IF NOT EXISTS points_transactions_p2 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE IF NOT EXISTS points_transactions_p3 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE IF NOT EXISTS points_transactions_p4 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE IF NOT EXISTS points_transactions_p5 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE IF NOT EXISTS points_transactions_p6 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE IF NOT EXISTS points_transactions_p7 PARTITION OF points_transactions FOR VALUES WITH (MODULUS 8, REMAINDER 7);
CREATE INDEX IF NOT EXISTS points_transactions_customer ON points_transactions (shop, customer_id, seq DESC);
