-- The re-encryption sweep looks for emails not yet sealed under the current key:
-- substr(email_encrypted, 1, 12) is `v2.<kid>.` for v2 rows (any prefix for v1). With this index
-- the per-minute sweep reads only the rows that still need work instead of the whole table.
CREATE INDEX IF NOT EXISTS customers_email_key_prefix ON customers ((substr(email_encrypted, 1, 12)))
  WHERE email_encrypted IS NOT NULL;
