-- Every notification LoyalNest sent, tried or skipped, one row per (customer, event key, channel)
-- (core/notifications.ts). `queued` rows come from the ledger-events consumer when it queues the
-- message; every later state comes from the customer's object through its outbox and replaces
-- the row when its outbox_seq is newer. The recipient is sealed (core/crypto.ts recipientContext).
CREATE TABLE IF NOT EXISTS email_events (
  shop TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  event_key TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp', 'klaviyo')),
  notification_type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'skipped', 'sent', 'failed', 'bounced', 'unsubscribed')),
  provider TEXT,
  tries INTEGER NOT NULL DEFAULT 0,
  provider_message_id TEXT,
  error TEXT,
  recipient_encrypted TEXT,
  language TEXT,
  -- the notification's event facts (core/notifications.ts EventFacts) and time: enough to queue it again
  facts JSONB,
  event_at TIMESTAMPTZ,
  -- the object's outbox order of the record this row holds (0: only queued so far)
  outbox_seq BIGINT NOT NULL DEFAULT 0,
  queued_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (shop, customer_id, event_key, channel)
);
CREATE INDEX IF NOT EXISTS email_events_shop_time ON email_events (shop, updated_at DESC);
CREATE INDEX IF NOT EXISTS email_events_status ON email_events (shop, status, updated_at DESC);
-- The sweeper's look for notifications whose message was lost.
CREATE INDEX IF NOT EXISTS email_events_unsettled ON email_events (updated_at) WHERE status IN ('queued', 'retrying');
CREATE INDEX IF NOT EXISTS email_events_provider_message ON email_events (provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
