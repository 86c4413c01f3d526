import { z } from "@hono/zod-openapi";

/** A shop as the admin routes take it: its myshopify domain, the shop's id throughout LoyalNest. */
export const ShopDomain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a shop's myshopify domain, e.g. example.myshopify.com");
