-- LoyalNest D1 schema v1: shops, program settings, rewards, webhook inbox, order index,
-- dead letters. Written by hand before drizzle-kit; meta/0001_snapshot.json records it for drizzle-kit.
CREATE TABLE shops (
  domain TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('installed', 'uninstalled')),
  access_token_encrypted TEXT,
  access_token_expires_at INTEGER,
  refresh_token_encrypted TEXT,
  plan TEXT NOT NULL DEFAULT 'free',
  installed_at INTEGER NOT NULL,
  uninstalled_at INTEGER,
  updated_at INTEGER NOT NULL
);

CREATE TABLE program_settings (
  shop TEXT NOT NULL,
  version INTEGER NOT NULL,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (shop, version)
);

CREATE TABLE rewards (
  id TEXT PRIMARY KEY,
  shop TEXT NOT NULL,
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  points_cost INTEGER NOT NULL CHECK (points_cost > 0),
  value TEXT,
  product_gid TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  sort INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX rewards_shop ON rewards (shop, active, sort);

CREATE TABLE webhook_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  shop TEXT NOT NULL,
  topic TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  body TEXT NOT NULL,
  order_gid TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'parked', 'processed', 'rejected')),
  attempts INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  processed_at INTEGER,
  last_error TEXT
);
CREATE UNIQUE INDEX webhook_inbox_delivery ON webhook_inbox (shop, delivery_id);
CREATE INDEX webhook_inbox_due ON webhook_inbox (status, next_attempt_at);
CREATE INDEX webhook_inbox_order ON webhook_inbox (shop, order_gid, status);

CREATE TABLE order_index (
  shop TEXT NOT NULL,
  order_gid TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (shop, order_gid)
);

CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
  redriven_at INTEGER
);
CREATE INDEX dead_letters_pending ON dead_letters (redriven_at, created_at);
