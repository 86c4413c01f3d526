// The query every App Proxy request carries: Shopify's signed parameters (checked by appProxyAuth).
import { z } from "@hono/zod-openapi";

export const proxyQuery = z.object({
  shop: z.string().openapi({ example: "demo-shop.myshopify.com" }),
  logged_in_customer_id: z.string().optional(),
  path_prefix: z.string().optional(),
  timestamp: z.string(),
  signature: z.string(),
});
