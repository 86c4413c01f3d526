// Storage of one CustomerAccount (one shop + one customer). Versioned statements, applied in
// blockConcurrencyWhile before the first request.
export const CUSTOMER_ACCOUNT_MIGRATIONS: string[][] = [
  [
    `CREATE TABLE identity (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       shop TEXT NOT NULL,
       customer_id TEXT NOT NULL
     )`,
    // One row; balance is a cache of SUM(ledger.points), written in the same transaction.
    `CREATE TABLE account (
       singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
       balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
       total_earned INTEGER NOT NULL DEFAULT 0,
       total_redeemed INTEGER NOT NULL DEFAULT 0,
       total_reversed INTEGER NOT NULL DEFAULT 0
     )`,
    `INSERT INTO account (singleton) VALUES (1)`,
    // Append-only: nothing updates or deletes a ledger row.
    `CREATE TABLE ledger (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       id TEXT NOT NULL UNIQUE,
       kind TEXT NOT NULL,
       points INTEGER NOT NULL,
       balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
       source_type TEXT NOT NULL,
       source_id TEXT NOT NULL,
       idempotency_key TEXT NOT NULL UNIQUE,
       snapshot TEXT,
       note TEXT,
       created_at INTEGER NOT NULL
     )`,
    // Every event that was seen, keyed on the domain fact (shop implied by the object).
    `CREATE TABLE effects (
       idempotency_key TEXT PRIMARY KEY,
       result TEXT NOT NULL,
       created_at INTEGER NOT NULL
     )`,
    `CREATE TABLE orders (
       order_gid TEXT PRIMARY KEY,
       paid INTEGER NOT NULL DEFAULT 0,
       base_mills INTEGER,
       earned INTEGER NOT NULL DEFAULT 0,
       snapshot TEXT,
       refunded_mills INTEGER NOT NULL DEFAULT 0,
       cancelled INTEGER NOT NULL DEFAULT 0,
       reversed INTEGER NOT NULL DEFAULT 0,
       -- points a reversal could not take back because the customer had already spent them
       forgiven INTEGER NOT NULL DEFAULT 0,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE TABLE deliveries (
       delivery_id TEXT PRIMARY KEY,
       topic TEXT NOT NULL,
       received_at INTEGER NOT NULL
     )`,
    // Events for the ledger-events queue; a row leaves only when the consumer confirms it.
    `CREATE TABLE outbox (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       body TEXT NOT NULL,
       sent_at INTEGER
     )`,
  ],
  // Resends back off per row (15 s doubling to 10 min), so a long Postgres outage does not
  // fill the queue with copies of the same events.
  [
    `ALTER TABLE outbox ADD COLUMN send_count INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE outbox ADD COLUMN next_send_at INTEGER`,
    `UPDATE outbox SET next_send_at = sent_at + 15000 WHERE sent_at IS NOT NULL`,
    `CREATE INDEX outbox_due ON outbox (next_send_at)`,
  ],
];
