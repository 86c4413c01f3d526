-- The plans (README "Plans and fair limits"). Limits are net paid orders per calendar month
-- (UTC); NULL is unlimited. Prices are USD per 30 days, charged through Shopify's billing API.
INSERT INTO `plans` (`id`, `name`, `price`, `monthly_order_limit`, `sort`) VALUES
  ('free', 'Free', '0.00', 300, 0),
  ('growth', 'Growth', '49.00', 3000, 1),
  ('pro', 'Pro', '149.00', 15000, 2),
  ('plus', 'Plus', '399.00', NULL, 3)
ON CONFLICT (`id`) DO UPDATE SET `name` = excluded.`name`, `price` = excluded.`price`,
  `monthly_order_limit` = excluded.`monthly_order_limit`, `sort` = excluded.`sort`;
