-- GDPR redaction tombstones: one row per redacted customer, keyed by a keyed hash of shop and
-- customer id (core/crypto customerKeyedHash), never the id itself. The projection looks an
-- event's customer up here and files what a redacted customer's in-flight events carry under
-- the anonymous id instead (profiles dropped), so a late event cannot bring their data back
-- and the shop's totals keep every entry.
CREATE TABLE IF NOT EXISTS gdpr_tombstones (
  shop TEXT NOT NULL,
  customer_hash TEXT NOT NULL,
  -- random, not derived from the customer: the anonymised rows name nobody
  anonymous_id TEXT NOT NULL,
  redacted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (shop, customer_hash)
);
