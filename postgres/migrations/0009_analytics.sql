-- Analytics (postgres/analytics.ts): the ledger by shop, kind and time, carrying the points and
-- the customer, so the daily series, the outstanding-points correction and the repeat-purchase
-- counts are index-only range scans of one shop's kinds in a window, not reads of its whole
-- ledger (a million rows at the bench's size).
CREATE INDEX IF NOT EXISTS points_transactions_shop_kind_time ON points_transactions (shop, kind, created_at) INCLUDE (points, customer_id);
