-- Referrals as the friend's account publishes them (core/ledger-events.ts ReferralRecord), one
-- row per (shop, friend): a customer is referred at most once. Filled by the ledger-events
-- consumer (postgres/referrals.ts); each record carries a revision and the highest one wins,
-- whatever order they arrive in. Not partitioned: like redemptions, a shop holds at most one
-- row per customer, far fewer than its ledger entries.
CREATE TABLE IF NOT EXISTS referrals (
  shop TEXT NOT NULL,
  -- the friend's customer id (= friend_id)
  referral_id TEXT NOT NULL,
  code TEXT NOT NULL,
  advocate_id TEXT NOT NULL,
  friend_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'held', 'rejected', 'expired', 'reversed')),
  score INTEGER NOT NULL,
  -- [{code, score, detail}]: the fraud checks that fired
  reasons JSONB NOT NULL,
  bound_via TEXT NOT NULL,
  program_version INTEGER NOT NULL,
  -- {reward, points, redemption_id} for each side
  advocate_reward JSONB NOT NULL,
  friend_reward JSONB NOT NULL,
  order_gid TEXT,
  -- the qualifying order's earn base in the shop's money, as the record states it ("120.00")
  order_subtotal TEXT,
  decided_by TEXT,
  bound_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  completed_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL,
  revision INTEGER NOT NULL,
  PRIMARY KEY (shop, referral_id)
);
-- The merchant's list: newest first (bound_at), optionally by status, advocate or friend
-- (the friend is the key already).
CREATE INDEX IF NOT EXISTS referrals_shop_bound ON referrals (shop, bound_at DESC, referral_id);
CREATE INDEX IF NOT EXISTS referrals_status ON referrals (shop, status, bound_at DESC);
CREATE INDEX IF NOT EXISTS referrals_advocate ON referrals (shop, advocate_id, bound_at DESC);
-- ROI: the referrals that completed in a window.
CREATE INDEX IF NOT EXISTS referrals_completed ON referrals (shop, completed_at) WHERE completed_at IS NOT NULL;
