-- points_daily's writers no longer meet on its rows. Its triggers (0011) upserted the shop's row
-- for the day and kind inside the writing statement's transaction, so every projection batch of
-- a shop that day waited for the one before it to commit: the fault suite's quiescence went from
-- 54 s to 123 s of its 180 s, and past 180 s on a loaded machine (249 customers behind).
--
-- Now a writing statement only appends its changes to points_daily_pending (no row two writers
-- share, nothing to wait for); the sweeper folds them into points_daily each minute
-- (points_daily_fold, postgres/points-daily.ts foldPointsDaily), and readers add up both
-- (points_daily_now), so a read is exact whether or not the fold has run.
CREATE TABLE IF NOT EXISTS points_daily_pending (
  id BIGSERIAL PRIMARY KEY,
  shop TEXT NOT NULL,
  day DATE NOT NULL,
  kind TEXT NOT NULL,
  gained BIGINT NOT NULL,
  spent BIGINT NOT NULL,
  entries BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS points_daily_pending_shop ON points_daily_pending (shop, day);
-- The fold's prune finds the rows left with no entries without reading the table.
CREATE INDEX IF NOT EXISTS points_daily_empty ON points_daily (shop) WHERE entries = 0;

-- What a writing statement changed, appended (the triggers of 0011 call these two by name).
CREATE OR REPLACE FUNCTION points_daily_upsert(changes TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT format($q$
    INSERT INTO points_daily_pending (shop, day, kind, gained, spent, entries)
    SELECT shop, day, kind, sum(gained), sum(spent), sum(entries) FROM (%s) AS c
    GROUP BY shop, day, kind
    HAVING sum(gained) <> 0 OR sum(spent) <> 0 OR sum(entries) <> 0
    $q$, changes)
$$;

-- Rows left with no entries go when the fold reaches them, not at write time.
CREATE OR REPLACE FUNCTION points_daily_prune(changes TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT 'SELECT 1'
$$;

CREATE OR REPLACE FUNCTION points_daily_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE points_daily, points_daily_pending;
  RETURN NULL;
END $$;

-- The rollup as it stands now: the folded rows and the changes not folded yet (sum them per key).
CREATE OR REPLACE VIEW points_daily_now AS
  SELECT shop, day, kind, gained, spent, entries FROM points_daily
  UNION ALL
  SELECT shop, day, kind, gained, spent, entries FROM points_daily_pending;

-- Folds up to max_rows of the oldest pending changes into points_daily and drops the rows left
-- with no entries; answers how many pending rows it folded. Two folds at once take different
-- rows (SKIP LOCKED); a change still being written is not visible to it and waits for the next.
CREATE OR REPLACE FUNCTION points_daily_fold(max_rows INT) RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
  folded INT;
BEGIN
  WITH moved AS (
    DELETE FROM points_daily_pending
    WHERE id IN (SELECT id FROM points_daily_pending ORDER BY id LIMIT max_rows FOR UPDATE SKIP LOCKED)
    RETURNING shop, day, kind, gained, spent, entries
  ), counted AS (
    SELECT count(*)::int AS n FROM moved
  ), upserted AS (
    INSERT INTO points_daily AS d (shop, day, kind, gained, spent, entries)
    SELECT shop, day, kind, sum(gained), sum(spent), sum(entries) FROM moved
    GROUP BY shop, day, kind
    HAVING sum(gained) <> 0 OR sum(spent) <> 0 OR sum(entries) <> 0
    ORDER BY shop, day, kind
    ON CONFLICT (shop, day, kind) DO UPDATE SET
      gained = d.gained + EXCLUDED.gained, spent = d.spent + EXCLUDED.spent, entries = d.entries + EXCLUDED.entries
  )
  SELECT n INTO folded FROM counted;
  DELETE FROM points_daily WHERE entries = 0;
  RETURN folded;
END $$;

-- What 0011's triggers wrote is in points_daily already: nothing pending to carry over.
