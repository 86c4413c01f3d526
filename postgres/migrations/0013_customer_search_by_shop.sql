-- Merchant search by name (postgres/customers.ts), scoped to the shop inside the index: the
-- trigram index of 0009 holds every shop's names, so a fragment's candidates were every shop's
-- matches, fetched and then filtered by shop (EXPLAIN over the bench's two 50,000-customer
-- shops: "ada" fetched 15,078 candidates for 5,078 of the shop's; at a thousand shops it would
-- be a thousand times that). btree_gin lets the GIN index lead with the shop's equality.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS customers_shop_search_name_trgm ON customers USING gin (shop, search_name gin_trgm_ops);
DROP INDEX IF EXISTS customers_search_name_trgm;
