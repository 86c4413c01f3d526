-- The ledger summed per shop, UTC day and kind (postgres/points-daily.ts reads it for the
-- merchant's analytics): a year of the daily series is at most 366 × 15 rows of it, where the
-- ledger itself was a scan of every entry (a million at the bench's size, 3.5–5 s).
--
-- Kept by statement triggers on points_transactions, in the writing statement's transaction,
-- from its transition tables: an INSERT … ON CONFLICT DO NOTHING (the projection's idempotent
-- insert, postgres/projection.ts) lists only the rows it really inserted, so a redelivered entry
-- adds nothing. Every writer keeps it without knowing: the projection, the GDPR forfeiture
-- (postgres/gdpr.ts), shop deletion, fixtures and the bench's seed. A redaction rewrites
-- customer_id, note and source_id only, which this table does not hold: its rows do not move.
CREATE TABLE IF NOT EXISTS points_daily (
  shop TEXT NOT NULL,
  day DATE NOT NULL,
  kind TEXT NOT NULL,
  -- sum of the positive entries' points, and of the negative entries' (≤ 0): the figures split
  -- some kinds by sign (a positive adjustment is issuing, a negative one taking back)
  gained BIGINT NOT NULL DEFAULT 0,
  spent BIGINT NOT NULL DEFAULT 0,
  entries BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (shop, day, kind)
);

-- The rows of a transition table as the rollup's changes: 1 adds them, -1 takes them away.
CREATE OR REPLACE FUNCTION points_daily_rows(rel TEXT, sign INT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT format($q$
    SELECT shop, (created_at AT TIME ZONE 'UTC')::date AS day, kind,
           %2$s * CASE WHEN points > 0 THEN points ELSE 0 END AS gained,
           %2$s * CASE WHEN points < 0 THEN points ELSE 0 END AS spent,
           %2$s AS entries
    FROM %1$I$q$, rel, sign)
$$;

-- The statements applying those changes (EXECUTEd by the trigger functions themselves: a
-- transition table is visible only to the trigger's own function, not to one it calls). Sorted
-- by key so two writers lock the rows they share in one order (no deadlock); a key whose
-- changes net to nothing (a redaction's update) is not written; a row left with no entries goes
-- (shop/redact leaves nothing behind).
CREATE OR REPLACE FUNCTION points_daily_upsert(changes TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT format($q$
    INSERT INTO points_daily AS d (shop, day, kind, gained, spent, entries)
    SELECT shop, day, kind, sum(gained), sum(spent), sum(entries) FROM (%s) AS c
    GROUP BY shop, day, kind
    HAVING sum(gained) <> 0 OR sum(spent) <> 0 OR sum(entries) <> 0
    ORDER BY shop, day, kind
    ON CONFLICT (shop, day, kind) DO UPDATE SET
      gained = d.gained + EXCLUDED.gained, spent = d.spent + EXCLUDED.spent, entries = d.entries + EXCLUDED.entries
    $q$, changes)
$$;

CREATE OR REPLACE FUNCTION points_daily_prune(changes TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT format($q$
    DELETE FROM points_daily AS d USING (SELECT DISTINCT shop, day, kind FROM (%s) AS c) AS k
    WHERE d.shop = k.shop AND d.day = k.day AND d.kind = k.kind AND d.entries = 0
    $q$, changes)
$$;

CREATE OR REPLACE FUNCTION points_daily_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE points_daily_upsert(points_daily_rows('inserted_rows', 1));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION points_daily_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE points_daily_upsert(points_daily_rows('deleted_rows', -1));
  EXECUTE points_daily_prune(points_daily_rows('deleted_rows', -1));
  RETURN NULL;
END $$;

-- Old rows taken away and new ones added in one statement.
CREATE OR REPLACE FUNCTION points_daily_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes TEXT := points_daily_rows('old_rows', -1) || ' UNION ALL ' || points_daily_rows('new_rows', 1);
BEGIN
  EXECUTE points_daily_upsert(changes);
  EXECUTE points_daily_prune(changes);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION points_daily_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE points_daily;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS points_daily_insert ON points_transactions;
DROP TRIGGER IF EXISTS points_daily_delete ON points_transactions;
DROP TRIGGER IF EXISTS points_daily_update ON points_transactions;
DROP TRIGGER IF EXISTS points_daily_truncate ON points_transactions;
CREATE TRIGGER points_daily_insert AFTER INSERT ON points_transactions
  REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION points_daily_on_insert();
CREATE TRIGGER points_daily_delete AFTER DELETE ON points_transactions
  REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION points_daily_on_delete();
CREATE TRIGGER points_daily_update AFTER UPDATE ON points_transactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION points_daily_on_update();
CREATE TRIGGER points_daily_truncate AFTER TRUNCATE ON points_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION points_daily_on_truncate();

-- The backfill, in the migration's transaction (the triggers above are in place from here on).
TRUNCATE points_daily;
INSERT INTO points_daily (shop, day, kind, gained, spent, entries)
SELECT shop, (created_at AT TIME ZONE 'UTC')::date, kind,
       COALESCE(sum(points) FILTER (WHERE points > 0), 0), COALESCE(sum(points) FILTER (WHERE points < 0), 0), count(*)
FROM points_transactions GROUP BY 1, 2, 3;

-- Outstanding points at a window's end (postgres/analytics.ts) leave out redacted customers'
-- movements after it: few rows, found here instead of in the shop's whole ledger.
CREATE INDEX IF NOT EXISTS points_transactions_redacted ON points_transactions (shop, created_at) INCLUDE (kind, points)
  WHERE customer_id LIKE 'redacted-%';


-- Each customer's order days and first redemption (postgres/analytics.ts, repeat purchase):
-- customers with an order in a window, with two, and whether they had redeemed by its end, are
-- one pass over the shop's customers (width_bucket counts a sorted array's days up to a day by
-- bisection) instead of a scan of every order entry in the window (a year at the bench's size:
-- ~900,000 entries grouped by customer, 1–2 s).
CREATE TABLE IF NOT EXISTS customer_orders (
  shop TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  -- the UTC day of each `earn` entry (one per paid order that earned), sorted, repeated per order
  order_days DATE[] NOT NULL DEFAULT '{}',
  -- the first `redemption` entry's time; null: never redeemed
  first_redeemed_at TIMESTAMPTZ,
  PRIMARY KEY (shop, customer_id)
);

-- Inserts merge in (the rows really inserted, as for points_daily).
CREATE OR REPLACE FUNCTION customer_orders_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_orders AS c (shop, customer_id, order_days, first_redeemed_at)
  SELECT shop, customer_id,
         COALESCE(array_agg((created_at AT TIME ZONE 'UTC')::date ORDER BY created_at) FILTER (WHERE kind = 'earn'), '{}'),
         min(created_at) FILTER (WHERE kind = 'redemption')
  FROM inserted_rows WHERE kind IN ('earn', 'redemption')
  GROUP BY shop, customer_id ORDER BY shop, customer_id
  ON CONFLICT (shop, customer_id) DO UPDATE SET
    order_days = CASE WHEN cardinality(EXCLUDED.order_days) = 0 THEN c.order_days
                      ELSE (SELECT array_agg(d ORDER BY d) FROM unnest(c.order_days || EXCLUDED.order_days) AS d) END,
    first_redeemed_at = LEAST(c.first_redeemed_at, EXCLUDED.first_redeemed_at);
  RETURN NULL;
END $$;

-- Updates (a redaction re-files rows under an anonymous id) and deletes (shop/redact, the
-- bench's reseed) are rare: the customers they touch are recomputed from the ledger.
CREATE OR REPLACE FUNCTION customer_orders_recompute(affected TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY[
    format($q$DELETE FROM customer_orders AS c USING (%s) AS a WHERE c.shop = a.shop AND c.customer_id = a.customer_id$q$, affected),
    format($q$
      INSERT INTO customer_orders (shop, customer_id, order_days, first_redeemed_at)
      SELECT t.shop, t.customer_id,
             COALESCE(array_agg((t.created_at AT TIME ZONE 'UTC')::date ORDER BY t.created_at) FILTER (WHERE t.kind = 'earn'), '{}'),
             min(t.created_at) FILTER (WHERE t.kind = 'redemption')
      FROM points_transactions AS t JOIN (%s) AS a ON t.shop = a.shop AND t.customer_id = a.customer_id
      WHERE t.kind IN ('earn', 'redemption')
      GROUP BY t.shop, t.customer_id ORDER BY t.shop, t.customer_id
      ON CONFLICT (shop, customer_id) DO UPDATE SET order_days = EXCLUDED.order_days, first_redeemed_at = EXCLUDED.first_redeemed_at
    $q$, affected)]
$$;

CREATE OR REPLACE FUNCTION customer_orders_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  statement TEXT;
BEGIN
  FOREACH statement IN ARRAY customer_orders_recompute($q$SELECT DISTINCT shop, customer_id FROM deleted_rows WHERE kind IN ('earn', 'redemption')$q$) LOOP
    EXECUTE statement;
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customer_orders_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  statement TEXT;
BEGIN
  FOREACH statement IN ARRAY customer_orders_recompute($q$
    SELECT shop, customer_id FROM old_rows WHERE kind IN ('earn', 'redemption')
    UNION SELECT shop, customer_id FROM new_rows WHERE kind IN ('earn', 'redemption')$q$) LOOP
    EXECUTE statement;
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customer_orders_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE customer_orders;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS customer_orders_insert ON points_transactions;
DROP TRIGGER IF EXISTS customer_orders_delete ON points_transactions;
DROP TRIGGER IF EXISTS customer_orders_update ON points_transactions;
DROP TRIGGER IF EXISTS customer_orders_truncate ON points_transactions;
CREATE TRIGGER customer_orders_insert AFTER INSERT ON points_transactions
  REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_orders_on_insert();
CREATE TRIGGER customer_orders_delete AFTER DELETE ON points_transactions
  REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_orders_on_delete();
CREATE TRIGGER customer_orders_update AFTER UPDATE ON points_transactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_orders_on_update();
CREATE TRIGGER customer_orders_truncate AFTER TRUNCATE ON points_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION customer_orders_on_truncate();

TRUNCATE customer_orders;
INSERT INTO customer_orders (shop, customer_id, order_days, first_redeemed_at)
SELECT shop, customer_id,
       COALESCE(array_agg((created_at AT TIME ZONE 'UTC')::date ORDER BY created_at) FILTER (WHERE kind = 'earn'), '{}'),
       min(created_at) FILTER (WHERE kind = 'redemption')
FROM points_transactions WHERE kind IN ('earn', 'redemption') GROUP BY shop, customer_id;

-- The tier each customer holds now (postgres/analytics.ts: their newest change) read from the
-- index alone, in its order: 120,000 changes of 50,000 customers took 240–660 ms sorted on
-- disk, 34–90 ms this way (timed under load average 11–14).
CREATE INDEX IF NOT EXISTS tier_changes_current ON tier_changes (shop, customer_id, seq DESC) INCLUDE (to_tier);
